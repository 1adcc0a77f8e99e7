"""Serious incident notifications and rapid reviews: working-day clocks over bank holidays,
extensions and overrides with reasons, information requests chased, decisions signed off."""

from __future__ import annotations

from datetime import date

import pytest

from services.reviews.domain.commands import (
    ChangeRapidReviewDueDate,
    DecideRapidReview,
    ProvideAgencyInformation,
    RecordIncidentNotification,
    RecordSeriousIncident,
    RequestAgencyInformation,
    SignOffRapidReviewDecision,
)
from shared.catalogue.reviews import (
    RapidReviewOpened,
    SeriousIncidentNotificationOverdue,
    SeriousIncidentRecorded,
)
from shared.refusals import Refusal
from tests.unit.test_reviews_support import Harness, london, types, utc, variant

INCIDENT = {"incident_id": "si-1", "case_ref": "case-7f3a", "recorded_by": "Business unit (invented)"}


async def record(h: Harness, **body: object) -> list:
    return await h.send(RecordSeriousIncident, **(INCIDENT | {"child_looked_after": False} | body))


async def test_notification_over_christmas_the_rapid_review_skips_the_bank_holidays() -> None:
    h = Harness(utc(2026, 12, 18))
    done = await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    assert types(done) == ["SeriousIncidentRecorded", "SeriousIncidentNotified", "RapidReviewOpened"]
    recorded, _, opened = (e.event for e in done)
    assert isinstance(recorded, SeriousIncidentRecorded) and isinstance(opened, RapidReviewOpened)
    # 5 working days from Thursday 17 December: 18, 21, 22, 23, 24 December.
    assert recorded.notify_by == date(2026, 12, 24)
    # 15 working days from Friday 18 December, skipping Christmas Day (Fri 25), Boxing Day
    # observed (Mon 28) and New Year's Day (Fri 1 January): Wednesday 13 January 2027.
    assert (opened.starts_on, opened.days, opened.unit, opened.due_on) == (date(2026, 12, 18), 15, "working_days", date(2027, 1, 13))
    assert await h.pending() == {"rapid-review-overdue": london(2027, 1, 14)}

    assert await h.at(london(2027, 1, 13, 23)) == []
    [overdue] = await h.at(london(2027, 1, 14, 8))
    assert overdue.event_type == "RapidReviewOverdue" and overdue.occurred_at == london(2027, 1, 14)


async def test_calendar_days_and_awareness_start_come_from_the_profile() -> None:
    profile = variant(reviews={"rapid_review_unit": "calendar_days", "rapid_review_starts_from": "awareness"})
    h = Harness(utc(2026, 12, 18), profile)
    done = await record(h, aware_on="2026-12-17")
    assert types(done) == ["SeriousIncidentRecorded", "RapidReviewOpened"]
    opened = done[1].event
    assert isinstance(opened, RapidReviewOpened)
    assert (opened.starts_on, opened.unit, opened.due_on) == (date(2026, 12, 17), "calendar_days", date(2027, 1, 1))
    # the notification no longer opens a second rapid review
    assert types(
        await h.send(RecordIncidentNotification, incident_id="si-1", recipient="national-panel", notified_on="2026-12-18", recorded_by="bu")
    ) == ["SeriousIncidentNotified"]


async def test_a_looked_after_child_means_ofsted_and_the_secretary_of_state_are_told_too() -> None:
    h = Harness(utc(2026, 11, 2))
    [recorded] = await record(h, aware_on="2026-11-02", child_looked_after=True)
    assert isinstance(recorded.event, SeriousIncidentRecorded)
    assert recorded.event.notify == ["national-panel", "ofsted", "secretary-of-state"]
    assert recorded.event.notify_by == date(2026, 11, 9)
    h.clock.set(utc(2026, 11, 3))
    await h.send(RecordIncidentNotification, incident_id="si-1", recipient="national-panel", notified_on="2026-11-03", recorded_by="bu")
    [overdue] = await h.at(utc(2026, 11, 12))
    assert isinstance(overdue.event, SeriousIncidentNotificationOverdue)
    assert overdue.event.outstanding == ["ofsted", "secretary-of-state"]
    assert overdue.occurred_at == london(2026, 11, 10)


async def test_telling_everyone_in_time_settles_the_notification_clock() -> None:
    h = Harness(utc(2026, 11, 2))
    await record(h, aware_on="2026-11-02", child_looked_after=True, panel_notified_on="2026-11-02")
    for recipient in ("ofsted", "secretary-of-state"):
        await h.send(RecordIncidentNotification, incident_id="si-1", recipient=recipient, notified_on="2026-11-02", recorded_by="bu")
    assert "si-notification-overdue" not in await h.pending()
    assert types(await h.at(utc(2026, 11, 12))) == []


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"aware_on": "2026-11-03"}, "date_in_future", "aware_on"),
        ({"aware_on": "2026-11-02", "panel_notified_on": "2026-10-30"}, "date_too_early", "panel_notified_on"),
        ({"aware_on": "2026-11-02", "case_ref": "Jane Doe"}, "invalid_field", "case_ref"),
        ({"aware_on": "2026-11-02", "case_ref": "case-1"}, "invalid_field", "case_ref"),
        ({"aware_on": "2nd November"}, "invalid_field", "aware_on"),
    ],
)
async def test_bad_incidents_are_refused_naming_the_field(body: dict, code: str, field: str) -> None:
    h = Harness(utc(2026, 11, 2))
    with pytest.raises(Refusal) as refused:
        await record(h, **body)
    assert (refused.value.code, refused.value.field) == (code, field)


async def test_notifications_that_are_not_owed_or_repeated_are_refused() -> None:
    h = Harness(utc(2026, 11, 2))
    await record(h, aware_on="2026-11-02", panel_notified_on="2026-11-02")
    for recipient, code in (("ofsted", "not_required"), ("national-panel", "already_notified")):
        with pytest.raises(Refusal) as refused:
            await h.send(RecordIncidentNotification, incident_id="si-1", recipient=recipient, notified_on="2026-11-02", recorded_by="bu")
        assert (refused.value.code, refused.value.field) == (code, "recipient")


async def test_an_override_needs_a_reason_and_moves_the_clock() -> None:
    h = Harness(utc(2026, 12, 18))
    await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    change = {"incident_id": "si-1", "change": "override", "due_on": "2027-01-20", "agreed_by": "Safeguarding partners"}
    for reason in (None, "", "   "):
        with pytest.raises(Refusal) as refused:
            await h.send(ChangeRapidReviewDueDate, **(change | ({"reason": reason} if reason is not None else {})))
        assert refused.value.field == "reason"
    [changed] = await h.send(ChangeRapidReviewDueDate, **change, reason="Police disclosure awaited; agreed with the National Panel")
    assert changed.event_type == "RapidReviewDueDateChanged"
    assert changed.event.previous_due_on == date(2027, 1, 13)  # type: ignore[attr-defined]
    assert (await h.pending())["rapid-review-overdue"] == london(2027, 1, 21)
    assert await h.at(london(2027, 1, 15)) == []  # the old deadline no longer applies
    assert types(await h.at(london(2027, 1, 21, 1))) == ["RapidReviewOverdue"]


async def test_an_extension_must_move_the_date_later_and_not_into_the_past() -> None:
    h = Harness(utc(2027, 1, 5))
    await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    base = {"incident_id": "si-1", "reason": "more time", "agreed_by": "partners"}
    cases = [
        ({"change": "extension", "due_on": "2027-01-12"}, "not_an_extension"),
        ({"change": "extension", "due_on": "2027-01-13"}, "due_date_unchanged"),
        ({"change": "override", "due_on": "2027-01-04"}, "date_too_early"),
    ]
    for body, code in cases:
        with pytest.raises(Refusal) as refused:
            await h.send(ChangeRapidReviewDueDate, **(base | body))
        assert (refused.value.code, refused.value.field) == (code, "due_on")


async def test_information_requests_are_chased_when_overdue_and_answered_only_by_their_agency() -> None:
    h = Harness(utc(2026, 12, 18))
    await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    [asked] = await h.send(
        RequestAgencyInformation,
        incident_id="si-1",
        information_request_id="ir-police",
        agency_id="humberside-police",
        requested="Chronology of contacts",
    )
    assert asked.event.due_on == date(2026, 12, 29)  # type: ignore[attr-defined]  # 5 working days after 18 Dec, skipping 25 and 28
    await h.send(
        RequestAgencyInformation,
        incident_id="si-1",
        information_request_id="ir-health",
        agency_id="northern-lincolnshire-and-goole-hospitals",
        requested="A&E attendances",
        due_on="2027-01-04",
    )
    with pytest.raises(Refusal) as refused:
        await h.send(
            ProvideAgencyInformation,
            actor="agency:humberside-police",
            incident_id="si-1",
            information_request_id="ir-health",
            agency_id="humberside-police",
            summary="x",
            provided_on="2026-12-18",
        )
    assert (refused.value.code, refused.value.field) == ("not_requested_of_agency", "agency_id")

    [chased] = await h.at(london(2026, 12, 30, 9))
    assert chased.event_type == "AgencyInformationOverdue" and chased.event.information_request_id == "ir-police"  # type: ignore[attr-defined]
    [provided] = await h.send(
        ProvideAgencyInformation,
        incident_id="si-1",
        information_request_id="ir-police",
        agency_id="humberside-police",
        summary="Chronology attached",
        provided_on="2026-12-30",
    )
    assert provided.event.late is True  # type: ignore[attr-defined]
    await h.send(
        ProvideAgencyInformation,
        incident_id="si-1",
        information_request_id="ir-health",
        agency_id="northern-lincolnshire-and-goole-hospitals",
        summary="Two attendances",
        provided_on="2026-12-30",
    )
    assert not [k for k in await h.pending() if k.startswith("info-request")]


async def test_the_decision_stops_the_clock_and_needs_the_scrutineer_where_the_profile_says() -> None:
    h = Harness(utc(2026, 12, 18), variant(reviews={"rapid_review_decision_signed_off_by_scrutineer": True}))
    with pytest.raises(Refusal) as refused:
        await h.send(
            DecideRapidReview, incident_id="si-1", outcome="local-cspr", rationale="r", decided_on="2026-12-18", decided_by="partners"
        )
    assert refused.value.code == "unknown_incident"
    await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    h.clock.set(utc(2027, 1, 8))
    [decided] = await h.send(
        DecideRapidReview,
        incident_id="si-1",
        outcome="local-cspr",
        rationale="Multi-agency learning about escalation between health and police",
        decided_on="2027-01-08",
        decided_by="Safeguarding partners",
    )
    assert decided.event.within_timescale and decided.event.scrutineer_sign_off_required  # type: ignore[attr-defined]
    assert "rapid-review-overdue" not in await h.pending()
    with pytest.raises(Refusal) as refused:
        await h.send(ChangeRapidReviewDueDate, incident_id="si-1", change="extension", due_on="2027-02-01", reason="x", agreed_by="x")
    assert refused.value.code == "already_decided"
    [signed] = await h.send(
        SignOffRapidReviewDecision, incident_id="si-1", signed_off_by="Independent Scrutineer (invented)", signed_off_on="2027-01-08"
    )
    assert signed.event_type == "RapidReviewDecisionSignedOff"
    with pytest.raises(Refusal) as refused:
        await h.send(SignOffRapidReviewDecision, incident_id="si-1", signed_off_by="x", signed_off_on="2027-01-08")
    assert refused.value.code == "already_signed_off"


async def test_a_decision_outside_the_outcomes_is_refused() -> None:
    h = Harness(utc(2026, 12, 18))
    await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    with pytest.raises(Refusal) as refused:
        await h.send(
            DecideRapidReview, incident_id="si-1", outcome="serious-case-review", rationale="r", decided_on="2026-12-18", decided_by="p"
        )
    assert refused.value.field == "outcome"


async def test_north_lincolnshire_does_not_ask_the_scrutineer_to_sign_off() -> None:
    h = Harness(utc(2026, 12, 18))
    await record(h, aware_on="2026-12-17", panel_notified_on="2026-12-18")
    await h.send(
        DecideRapidReview,
        incident_id="si-1",
        outcome="no-further-review",
        rationale="Single-agency learning only",
        decided_on="2026-12-18",
        decided_by="partners",
    )
    with pytest.raises(Refusal) as refused:
        await h.send(SignOffRapidReviewDecision, incident_id="si-1", signed_off_by="x", signed_off_on="2026-12-18")
    assert refused.value.code == "sign_off_not_required"
