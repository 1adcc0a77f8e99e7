"""Serious incidents, rapid reviews, CSPRs and case file audits end to end: over real NATS and
PostgreSQL, the clock moved by the test and the deadline watcher ticked by it, the
reporting service showing each clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import nats
import pytest

from services.reporting.domain.views import Dashboard
from shared.clock import ManualClock
from shared.london import LONDON
from shared.messaging.deadletters import CODE_HEADER
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

INCIDENT = {"incident_id": "si-2026-07", "case_ref": "case-7f3a", "child_looked_after": False, "recorded_by": "Business unit (invented)"}


class Reviews:
    """Drives the reviews service as the business unit, an agency and the clock would."""

    def __init__(self, platform: RunningPlatform) -> None:
        self.platform = platform
        self.seen = 0

    async def send(self, command: str, body: dict[str, Any], agency: str | None = None) -> dict[str, Any]:
        return await self.platform.command("reviews", command, body, agency=agency)

    async def ok(self, command: str, body: dict[str, Any], agency: str | None = None) -> list[str]:
        reply = await self.send(command, body, agency)
        assert reply["status"] == "accepted", reply
        return [e["event_type"] for e in reply["events"]]

    async def at(self, moment: datetime) -> list[tuple[str, datetime]]:
        """Move the clock, tick the watcher; the deadline events raised since the last look, by date.

        (A commit also wakes the watcher in the background: whichever tick raises a
        deadline, it is raised once, so the store, not a tick's return, is the answer.)"""
        assert isinstance(self.platform.clock, ManualClock)
        self.platform.clock.set(moment)
        await self.platform.wired["reviews"].watcher.tick()
        rows = await self.platform.pool.fetch(
            "SELECT event_type, occurred_at, position FROM reviews.events"
            " WHERE actor = 'deadline-watcher' AND position > $1 ORDER BY occurred_at, event_type", self.seen,
        )
        self.seen = max([self.seen, *(r["position"] for r in rows)])
        return [(r["event_type"], r["occurred_at"]) for r in rows]

    async def clock_row(self, kind: str, review_id: str, **expected: object) -> Any:
        async def matches() -> Any:
            row = await self.platform.pool.fetchrow(
                "SELECT * FROM reporting.review_clocks WHERE partnership_id = $1 AND kind = $2 AND review_id = $3",
                PARTNERSHIP, kind, review_id,
            )
            return row if row and all(row[k] == v for k, v in expected.items()) else None

        return await eventually(matches, what=f"the {kind} {review_id} clock to show {expected}")

    async def dashboard(self) -> Dashboard:
        reporting = self.platform.wired["reporting"]
        profile = self.platform.hosts["reporting"].partnerships.profile(PARTNERSHIP)
        return await reporting.read_models.dashboard(profile, self.platform.clock.now())


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


async def test_a_notification_over_christmas_and_new_year_skips_the_bank_holidays(platform: RunningPlatform) -> None:
    r = Reviews(platform)
    await r.at(datetime(2026, 12, 18, 10, tzinfo=UTC))
    assert await r.ok("record-serious-incident", INCIDENT | {"aware_on": "2026-12-17", "panel_notified_on": "2026-12-18"}) == [
        "SeriousIncidentRecorded", "SeriousIncidentNotified", "RapidReviewOpened",
    ]
    # Friday 18 December + 15 working days, without Christmas Day, Boxing Day (observed, Monday 28th)
    # and New Year's Day: Wednesday 13 January 2027.
    row = await r.clock_row("rapid-review", "si-2026-07", due_on=date(2027, 1, 13))
    assert (row["starts_on"], row["unit"], row["status"]) == (date(2026, 12, 18), "working_days", "open")
    [clock] = [c for c in (await r.dashboard()).reviews.clocks if c.row.kind == "rapid-review"]  # type: ignore[union-attr]
    assert (clock.days_left, clock.counted_in) == (15, "working days")

    assert await r.at(london(2027, 1, 13, 23, 59)) == []
    assert await r.at(london(2027, 1, 14, 9)) == [("RapidReviewOverdue", london(2027, 1, 14))]
    await r.clock_row("rapid-review", "si-2026-07", status="overdue")


async def test_an_override_needs_a_reason_and_the_clock_follows_it(platform: RunningPlatform, nats_url: str) -> None:
    r = Reviews(platform)
    await r.at(datetime(2026, 12, 18, 10, tzinfo=UTC))
    await r.ok("record-serious-incident", INCIDENT | {"aware_on": "2026-12-17", "panel_notified_on": "2026-12-18"})
    change = {"incident_id": "si-2026-07", "change": "override", "due_on": "2027-01-22", "agreed_by": "Safeguarding partners"}

    refused = await r.send("change-rapid-review-due-date", change)
    assert refused["status"] == "refused" and refused["error"]["field"] == "reason"
    assert refused["error"]["code"] == "invalid_field" and "Field required" in refused["error"]["message"]
    blank = await r.send("change-rapid-review-due-date", change | {"reason": "   "})
    assert blank["error"]["field"] == "reason"

    js = (nc := await nats.connect(nats_url)).jetstream()
    parked = await eventually(lambda: _last_dead_letter(js, platform.subjects.deadletter_stream, 2), what="both refusals dead-lettered")
    assert parked.headers[CODE_HEADER] == "invalid_field"
    await nc.close()

    reason = "Police disclosure awaited; the National Panel agreed a later date"
    assert await r.ok("change-rapid-review-due-date", change | {"reason": reason}) == ["RapidReviewDueDateChanged"]
    row = await r.clock_row("rapid-review", "si-2026-07", due_on=date(2027, 1, 22))
    assert row["change_reason"] == f"override: {reason}"
    assert row["event_id"] == row["last_event_id"]  # the change is the event behind the clock now

    assert await r.at(london(2027, 1, 15, 9)) == []  # the old due date no longer applies
    assert await r.at(london(2027, 1, 23, 9)) == [("RapidReviewOverdue", london(2027, 1, 23))]


async def _last_dead_letter(js: Any, stream: str, at_least: int) -> Any:
    info = await js.stream_info(stream)
    return await js.get_msg(stream, info.state.last_seq) if info.state.messages >= at_least else None


async def test_a_cspr_slips_past_six_months_from_the_decision(platform: RunningPlatform) -> None:
    r = Reviews(platform)
    await r.at(datetime(2026, 12, 18, 10, tzinfo=UTC))
    await r.ok("record-serious-incident", INCIDENT | {"aware_on": "2026-12-17", "panel_notified_on": "2026-12-18"})
    assert await r.ok(
        "request-information",
        {
            "incident_id": "si-2026-07",
            "information_request_id": "ir-police",
            "agency_id": "humberside-police",
            "requested": "Chronology of police contacts",
        },
    ) == ["AgencyInformationRequested"]
    assert await r.at(london(2026, 12, 30, 9)) == [("AgencyInformationOverdue", london(2026, 12, 30))]
    await r.ok(
        "provide-information",
        {
            "incident_id": "si-2026-07",
            "information_request_id": "ir-police",
            "agency_id": "humberside-police",
            "summary": "Chronology sent",
            "provided_on": "2026-12-30",
        },
        agency="humberside-police",
    )

    await r.at(london(2027, 1, 11, 10))
    await r.ok(
        "decide-rapid-review",
        {
            "incident_id": "si-2026-07",
            "outcome": "local-cspr",
            "rationale": "Learning about information sharing between health and police",
            "decided_on": "2027-01-11",
            "decided_by": "Safeguarding partners",
        },
    )
    await r.clock_row("rapid-review", "si-2026-07", status="decided", outcome="local-cspr", late=False)
    await r.ok("commission-review", {
        "review_id": "cspr-2027-01", "review_type": "cspr", "incident_id": "si-2026-07", "author": "Independent reviewer (invented)",
        "terms_of_reference": "How agencies shared information before the incident", "commissioned_on": "2027-01-11",
    })
    row = await r.clock_row("cspr", "cspr-2027-01", due_on=date(2027, 7, 11))
    assert (row["starts_on"], row["unit"], row["case_ref"]) == (date(2027, 1, 11), "months", "case-7f3a")
    await r.ok("record-review-stage", {"review_id": "cspr-2027-01", "stage": "terms-of-reference-agreed", "completed_on": "2027-01-11"})

    assert await r.at(london(2027, 6, 13, 9)) == [("ReviewSlippageWarned", london(2027, 6, 13))]
    await r.clock_row("cspr", "cspr-2027-01", status="at-risk")
    assert await r.at(london(2027, 7, 11, 23)) == []
    assert await r.at(london(2027, 7, 12, 9)) == [("ReviewSlipped", london(2027, 7, 12))]
    await r.clock_row("cspr", "cspr-2027-01", status="overdue")
    [cspr] = [c for c in (await r.dashboard()).reviews.clocks if c.row.kind == "cspr"]  # type: ignore[union-attr]
    assert cspr.overdue and cspr.days_left == -1 and cspr.counted_in == "calendar days"
    assert [h.event_type for h in cspr.row.history] == [
        "ReviewCommissioned",
        "ReviewStageCompleted",
        "ReviewSlippageWarned",
        "ReviewSlipped",
    ]

    await r.ok(
        "sign-off-review",
        {"review_id": "cspr-2027-01", "signed_off_as": "executive", "signatory": "Safeguarding partners", "signed_off_on": "2027-07-12"},
    )
    await r.ok(
        "publish-review",
        {
            "review_id": "cspr-2027-01",
            "published_on": "2027-07-12",
            "link": "https://example.org/cspr-2027-01",
            "themes": ["information sharing"],
        },
    )
    await r.clock_row("cspr", "cspr-2027-01", status="published", late=True, closed_on=date(2027, 7, 12))


async def test_a_case_file_audit_round_escalates_an_immediate_concern(platform: RunningPlatform, nats_url: str) -> None:
    r = Reviews(platform)
    nc = await nats.connect(nats_url)
    escalations = await nc.subscribe(platform.subjects.event(PARTNERSHIP, "reviews", "SafeguardingConcernEscalated"))
    agencies = ["humberside-police", "nlc-childrens-social-care"]
    await r.ok("open-audit-round", {
        "audit_id": "maag-2026-11", "theme": "Neglect: step-down from child protection", "period_start": "2026-11-01",
        "cases": [{"case_ref": "case-7f3a", "open_on": "2026-03-02"}, {"case_ref": "case-91bc", "open_on": "2026-10-15"}],
        "agencies": agencies,
    })
    await r.clock_row("audit-round", "maag-2026-11", due_on=date(2026, 11, 30))  # monthly: the MAAG meets monthly

    grade = {"audit_id": "maag-2026-11", "case_ref": "case-91bc"}
    impostor = await r.send(
        "grade-audit-case", grade | {"agency_id": "nlc-childrens-social-care", "grade": "good"}, agency="humberside-police"
    )
    assert impostor["error"]["code"] == "identity_mismatch" and impostor["error"]["field"] == "agency_id"
    assert await r.ok(
        "grade-audit-case", grade | {"agency_id": "humberside-police", "grade": "requires-improvement"}, agency="humberside-police"
    ) == ["AuditCaseGraded"]
    assert await r.ok("grade-audit-case", grade | {
        "agency_id": "nlc-childrens-social-care", "grade": "inadequate",
        "immediate_concern": "A younger sibling remains in the household with no safety plan",
    }, agency="nlc-childrens-social-care") == ["AuditCaseGraded", "SafeguardingConcernEscalated"]

    message = await escalations.next_msg(timeout=10)  # announced on NATS at once, to whoever must act
    payload = json.loads(message.data)["payload"]
    assert (payload["case_ref"], payload["escalated_to"]) == ("case-91bc", "north-lincolnshire-council")
    await nc.close()

    async def concern() -> Any:
        return await platform.pool.fetchrow("SELECT * FROM reporting.safeguarding_concerns WHERE case_ref = 'case-91bc'")

    row = await eventually(concern, what="the concern to show in reporting")
    assert row["raised_by_agency_id"] == "nlc-childrens-social-care" and row["position"] > 0
    await r.ok(
        "conclude-audit-round",
        {"audit_id": "maag-2026-11", "concluded_on": "2026-11-02", "findings": ["Safety planning missing at step-down"]},
    )
    await r.clock_row("audit-round", "maag-2026-11", status="concluded")
    view = (await r.dashboard()).reviews
    assert view is not None and [(g.case_ref, g.grade) for g in view.gradings] == [
        ("case-91bc", "requires-improvement"),
        ("case-91bc", "inadequate"),
    ]
    assert await r.at(london(2026, 12, 2)) == []  # concluded in time: no overdue round
