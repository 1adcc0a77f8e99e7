"""Section 11 after submission (pure): amendments, moderation, surveys and confidence gaps,
reminders and overdue returns, and the property that flags follow the effective ratings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.section11.domain import cycles
from services.section11.domain.commands import (
    MarkSubmissionOverdue,
    ModerateScore,
    RecordPractitionerSurvey,
    SendSubmissionReminder,
)
from services.section11.domain.cycles import Cycle
from services.section11.domain.returns import Return, effective_ratings, evolve, fold
from services.section11.domain.rollup import domain_ratings
from services.section11.domain.submissions import (
    decide_amend,
    decide_moderation,
    decide_overdue,
    decide_reminder,
    decide_survey,
)
from shared.catalogue.section11 import (
    CallInProposed,
    ConfidenceGapFlagged,
    PractitionerSurveyRecorded,
    RiskCleared,
    RiskFlagged,
    ScoreModerated,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
    SubmissionReminderSent,
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
    OTHER_AGENCY,
    PROFILE,
    RULES,
    SCALE,
    STANDARDS,
    THRESHOLD,
    amend_command,
    decide,
    moderate_command,
    opened,
    refusal_of,
    submit_command,
    submitted,
    survey_command,
    types,
)

FULL = answers(PROFILE)

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
    recorded, gap = decide_survey(state, OPEN, survey_command(41, CULTURE), PROFILE)
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
    events = decide_survey(submitted(by_domain), OPEN, survey_command(percent, domain), PROFILE)
    assert types(events) == [PractitionerSurveyRecorded] + ([ConfidenceGapFlagged] if gap else [])


def test_a_survey_before_the_return_challenges_it_when_it_arrives() -> None:
    state = fold(Return(), decide_survey(Return(), OPEN, survey_command(30), PROFILE))
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
    state = fold(submitted(), decide_survey(submitted(), OPEN, survey_command(70), PROFILE))
    assert refusal_of(lambda: decide_survey(state, OPEN, command, PROFILE)) == (code, field)


def test_a_survey_needs_a_cycle_the_partnership_opened_that_asked_the_agency() -> None:
    assert refusal_of(lambda: decide_survey(Return(), Cycle(), survey_command(30), PROFILE)) == ("unknown_cycle", "cycle_id")
    not_asked = opened(agency_ids=[OTHER_AGENCY])
    assert refusal_of(lambda: decide_survey(Return(), not_asked, survey_command(30), PROFILE)) == ("not_in_cycle", "agency_id")
    assert decide_survey(submitted(), CLOSED, survey_command(70), PROFILE)  # after closing, while panels moderate


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
