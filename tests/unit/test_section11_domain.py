"""Section 11 cycles and returns: pure decide/evolve against the North Lincolnshire profile
(and a copy of it that runs peer challenge workshops)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.section11.domain import cycles
from services.section11.domain.commands import (
    AmendReturn,
    CarryForwardReturn,
    CloseAuditCycle,
    MarkSubmissionOverdue,
    ModerateScore,
    OpenAuditCycle,
    RecordPractitionerSurvey,
    SaveDraft,
    SendSubmissionReminder,
    SubmitReturn,
)
from services.section11.domain.cycles import Cycle
from services.section11.domain.returns import Return, effective_ratings, evolve, fold, stream_id
from services.section11.domain.rollup import domain_ratings
from services.section11.domain.submissions import (
    decide_amend,
    decide_carry_forward,
    decide_draft,
    decide_moderation,
    decide_overdue,
    decide_reminder,
    decide_submit,
    decide_survey,
)
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    Answer,
    AuditCycleClosed,
    AuditCycleOpened,
    CallInProposed,
    ConfidenceGapFlagged,
    DraftSaved,
    PeerChallengeWorkshopScheduled,
    PractitionerSurveyRecorded,
    RiskCleared,
    RiskFlagged,
    ScoreModerated,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
    SubmissionReminderSent,
)
from shared.decisions import fold as fold_with
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal
from tests.support.returns import answers

PROFILE = load_builtin("north-lincolnshire")
RULES = PROFILE.section11
DOMAINS = [d.id for d in RULES.domains]
STANDARDS = [s.id for s in RULES.standards]
SCALE = RULES.rating_scale.values
THRESHOLD = RULES.risk_threshold
AGENCY = "nlc-housing"
OTHER_AGENCY = "humberside-police"
CYCLE = "2026-27"
OPENED = date(2026, 9, 1)
DUE = date(2026, 9, 22)
CULTURE = "culture-and-challenge"
LEADERSHIP = "leadership-and-governance"


def with_section11(**changes: Any) -> FrameworkProfile:
    document = PROFILE.model_dump()
    document["section11"] |= changes
    return FrameworkProfile.model_validate(document)


PEER = with_section11(peer_challenge={"within_months": 12})


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


# -- builders -----------------------------------------------------------------------------


def open_command(**overrides: Any) -> OpenAuditCycle:
    return OpenAuditCycle.model_validate({"request_id": uuid4(), "cycle_id": CYCLE, "opened_on": OPENED} | overrides)


def opened(profile: FrameworkProfile = PROFILE, **overrides: Any) -> Cycle:
    return fold_with(Cycle(), cycles.evolve, cycles.decide_open(Cycle(), open_command(**overrides), profile))


OPEN = opened()
CLOSED = cycles.evolve(OPEN, AuditCycleClosed(cycle_id=CYCLE, closed_on=date(2026, 10, 1)))


def submit_command(by_domain: dict[str, int] | None = None, default: int = 3, **overrides: Any) -> SubmitReturn:
    document = {
        "request_id": uuid4(),
        "agency_id": AGENCY,
        "cycle_id": CYCLE,
        "answers": answers(PROFILE, by_domain, default),
        "submitted_by": "Safeguarding lead (invented)",
    }
    return SubmitReturn.model_validate(document | overrides)


def decide(
    state: Return,
    command: SubmitReturn,
    *,
    cycle: Cycle = OPEN,
    profile: FrameworkProfile = PROFILE,
    today: date = OPENED,
    cycle_id: str = CYCLE,
    also: list[str] | None = None,
) -> list[DomainEvent]:
    return decide_submit(
        state, cycle, command, profile,
        cycle_id=cycle_id, submission_id="sub-1", today=today, also_submitted_to=also or [],
    )


def submitted(by_domain: dict[str, int] | None = None, default: int = 3, state: Return | None = None) -> Return:
    state = state or Return()
    return fold(state, decide(state, submit_command(by_domain, default)))


def amend_command(changes: dict[str, int], reason: str = "Policy re-issued and audited") -> AmendReturn:
    full = answers(PROFILE)
    return AmendReturn.model_validate(
        {
            "request_id": uuid4(),
            "agency_id": AGENCY,
            "cycle_id": CYCLE,
            "answers": {s: full[s] | {"rating": r} for s, r in changes.items()},
            "reason": reason,
            "amended_by": "Safeguarding lead (invented)",
        }
    )


def moderate_command(domain: str, rating: int) -> ModerateScore:
    return ModerateScore(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, domain_id=domain, moderated_rating=rating,
        rationale="Board minutes show no safeguarding report", moderated_by="Scrutiny panel",
    )


def survey_command(percent: float, domain: str | None = None, survey: str = "survey-1") -> RecordPractitionerSurvey:
    return RecordPractitionerSurvey(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, survey_id=survey,
        statement="I know how to escalate a concern", domain_id=domain, agree_percent=percent, respondents=40,
    )


def draft_command(part: dict[str, Any], agency: str = AGENCY) -> SaveDraft:
    return SaveDraft.model_validate(
        {"request_id": uuid4(), "agency_id": agency, "cycle_id": CYCLE, "answers": part, "saved_by": "Lead"}
    )


def types(events: list[DomainEvent]) -> list[type]:
    return [type(e) for e in events]


def refusal_of(call: Any) -> tuple[str, str | None]:
    with pytest.raises(Refusal) as raised:
        call()
    assert raised.value.message
    return raised.value.code, raised.value.field


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


# -- amending ------------------------------------------------------------------------------------------


def test_an_amendment_records_only_what_changed_and_clears_a_flag() -> None:
    state = submitted({CULTURE: 2})
    assert state.flagged == {CULTURE}
    events = decide_amend(state, OPEN, amend_command(dict.fromkeys(STANDARDS, 3)), PROFILE)
    amended, cleared = events
    assert isinstance(amended, SubmissionAmended)
    assert set(amended.answers) == {"cc-voice-of-the-child", "cc-professional-challenge"}
    assert amended.domain_ratings == dict.fromkeys(DOMAINS, 3)
    assert (amended.reason, amended.amended_by) == ("Policy re-issued and audited", "Safeguarding lead (invented)")
    assert cleared == RiskCleared(agency_id=AGENCY, cycle_id=CYCLE, domain_id=CULTURE, rating=3)
    after = fold(state, events)
    assert (after.flagged, after.amendments, after.self_ratings[CULTURE]) == (frozenset(), 1, 3)
    assert after.answers["cc-voice-of-the-child"].rating == 3 and after.answers["lg-senior-lead"] == state.answers["lg-senior-lead"]


def test_a_cleared_domain_can_be_flagged_again_and_a_call_in_is_proposed_once() -> None:
    state = submitted({CULTURE: 1})
    assert state.call_ins == {CULTURE}
    state = fold(state, decide_amend(state, OPEN, amend_command({"cc-voice-of-the-child": 4, "cc-professional-challenge": 4}), PROFILE))
    assert state.flagged == frozenset()
    events = decide_amend(state, OPEN, amend_command({"cc-voice-of-the-child": 1}), PROFILE)
    assert types(events) == [SubmissionAmended, RiskFlagged]  # the call-in was proposed already


@pytest.mark.parametrize(
    ("state", "cycle", "changes", "code", "field"),
    [
        (Return(), OPEN, {"lg-senior-lead": 2}, "not_submitted", "cycle_id"),
        (submitted(), OPEN, {"lg-senior-lead": 3}, "nothing_changed", "answers"),
        (submitted(), OPEN, {"lg-senior-lead": 7}, "rating_off_scale", "answers.lg-senior-lead.rating"),
        (submitted(), CLOSED, {"lg-senior-lead": 2}, "cycle_closed", "cycle_id"),
    ],
)
def test_amendment_refusals(state: Return, cycle: Cycle, changes: dict[str, int], code: str, field: str) -> None:
    assert refusal_of(lambda: decide_amend(state, cycle, amend_command(changes), PROFILE)) == (code, field)


def test_an_amendment_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        amend_command({"lg-senior-lead": 2}, reason="")


# -- moderation ------------------------------------------------------------------------------------------


def test_a_moderated_score_stands_beside_the_self_score_and_flags_on_its_own() -> None:
    state = submitted()
    moderated, flagged = decide_moderation(state, moderate_command(LEADERSHIP, 2), PROFILE)
    assert isinstance(moderated, ScoreModerated)
    assert (moderated.self_rating, moderated.moderated_rating, moderated.moderated_by) == (3, 2, "Scrutiny panel")
    assert isinstance(flagged, RiskFlagged) and flagged.reason.startswith("moderated Requires improvement (2)")
    state = fold(state, [moderated, flagged])
    assert (state.self_ratings[LEADERSHIP], state.moderated[LEADERSHIP], effective_ratings(state)[LEADERSHIP]) == (3, 2, 2)
    # Moderated back up, the flag clears; moderated to the worst, a call-in is proposed.
    assert types(decide_moderation(state, moderate_command(LEADERSHIP, 3), PROFILE)) == [ScoreModerated, RiskCleared]
    assert types(decide_moderation(state, moderate_command(LEADERSHIP, 1), PROFILE)) == [ScoreModerated, CallInProposed]


def test_moderating_a_self_assessed_risk_upwards_clears_it() -> None:
    state = submitted({CULTURE: 2})
    assert types(decide_moderation(state, moderate_command(CULTURE, 3), PROFILE)) == [ScoreModerated, RiskCleared]


@pytest.mark.parametrize(
    ("state", "command", "code", "field"),
    [
        (Return(), moderate_command(LEADERSHIP, 2), "not_submitted", "cycle_id"),
        (submitted(), moderate_command("astrology", 2), "unknown_domain", "domain_id"),
        (submitted(), moderate_command(LEADERSHIP, 0), "rating_off_scale", "moderated_rating"),
        (submitted(), moderate_command(LEADERSHIP, 2).model_copy(update={"agency_id": "acme"}), "unknown_agency", "agency_id"),
    ],
)
def test_moderation_refusals(state: Return, command: ModerateScore, code: str, field: str) -> None:
    assert refusal_of(lambda: decide_moderation(state, command, PROFILE)) == (code, field)


# -- practitioner surveys and confidence gaps -----------------------------------------------------------


def test_a_low_survey_beside_a_green_self_score_is_a_confidence_gap() -> None:
    state = submitted({CULTURE: 4})
    recorded, gap = decide_survey(state, survey_command(41, CULTURE), PROFILE)
    assert isinstance(recorded, PractitionerSurveyRecorded) and recorded.respondents == 40
    assert isinstance(gap, ConfidenceGapFlagged)
    assert (gap.domain_id, gap.self_rating, gap.agree_percent, gap.threshold_percent) == (CULTURE, 4, 41, 60)
    assert "only 41% of practitioners agreed" in gap.reason
    state = fold(state, [recorded, gap])
    assert state.gaps == {"survey-1"}
    # Raised once: a later change to the return does not raise it again.
    assert types(decide_amend(state, OPEN, amend_command({"lg-senior-lead": 4}), PROFILE)) == [SubmissionAmended]


@pytest.mark.parametrize(
    ("by_domain", "percent", "domain", "gap"),
    [
        ({}, 59.9, None, True),  # every domain green: the agency-wide survey challenges it
        ({CULTURE: 2}, 10, None, False),  # the weakest domain is amber already
        ({CULTURE: 2}, 10, LEADERSHIP, True),
        ({CULTURE: 2}, 10, CULTURE, False),
        ({}, 60, None, False),  # at the threshold is not low
        ({}, 100, CULTURE, False),
    ],
)
def test_which_surveys_challenge_a_self_score(
    by_domain: dict[str, int], percent: float, domain: str | None, gap: bool
) -> None:
    events = decide_survey(submitted(by_domain), survey_command(percent, domain), PROFILE)
    assert types(events) == [PractitionerSurveyRecorded] + ([ConfidenceGapFlagged] if gap else [])


def test_a_survey_before_the_return_challenges_it_when_it_arrives() -> None:
    state = fold(Return(), decide_survey(Return(), survey_command(30), PROFILE))
    assert state.gaps == frozenset() and "survey-1" in state.surveys
    assert types(decide(state, submit_command())) == [SubmissionReceived, ConfidenceGapFlagged]


@pytest.mark.parametrize(
    ("command", "code", "field"),
    [
        (survey_command(30), "survey_exists", "survey_id"),
        (survey_command(30, survey="survey-2", domain="astrology"), "unknown_domain", "domain_id"),
        (survey_command(30, survey="survey-2").model_copy(update={"agency_id": "acme"}), "unknown_agency", "agency_id"),
    ],
)
def test_survey_refusals(command: RecordPractitionerSurvey, code: str, field: str) -> None:
    state = fold(submitted(), decide_survey(submitted(), survey_command(70), PROFILE))
    assert refusal_of(lambda: decide_survey(state, command, PROFILE)) == (code, field)


# -- reminders and overdue returns (the deadline watcher's commands) -----------------------------------------


def reminder(days: int) -> SendSubmissionReminder:
    return SendSubmissionReminder(
        agency_id=AGENCY, cycle_id=CYCLE, days_before=days, deadline=cycles.reminder_at(DUE, days)
    )


OVERDUE = MarkSubmissionOverdue(agency_id=AGENCY, cycle_id=CYCLE, deadline=cycles.overdue_from(DUE))


def test_each_reminder_is_sent_once_until_the_return_arrives() -> None:
    [sent] = decide_reminder(Return(), OPEN, reminder(7))
    assert sent == SubmissionReminderSent(agency_id=AGENCY, cycle_id=CYCLE, due_on=DUE, days_before=7)
    state = evolve(Return(), sent)
    assert decide_reminder(state, OPEN, reminder(7)) == []
    assert types(decide_reminder(state, OPEN, reminder(2))) == [SubmissionReminderSent]
    assert decide_reminder(submitted(), OPEN, reminder(2)) == []
    assert decide_reminder(Return(), CLOSED, reminder(2)) == []
    assert decide_reminder(Return(), Cycle(), reminder(2)) == []


def test_a_return_is_marked_overdue_once_and_never_once_submitted() -> None:
    [overdue] = decide_overdue(Return(), OPEN, OVERDUE)
    assert overdue == SubmissionOverdue(agency_id=AGENCY, cycle_id=CYCLE, due_on=DUE)
    state = evolve(Return(), overdue)
    assert state.overdue and decide_overdue(state, OPEN, OVERDUE) == []
    assert decide_overdue(submitted(), OPEN, OVERDUE) == []
    # Overdue and then submitted: the return is received and marked late.
    [received] = decide(state, submit_command(), today=date(2026, 9, 30))
    assert isinstance(received, SubmissionReceived) and received.late


# -- a property: flags always follow the effective ratings --------------------------------------------------

ratings = st.sampled_from(SCALE)
amendments = st.tuples(st.just("amend"), st.dictionaries(st.sampled_from(STANDARDS), ratings, min_size=1, max_size=5))
moderations = st.tuples(st.just("moderate"), st.sampled_from(DOMAINS), ratings)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.dictionaries(st.sampled_from(STANDARDS), ratings), steps=st.lists(amendments | moderations, max_size=8))
def test_flags_and_call_ins_follow_the_effective_ratings_after_every_change(
    first: dict[str, int], steps: list[tuple[Any, ...]]
) -> None:
    command = submit_command(answers={s: a | {"rating": first.get(s, 3)} for s, a in FULL.items()})
    state = Return()
    changes: list[Any] = [("submit", command)] + steps
    for step in changes:
        try:
            if step[0] == "submit":
                events = decide(state, step[1])
            elif step[0] == "amend":
                events = decide_amend(state, OPEN, amend_command(step[1]), PROFILE)
            else:
                events = decide_moderation(state, moderate_command(step[1], step[2]), PROFILE)
        except Refusal as refusal:
            assert refusal.code == "nothing_changed"
            continue
        for event in events:
            if isinstance(event, RiskFlagged):
                assert event.domain_id not in state.flagged  # never flagged twice
            if isinstance(event, RiskCleared):
                assert event.domain_id in state.flagged
            if isinstance(event, CallInProposed):
                assert event.domain_id not in state.call_ins
        state = fold(state, events)
        effective = effective_ratings(state)
        assert state.self_ratings == domain_ratings(RULES, {s: a.rating for s, a in state.answers.items()})
        assert state.flagged == {d for d, r in effective.items() if r <= THRESHOLD}
        assert {d for d, r in effective.items() if r <= RULES.highest_risk} <= state.call_ins
