"""Multi-agency case file audits: a sample from the last 12 months, Ofsted-scale gradings,
immediate safeguarding concerns escalated at once, the round's period from the cadence;
and the impact log linked to what made the difference."""

from __future__ import annotations

from datetime import date

import pytest

from services.reviews.domain.commands import (
    ConcludeAuditRound,
    GradeAuditCase,
    OpenAuditRound,
    RaiseAction,
    RecordImpact,
)
from shared.catalogue.reviews import (
    AuditRoundConcluded,
    AuditRoundOpened,
    SafeguardingConcernEscalated,
)
from shared.refusals import Refusal
from tests.unit.test_reviews_support import Harness, london, types, utc, variant

CASES = [{"case_ref": "case-7f3a", "open_on": "2026-03-02"}, {"case_ref": "case-91bc", "open_on": "2026-10-15"}]
ROUND = {
    "audit_id": "maag-2026-11", "theme": "Neglect: step-down from child protection", "period_start": "2026-11-01",
    "cases": CASES, "agencies": ["humberside-police", "nlc-childrens-social-care", "northern-lincolnshire-and-goole-hospitals"],
}


async def test_a_monthly_round_from_the_maag_cadence_is_due_at_the_month_end() -> None:
    h = Harness(utc(2026, 11, 2))
    [opened] = await h.send(OpenAuditRound, **ROUND)
    event = opened.event
    assert isinstance(event, AuditRoundOpened)
    assert (event.cadence_months, event.period_end, event.due_on, event.sample_from) == (
        1,
        date(2026, 11, 30),
        date(2026, 11, 30),
        date(2025, 11, 2),
    )
    assert event.case_refs == ["case-7f3a", "case-91bc"]
    assert await h.pending() == {"audit-round-overdue": london(2026, 12, 1)}


async def test_somersets_quarterly_cadence_gives_a_quarter() -> None:
    h = Harness(utc(2026, 11, 2), variant(reviews={"audit_cadence_months": 3}))
    [opened] = await h.send(OpenAuditRound, **(ROUND | {"period_start": "2026-10-01"}))
    assert opened.event.period_end == date(2026, 12, 31)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"cases": [{"case_ref": "case-7f3a", "open_on": "2025-10-31"}]}, "date_too_early", "cases[0].open_on"),
        ({"cases": [CASES[0], {"case_ref": "case-7f3a", "open_on": "2026-05-01"}]}, "duplicate_case", "cases[1].case_ref"),
        ({"cases": [{"case_ref": "Baby P", "open_on": "2026-05-01"}]}, "invalid_field", "cases[0].case_ref"),
        ({"agencies": ["humberside-police", "the-moon"]}, "unknown_agency", "agencies[1]"),
        ({"cases": []}, "invalid_field", "cases"),
    ],
)
async def test_a_bad_sample_is_refused_naming_the_field(change: dict, code: str, field: str) -> None:
    h = Harness(utc(2026, 11, 2))
    with pytest.raises(Refusal) as refused:
        await h.send(OpenAuditRound, **(ROUND | change))
    assert (refused.value.code, refused.value.field) == (code, field)


async def test_gradings_and_an_immediate_concern_escalated_at_once() -> None:
    h = Harness(utc(2026, 11, 2))
    await h.send(OpenAuditRound, **ROUND)
    grade = {"audit_id": "maag-2026-11", "case_ref": "case-7f3a"}
    assert types(await h.send(GradeAuditCase, **grade, agency_id="humberside-police", grade="good")) == ["AuditCaseGraded"]
    graded, escalated = await h.send(
        GradeAuditCase, **grade, agency_id="nlc-childrens-social-care", grade="inadequate",
        areas_for_improvement=["No strategy discussion after the second referral"],
        immediate_concern="Sibling still living with the adult named in the referral; no safety plan",
    )
    assert graded.event_type == "AuditCaseGraded"
    assert isinstance(escalated.event, SafeguardingConcernEscalated)
    assert (escalated.event.case_ref, escalated.event.escalated_to) == ("case-7f3a", "north-lincolnshire-council")
    assert escalated.occurred_at == graded.occurred_at == h.clock.now()

    refusals = [
        ({"agency_id": "humberside-police", "grade": "good"}, "already_graded", "case_ref"),
        ({"agency_id": "northern-lincolnshire-and-goole-hospitals", "grade": "excellent"}, "unknown_grade", "grade"),
        ({"agency_id": "humberside-police", "grade": "Excellent!"}, "invalid_field", "grade"),
        ({"agency_id": "nlc-housing", "grade": "good"}, "agency_not_auditing", "agency_id"),
        ({"agency_id": "humberside-police", "grade": "good", "case_ref": "case-0000"}, "case_not_sampled", "case_ref"),
    ]
    for body, code, field in refusals:
        with pytest.raises(Refusal) as refused:
            await h.send(GradeAuditCase, **(grade | body))
        assert (refused.value.code, refused.value.field) == (code, field)

    [concluded] = await h.send(
        ConcludeAuditRound, audit_id="maag-2026-11", concluded_on="2026-11-02", findings=["Strategy discussions late"]
    )
    assert isinstance(concluded.event, AuditRoundConcluded)
    assert concluded.event.grades == {"good": 1, "inadequate": 1}
    assert await h.pending() == {}


async def test_cases_are_graded_on_the_profile_s_own_grades() -> None:
    from shared.profiles.scales import AuditGrade

    three = [AuditGrade(id="good", name="Good"), AuditGrade(id="adequate", name="Adequate"), AuditGrade(id="poor", name="Poor")]
    h = Harness(utc(2026, 11, 2), variant(reviews={"audit_grades": three}))
    await h.send(OpenAuditRound, **ROUND)
    grade = {"audit_id": "maag-2026-11", "case_ref": "case-7f3a"}
    [graded] = await h.send(GradeAuditCase, **grade, agency_id="humberside-police", grade="adequate")
    assert graded.event.grade == "adequate"  # type: ignore[attr-defined]
    with pytest.raises(Refusal) as refused:
        await h.send(GradeAuditCase, **grade, agency_id="nlc-childrens-social-care", grade="outstanding")
    assert (refused.value.code, refused.value.field) == ("unknown_grade", "grade") and "good, adequate, poor" in refused.value.message


async def test_a_round_not_concluded_by_its_end_is_overdue() -> None:
    h = Harness(utc(2026, 11, 2))
    await h.send(OpenAuditRound, **ROUND)
    with pytest.raises(Refusal) as refused:
        await h.send(ConcludeAuditRound, audit_id="maag-2026-11", concluded_on="2026-11-02")
    assert refused.value.code == "no_gradings"
    [overdue] = await h.at(utc(2026, 12, 3))
    assert overdue.event_type == "AuditRoundOverdue" and overdue.occurred_at == london(2026, 12, 1)


async def test_the_impact_log_links_to_records_that_exist() -> None:
    h = Harness(utc(2026, 11, 2))
    await h.send(OpenAuditRound, **ROUND)
    await h.send(
        RaiseAction,
        action_id="act-1",
        title="Strategy discussions within a day",
        owner_agency_id="nlc-childrens-social-care",
        due_on="2026-12-31",
        source_type="audit",
        source_id="maag-2026-11",
        raised_by="bu",
    )
    impact = {
        "impact_id": "imp-1",
        "recorded_on": "2026-11-02",
        "difference": "Strategy discussions now held within a day",
        "evidence": "Re-audit",
        "recorded_by": "bu",
    }
    with pytest.raises(Refusal) as refused:
        await h.send(RecordImpact, **impact)
    assert (refused.value.code, refused.value.field) == ("no_links", "action_ids")
    with pytest.raises(Refusal) as refused:
        await h.send(RecordImpact, **impact, action_ids=["act-1", "act-404"])
    assert (refused.value.code, refused.value.field) == ("unknown_link", "action_ids[1]")
    [recorded] = await h.send(RecordImpact, **impact, action_ids=["act-1"], audit_ids=["maag-2026-11"])
    assert recorded.event_type == "ImpactRecorded" and recorded.stream_id == "impact:north-lincolnshire:imp-1"
