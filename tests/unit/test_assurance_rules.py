"""Properties of the assurance events' rules, on the pure decisions (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from services.events.domain import commands as c
from services.events.domain import lifecycle, line_of_sight
from services.events.domain.rules import milestones_due, missed_from
from services.events.domain.state import AssuranceEvent, evolve
from shared.catalogue import events as e
from shared.decisions import fold
from shared.refusals import Refusal
from tests.unit.test_assurance_flow import PARTNERS, PROFILE

AGENCIES = [a.id for a in PROFILE.agencies]


def proposed(activity: str, **fields: object) -> AssuranceEvent:
    command = c.ProposeAssuranceEvent.model_validate(
        {"request_id": uuid4(), "assurance_event_id": "ev-1", "activity_type": activity, "title": "t"} | fields
    )
    return fold(AssuranceEvent(), evolve, lifecycle.decide_propose(AssuranceEvent(), command, PROFILE))


@settings(max_examples=100, deadline=None)
@given(agency=st.sampled_from(AGENCIES), order=st.permutations(PARTNERS))
def test_endorsement_completes_once_with_every_partner_but_the_one_under_scrutiny(agency: str, order: list[str]) -> None:
    state = proposed("agency-specific-assurance-event", agency_id=agency)
    recused = state.recused_partner
    completions = 0
    for partner in order:
        command = c.EndorseAssuranceEvent(request_id=uuid4(), assurance_event_id="ev-1", partner_id=partner, representative="r")
        try:
            events = lifecycle.decide_endorse(state, command, PROFILE)
        except Refusal as refusal:
            assert partner == recused and refusal.code == "recused_partner"
            continue
        completions += sum(isinstance(x, e.AssuranceEventEndorsed) for x in events)
        state = fold(state, evolve, events)
    assert completions == 1 and state.fully_endorsed
    assert set(state.endorsed) == set(PARTNERS) - {recused}


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2019, 1, 1), max_value=date(2035, 12, 31)))
def test_milestones_fall_due_before_the_event_and_are_missed_after_their_day(day: date) -> None:
    activity = PROFILE.activity("agency-specific-assurance-event")
    due = milestones_due(activity, day)
    assert [day - m.due_on for m in due] == [timedelta(days=42), timedelta(days=21)]
    for milestone in due:
        missed = missed_from(milestone.due_on)  # midnight in London as the day ends
        next_day = milestone.due_on + timedelta(days=1)
        assert (missed.date(), missed.hour, missed.minute) == (next_day, 0, 0)
        utc_midnight = datetime.combine(next_day, time.min, tzinfo=UTC)
        assert utc_midnight - timedelta(hours=1) <= missed.astimezone(UTC) <= utc_midnight


@settings(max_examples=50, deadline=None)
@given(refs=st.lists(st.from_regex(r"case-[a-z0-9]{3,12}", fullmatch=True), min_size=1, max_size=9, unique=True))
def test_a_line_of_sight_event_never_holds_more_than_five_cases(refs: list[str]) -> None:
    state = proposed("line-of-sight", theme="neglect")
    accepted = 0
    for ref in refs:
        command = c.SelectCase(request_id=uuid4(), assurance_event_id="ev-1", case_ref=ref)
        try:
            state = fold(state, evolve, line_of_sight.decide_select_case(state, command, PROFILE))
            accepted += 1
        except Refusal as refusal:
            assert refusal.code == "too_many_cases" and accepted == 5
    assert accepted == min(len(refs), 5) and len(state.cases) == accepted
