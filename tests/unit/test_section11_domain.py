"""Section 11 cycles and returns: pure decide/evolve against the North Lincolnshire profile
(and a copy of it that runs peer challenge workshops)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

import pytest

from services.section11.domain import cycles
from services.section11.domain.commands import (
    CarryForwardReturn,
    CloseAuditCycle,
    SubmitReturn,
)
from services.section11.domain.cycles import Cycle
from services.section11.domain.returns import Return, effective_ratings, evolve, fold, stream_id
from services.section11.domain.submissions import (
    decide_carry_forward,
    decide_draft,
    decide_moderation,
)
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    Answer,
    AuditCycleClosed,
    AuditCycleOpened,
    CallInProposed,
    DraftSaved,
    PeerChallengeWorkshopScheduled,
    RiskFlagged,
    SubmissionReceived,
)
from shared.refusals import Refusal
from tests.support.returns import answers
from tests.support.section11_domain import (
    AGENCY,
    CLOSED,
    CULTURE,
    CYCLE,
    DOMAINS,
    DUE,
    LEADERSHIP,
    OPEN,
    OPENED,
    OTHER_AGENCY,
    PEER,
    PROFILE,
    RULES,
    SCALE,
    STANDARDS,
    THRESHOLD,
    decide,
    draft_command,
    moderate_command,
    open_command,
    opened,
    refusal_of,
    submit_command,
    submitted,
    types,
    with_section11,
)


def test_the_profile_is_what_these_tests_assume() -> None:
    assert len(DOMAINS) == 6 and len(STANDARDS) == 14
    assert SCALE == [1, 2, 3, 4]
    assert [level.rag for level in RULES.rating_scale.levels] == ["red", "amber", "green", "green"]
    assert (THRESHOLD, RULES.highest_risk, RULES.rollup) == (2, 1, "lowest")
    assert (RULES.submission_window_days, RULES.reminder_days_before) == (21, [7, 2])
    assert RULES.peer_challenge is None
    assert RULES.triangulation.survey_low_percent == 60
    assert {AGENCY, OTHER_AGENCY} <= {a.id for a in PROFILE.agencies}
    assert [s.id for s in RULES.standards_for(CULTURE)] == ["cc-voice-of-the-child", "cc-professional-challenge"]



def test_stream_ids_name_partnership_cycle_and_agency() -> None:
    assert stream_id("north-lincolnshire", AGENCY, CYCLE) == f"s11-return:north-lincolnshire:{AGENCY}:{CYCLE}"
    assert cycles.stream_id("north-lincolnshire", CYCLE) == f"s11-cycle:north-lincolnshire:{CYCLE}"


def test_evolve_ignores_events_it_does_not_know() -> None:
    class Unrelated(DomainEvent):
        event_type = "UnrelatedForThisTest"

    assert evolve(Return(), Unrelated()) == Return()
    assert cycles.evolve(Cycle(), Unrelated()) == Cycle()


# -- the cycle ------------------------------------------------------------------------------


def test_a_cycle_opens_for_every_agency_due_after_the_profiles_window() -> None:
    [event] = cycles.decide_open(Cycle(), open_command(), PROFILE)
    assert event == AuditCycleOpened(
        cycle_id=CYCLE, opened_on=OPENED, due_on=DUE,
        agency_ids=[a.id for a in PROFILE.agencies], reminder_days_before=[7, 2],
    )
    assert OPEN == Cycle(cycle_id=CYCLE, opened=True, due_on=DUE, agency_ids=tuple(event.agency_ids))


def test_a_cycle_for_named_agencies_with_its_own_due_date() -> None:
    [event] = cycles.decide_open(
        Cycle(), open_command(agency_ids=[AGENCY, OTHER_AGENCY, AGENCY], due_on=date(2026, 12, 1)), PROFILE
    )
    assert isinstance(event, AuditCycleOpened)
    assert (event.agency_ids, event.due_on) == ([AGENCY, OTHER_AGENCY], date(2026, 12, 1))


def test_reminders_that_would_fall_before_the_cycle_opened_are_not_scheduled() -> None:
    cases = [(2, []), (3, []), (4, [2]), (8, [2]), (9, [7, 2])]  # opened on 1 September, due on the nth
    for day, reminders in cases:
        due_on = date(2026, 9, day)
        [event] = cycles.decide_open(Cycle(), open_command(due_on=due_on), PROFILE)
        assert isinstance(event, AuditCycleOpened)
        assert event.reminder_days_before == reminders, due_on
    [event] = cycles.decide_open(Cycle(), open_command(due_on=date(2026, 9, 9)), PROFILE)
    assert isinstance(event, AuditCycleOpened)
    assert all(cycles.reminder_at(event.due_on, d).date() > OPENED for d in event.reminder_days_before)


@pytest.mark.parametrize(
    ("state", "overrides", "code", "field"),
    [
        (OPEN, {}, "cycle_exists", "cycle_id"),
        (Cycle(), {"agency_ids": [AGENCY, "acme-widgets"]}, "unknown_agency", "agency_ids[1]"),
        (Cycle(), {"agency_ids": []}, "no_agencies", "agency_ids"),
        (Cycle(), {"due_on": OPENED}, "due_before_opening", "due_on"),
        (Cycle(), {"due_on": date(2026, 8, 1)}, "due_before_opening", "due_on"),
    ],
)
def test_opening_refusals(state: Cycle, overrides: dict[str, Any], code: str, field: str) -> None:
    assert refusal_of(lambda: cycles.decide_open(state, open_command(**overrides), PROFILE)) == (code, field)


def close_command(closed_on: date = date(2026, 10, 10)) -> CloseAuditCycle:
    return CloseAuditCycle(request_id=uuid4(), cycle_id=CYCLE, closed_on=closed_on)


def test_closing_without_peer_challenge_only_closes() -> None:
    returns = {AGENCY: submitted({CULTURE: 2}), OTHER_AGENCY: submitted(default=4)}
    assert cycles.decide_close(OPEN, close_command(), PROFILE, returns) == [
        AuditCycleClosed(cycle_id=CYCLE, closed_on=date(2026, 10, 10))
    ]
    assert cycles.evolve(OPEN, AuditCycleClosed(cycle_id=CYCLE, closed_on=date(2026, 10, 10))).closed


@pytest.mark.parametrize(("state", "code"), [(Cycle(), "unknown_cycle"), (CLOSED, "cycle_closed")])
def test_only_an_open_cycle_can_close(state: Cycle, code: str) -> None:
    assert refusal_of(lambda: cycles.decide_close(state, close_command(), PEER, {})) == (code, "cycle_id")


def test_closing_schedules_peer_challenge_for_development_and_good_practice() -> None:
    weak = submitted({CULTURE: 2})
    weak = fold(weak, decide_moderation(weak, moderate_command(LEADERSHIP, 2), PROFILE))  # moderated counts
    returns = {AGENCY: weak, OTHER_AGENCY: submitted(default=4)}
    closed, *workshops = cycles.decide_close(OPEN, close_command(date(2026, 10, 10)), PEER, returns)
    assert closed == AuditCycleClosed(cycle_id=CYCLE, closed_on=date(2026, 10, 10))
    assert all(isinstance(w, PeerChallengeWorkshopScheduled) for w in workshops)
    scheduled = {(w.domain_id, w.purpose): w for w in workshops}  # type: ignore[attr-defined]
    development = {d for d, p in scheduled if p == "development"}
    assert development == {LEADERSHIP, CULTURE}
    assert {d for d, p in scheduled if p == "good_practice"} == set(DOMAINS)
    for (domain, purpose), workshop in scheduled.items():
        assert workshop.agency_ids == ([AGENCY] if purpose == "development" else [OTHER_AGENCY])
        assert workshop.hold_by == date(2027, 10, 10)
        assert workshop.workshop_id == f"{CYCLE}-{domain}-{purpose.replace('_', '-')}"
        assert workshop.cycle_id == CYCLE
    # One workshop per domain and purpose, in the profile's domain order.
    assert [(w.domain_id, w.purpose) for w in workshops] == [  # type: ignore[attr-defined]
        (d, purpose) for d in DOMAINS for purpose in ("development", "good_practice")
        if purpose == "good_practice" or d in development
    ]


def test_peer_challenge_settings_choose_the_workshops_and_their_window() -> None:
    returns = {AGENCY: submitted({CULTURE: 2}), OTHER_AGENCY: submitted(default=4)}
    only_development = with_section11(peer_challenge={"within_months": 6, "good_practice": False})
    _, *workshops = cycles.decide_close(OPEN, close_command(date(2026, 10, 31)), only_development, returns)
    assert [(w.domain_id, w.purpose, w.hold_by) for w in workshops] == [  # type: ignore[attr-defined]
        (CULTURE, "development", date(2027, 4, 30))
    ]
    only_good = with_section11(peer_challenge={"development": False})
    _, *workshops = cycles.decide_close(OPEN, close_command(), only_good, returns)
    assert {w.purpose for w in workshops} == {"good_practice"}  # type: ignore[attr-defined]
    # Nobody at risk and nobody at the best level: nothing to workshop.
    assert cycles.decide_close(OPEN, close_command(), PEER, {AGENCY: submitted()})[1:] == []


@pytest.mark.parametrize(
    ("due_on", "overdue_utc"),
    [
        (date(2026, 6, 30), "2026-06-30T23:00:00+00:00"),  # British Summer Time
        (date(2026, 12, 18), "2026-12-19T00:00:00+00:00"),  # Greenwich Mean Time
        (date(2026, 10, 24), "2026-10-24T23:00:00+00:00"),  # the day before the clocks go back
    ],
)
def test_a_return_is_overdue_from_the_start_of_the_next_day_in_london(due_on: date, overdue_utc: str) -> None:
    assert cycles.overdue_from(due_on) == datetime.fromisoformat(overdue_utc)


def test_reminders_are_at_nine_in_london_the_given_days_before() -> None:
    assert cycles.reminder_at(date(2026, 9, 22), 7) == datetime.fromisoformat("2026-09-15T08:00:00+00:00")
    assert cycles.reminder_kind(7) == "submission-reminder-7"


# -- drafts and carrying forward --------------------------------------------------------------

FULL = answers(PROFILE)
FIRST_HALF = dict(list(FULL.items())[:7])
SECOND_HALF = dict(list(FULL.items())[7:])


def test_a_draft_is_saved_in_parts_and_raises_nothing_else() -> None:
    low = {s: a | {"rating": 1} for s, a in FIRST_HALF.items()}
    [first] = decide_draft(Return(), OPEN, draft_command(low), PROFILE)
    assert isinstance(first, DraftSaved)
    assert (first.agency_id, first.cycle_id, first.saved_by, first.carried_forward_from) == (AGENCY, CYCLE, "Lead", None)
    state = evolve(Return(), first)
    [second] = decide_draft(state, OPEN, draft_command(SECOND_HALF), PROFILE)  # no risk flag for a draft
    assert isinstance(second, DraftSaved)
    assert set(second.answers) == set(STANDARDS)
    assert second.answers["lg-senior-lead"].rating == 1
    state = evolve(state, second)
    assert state.draft == second.answers and not state.submitted and state.flagged == frozenset()
    # Saving a standard again replaces its answer and keeps the others.
    [third] = decide_draft(state, OPEN, draft_command({"lg-senior-lead": {"rating": 4}}), PROFILE)
    assert isinstance(third, DraftSaved)
    assert third.answers["lg-senior-lead"] == Answer(rating=4) and len(third.answers) == len(STANDARDS)


@pytest.mark.parametrize(
    ("state", "cycle", "agency", "part", "code", "field"),
    [
        (Return(), OPEN, "acme-widgets", FIRST_HALF, "unknown_agency", "agency_id"),
        (Return(), Cycle(), AGENCY, FIRST_HALF, "unknown_cycle", "cycle_id"),
        (Return(), CLOSED, AGENCY, FIRST_HALF, "cycle_closed", "cycle_id"),
        (Return(), opened(agency_ids=[OTHER_AGENCY]), AGENCY, FIRST_HALF, "not_in_cycle", "agency_id"),
        (submitted(), OPEN, AGENCY, FIRST_HALF, "already_submitted", "cycle_id"),
        (Return(), OPEN, AGENCY, {"astrology": {"rating": 3}}, "unknown_standard", "answers.astrology"),
        (Return(), OPEN, AGENCY, {"lg-senior-lead": {"rating": 0}}, "rating_off_scale", "answers.lg-senior-lead.rating"),
        (Return(), OPEN, AGENCY, {"lg-senior-lead": {"rating": 5}}, "rating_off_scale", "answers.lg-senior-lead.rating"),
    ],
)
def test_draft_refusals(
    state: Return, cycle: Cycle, agency: str, part: dict[str, Any], code: str, field: str
) -> None:
    assert refusal_of(lambda: decide_draft(state, cycle, draft_command(part, agency), PROFILE)) == (code, field)


def test_a_draft_holds_bounded_text_and_a_return_bounded_drafts() -> None:
    """Security finding 5: the limits name themselves in the refusal."""
    from services.section11.domain.submissions import MAX_DRAFT_TEXT, MAX_DRAFTS

    others = [s for s in STANDARDS if s != "lg-senior-lead"]
    stored = {s: Answer(rating=3, narrative="x" * (MAX_DRAFT_TEXT // len(others))) for s in others}
    full = Return(draft=stored, drafts=1)
    refused = refusal_of(
        lambda: decide_draft(full, OPEN, draft_command({"lg-senior-lead": {"rating": 2, "narrative": "y" * 4000}}), PROFILE)
    )
    assert refused == ("draft_too_large", "answers")
    many = Return(drafts=MAX_DRAFTS)
    with pytest.raises(Refusal, match=f"most one return may have in a cycle \\({MAX_DRAFTS}\\)") as raised:
        decide_draft(many, OPEN, draft_command(FIRST_HALF), PROFILE)
    assert (raised.value.code, raised.value.field) == ("too_many_drafts", "answers")
    [saved] = decide_draft(Return(drafts=MAX_DRAFTS - 1), OPEN, draft_command(FIRST_HALF), PROFILE)
    assert evolve(Return(drafts=MAX_DRAFTS - 1), saved).drafts == MAX_DRAFTS


def carry_command() -> CarryForwardReturn:
    return CarryForwardReturn(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, from_cycle_id="2025-26", saved_by="Lead"
    )


def test_carrying_forward_starts_a_draft_from_the_last_submitted_answers() -> None:
    previous = submitted({CULTURE: 2})
    retired = previous.answers | {"retired-standard": Answer(rating=1)}
    previous = Return(submitted=True, answers=retired, self_ratings=previous.self_ratings)
    [draft] = decide_carry_forward(Return(), OPEN, previous, carry_command(), PROFILE)
    assert isinstance(draft, DraftSaved)
    assert draft.carried_forward_from == "2025-26"
    assert set(draft.answers) == set(STANDARDS)  # the standard the profile dropped is left behind
    assert draft.answers["cc-voice-of-the-child"].rating == 2
    # A carried draft is a draft: submitting it raises what the old answers mean now.
    events = decide(evolve(Return(), draft), submit_command().model_copy(update={"answers": None}))
    assert types(events) == [SubmissionReceived, RiskFlagged]


def test_a_new_standard_starts_unanswered_after_carrying_forward() -> None:
    previous = submitted()
    missing = Return(submitted=True, answers={s: a for s, a in previous.answers.items() if s != "rw-training"})
    state = fold(Return(), decide_carry_forward(Return(), OPEN, missing, carry_command(), PROFILE))
    command = submit_command().model_copy(update={"answers": None})
    assert refusal_of(lambda: decide(state, command)) == ("missing_standard", "answers.rw-training")


@pytest.mark.parametrize(
    ("state", "previous", "code", "field"),
    [
        (Return(), Return(), "nothing_to_carry_forward", "from_cycle_id"),
        (Return(), Return(draft={"lg-senior-lead": Answer(rating=3)}), "nothing_to_carry_forward", "from_cycle_id"),
        (submitted(), submitted(), "already_submitted", "cycle_id"),
    ],
)
def test_carry_forward_refusals(state: Return, previous: Return, code: str, field: str) -> None:
    assert refusal_of(lambda: decide_carry_forward(state, OPEN, previous, carry_command(), PROFILE)) == (code, field)


# -- submitting -----------------------------------------------------------------------------------


def test_a_good_return_is_only_received_with_its_answers_rolled_up() -> None:
    command = submit_command(default=3)
    [received] = decide(Return(), command, also=["test-shire"])
    assert received == SubmissionReceived(
        submission_id="sub-1",
        agency_id=AGENCY,
        cycle_id=CYCLE,
        domain_ratings=dict.fromkeys(DOMAINS, 3),
        submitted_by="Safeguarding lead (invented)",
        answers={s: Answer(rating=3, narrative=a["narrative"], evidence=a["evidence"]) for s, a in FULL.items()},
        due_on=DUE,
        late=False,
        also_submitted_to=["test-shire"],
    )
    state = evolve(Return(draft={"lg-senior-lead": Answer(rating=1)}), received)
    assert state.submitted and state.draft is None
    assert state.self_ratings == effective_ratings(state) == dict.fromkeys(DOMAINS, 3)


def test_the_weakest_standard_decides_its_domain_and_a_domain_at_the_threshold_is_flagged() -> None:
    weak = answers(PROFILE, default=4)
    weak["cc-professional-challenge"]["rating"] = 2
    received, flagged = decide(Return(), submit_command(answers=weak))
    assert isinstance(received, SubmissionReceived) and received.domain_ratings[CULTURE] == 2
    assert {d: r for d, r in received.domain_ratings.items() if d != CULTURE} == dict.fromkeys(set(DOMAINS) - {CULTURE}, 4)
    assert isinstance(flagged, RiskFlagged)
    assert (flagged.agency_id, flagged.cycle_id, flagged.domain_id, flagged.rating) == (AGENCY, CYCLE, CULTURE, 2)
    assert flagged.reason == "self-assessed Requires improvement (2), at or below the risk threshold 2"


def test_the_highest_risk_proposes_a_call_in() -> None:
    events = decide(Return(), submit_command({LEADERSHIP: 1, CULTURE: 2}))
    assert [(type(e).__name__, getattr(e, "domain_id", None)) for e in events] == [
        ("SubmissionReceived", None),
        ("RiskFlagged", CULTURE),
        ("RiskFlagged", LEADERSHIP),
        ("CallInProposed", LEADERSHIP),
    ]
    call_in = events[-1]
    assert isinstance(call_in, CallInProposed) and "Inadequate (1)" in call_in.reason and "highest risk 1" in call_in.reason
    state = fold(Return(), events)
    assert (state.flagged, state.call_ins) == ({CULTURE, LEADERSHIP}, {LEADERSHIP})


@pytest.mark.parametrize(("today", "late"), [(OPENED, False), (DUE, False), (date(2026, 9, 23), True)])
def test_a_return_after_its_due_date_is_late(today: date, late: bool) -> None:
    [received] = decide(Return(), submit_command(), today=today)
    assert isinstance(received, SubmissionReceived) and (received.late, received.due_on) == (late, DUE)


def test_submitting_without_answers_submits_the_draft() -> None:
    draft = fold(Return(), decide_draft(Return(), OPEN, draft_command(answers(PROFILE, {CULTURE: 2})), PROFILE))
    events = decide(draft, submit_command().model_copy(update={"answers": None}))
    assert types(events) == [SubmissionReceived, RiskFlagged]
    received = events[0]
    assert isinstance(received, SubmissionReceived) and received.answers == draft.draft


def test_answers_sent_with_the_submission_win_over_the_draft() -> None:
    draft = fold(Return(), decide_draft(Return(), OPEN, draft_command(answers(PROFILE, default=1)), PROFILE))
    [received] = decide(draft, submit_command(default=3))
    assert isinstance(received, SubmissionReceived) and set(received.domain_ratings.values()) == {3}


def test_a_return_for_another_partnership_lands_in_that_partnerships_cycle() -> None:
    [received] = decide(Return(), submit_command(), cycle_id="their-2026", also=["north-lincolnshire"])
    assert isinstance(received, SubmissionReceived)
    assert (received.cycle_id, received.also_submitted_to) == ("their-2026", ["north-lincolnshire"])


@pytest.mark.parametrize(
    ("state", "cycle", "command", "code", "field"),
    [
        (Return(), OPEN, submit_command(agency_id="acme-widgets"), "unknown_agency", "agency_id"),
        (Return(), Cycle(), submit_command(), "unknown_cycle", "cycle_id"),
        (Return(), CLOSED, submit_command(), "cycle_closed", "cycle_id"),
        (Return(), opened(agency_ids=[OTHER_AGENCY]), submit_command(), "not_in_cycle", "agency_id"),
        (submitted(), OPEN, submit_command(), "already_submitted", "cycle_id"),
        (Return(), OPEN, submit_command(answers=None), "no_answers", "answers"),
        (Return(), OPEN, submit_command(answers={}), "missing_standard", "answers.lg-senior-lead"),
        (Return(), OPEN, submit_command(answers=FIRST_HALF), "missing_standard", f"answers.{STANDARDS[7]}"),
        (Return(), OPEN, submit_command(answers=FULL | {"astrology": {"rating": 3}}), "unknown_standard", "answers.astrology"),
        (
            Return(), OPEN, submit_command(answers=FULL | {"rw-training": {"rating": 9}}),
            "rating_off_scale", "answers.rw-training.rating",
        ),
        (Return(draft={}), OPEN, submit_command(answers=None), "missing_standard", "answers.lg-senior-lead"),
    ],
)
def test_submission_refusals(state: Return, cycle: Cycle, command: SubmitReturn, code: str, field: str) -> None:
    assert refusal_of(lambda: decide(state, command, cycle=cycle)) == (code, field)


def test_the_missing_standards_are_counted_in_the_message() -> None:
    with pytest.raises(Refusal) as raised:
        decide(Return(), submit_command(answers=FIRST_HALF))
    assert "(and 6 more)" in raised.value.message
    assert str(raised.value).startswith(f"missing_standard (answers.{STANDARDS[7]}): ")


