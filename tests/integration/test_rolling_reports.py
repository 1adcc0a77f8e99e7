"""Rolling reports (issue 16 item 3) through real NATS and PostgreSQL: Calderdale's
Private Fostering report (one of its Appendix 2's nineteen) presented to the CSCP
Executive with its key messages sealed in the store, another recorded missed with the
reason; reporting's records and the Executive's board pack say which was received and
which missed; a report to a group that does not receive it is refused at its field and
parked; the agency whose report it is hears the outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from shared.clock import ManualClock
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.platform import RunningPlatform, running_platform

pytestmark = pytest.mark.integration

CALDERDALE = "calderdale"
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture
async def calderdale(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    clock.set(T0)
    settings = support.test_settings(nats_url, database, namespace).model_copy(update={"profiles": [CALDERDALE]})
    async with running_platform(settings, clock) as running:
        yield running


async def send(platform: RunningPlatform, command: str, body: dict[str, Any]) -> dict[str, Any]:
    return await platform.command("reporting", command, body, partnership=CALDERDALE)


async def test_a_scheduled_report_presented_or_missed(calderdale: RunningPlatform) -> None:
    platform = calderdale
    presented = await send(platform, "present-rolling-report", {
        "report_id": "private-fostering", "due_month": "2026-10", "group_id": "cscp-executive",
        "presented_on": "2026-10-20", "presented_by": "Service lead (invented)", "meeting": "CSCP Executive, 20 October 2026",
        "assurance_level": "substantial", "key_messages": ["Notifications up a third (invented)"],
    })
    assert presented["status"] == "accepted", presented
    missed = await send(platform, "record-rolling-report-missed", {
        "report_id": "maplag", "due_month": "2026-10", "group_id": "cscp-executive", "reason": "Author on leave (invented)",
    })
    assert missed["status"] == "accepted", missed
    wrong = await send(platform, "present-rolling-report", {
        "report_id": "private-fostering", "due_month": "2026-10", "group_id": "quality-assurance-subgroup",
        "presented_on": "2026-10-20", "presented_by": "Service lead (invented)",
    })
    assert wrong["status"] == "refused" and (wrong["error"]["code"], wrong["error"]["field"]) == ("not_a_receiver", "group_id")
    again = await send(platform, "present-rolling-report", {
        "report_id": "private-fostering", "due_month": "2026-10", "group_id": "cscp-executive",
        "presented_on": "2026-10-21", "presented_by": "Service lead (invented)",
    })
    assert again["status"] == "refused" and again["error"]["code"] == "already_presented"

    payload = await platform.pool.fetchval(
        "SELECT payload::text FROM reporting_records.events WHERE event_type = 'RollingReportPresented'"
    )
    assert "Notifications up a third" not in payload and '"agency_id": "cmbc-childrens-social-care"' in payload

    async def projected() -> bool:
        return await platform.count("SELECT count(*) FROM reporting.rolling_report_records WHERE partnership_id = $1", CALDERDALE) == 2

    await eventually(projected, what="reporting to project both records")
    profile = platform.hosts["reporting"].partnerships.profile(CALDERDALE)
    pack = await BoardPackReadModels(platform.pool, "reporting").board_pack(
        profile, "cscp-executive", date(2026, 11, 2), platform.clock.now(), since=date(2026, 9, 30),
    )
    lines = {r.report_id: r for r in pack.reports}
    assert lines["private-fostering"].received and "presented 20 Oct 2026 by Service lead" in lines["private-fostering"].recorded[0].said
    assert lines["private-fostering"].recorded[0].said.endswith("substantial assurance")
    assert lines["maplag"].missed and "Author on leave" in lines["maplag"].recorded[0].said


async def test_the_calendar_of_meetings_sets_where_the_pack_looks_back_to(calderdale: RunningPlatform) -> None:
    platform = calderdale
    scheduled = await send(
        platform, "schedule-meeting", {"meeting_id": "exec-2026-10", "group_id": "cscp-executive", "meets_on": "2026-10-20"}
    )
    assert scheduled["status"] == "accepted", scheduled
    held = await send(platform, "record-meeting-held", {"meeting_id": "exec-2026-10", "held_on": "2026-10-20",
                                                          "decisions": ["Agreed the neglect strategy (invented)"]})
    assert held["status"] == "accepted", held
    unscheduled = await send(platform, "record-meeting-held", {"meeting_id": "exec-2026-09", "held_on": "2026-09-20"})
    assert unscheduled["status"] == "refused" and unscheduled["error"]["code"] == "not_scheduled"

    async def projected() -> bool:
        return (
            await platform.count("SELECT count(*) FROM reporting.meetings WHERE partnership_id = $1 AND status = 'held'", CALDERDALE) == 1
        )

    await eventually(projected, what="reporting to project the meeting")
    profile = platform.hosts["reporting"].partnerships.profile(CALDERDALE)
    pack = await BoardPackReadModels(platform.pool, "reporting").board_pack(
        profile, "cscp-executive", date(2026, 11, 2), platform.clock.now()
    )
    assert pack.since.day == date(2026, 10, 20) and "calendar" in pack.since.reason
    dashboard = await BoardPackReadModels(platform.pool, "reporting").dashboard(profile, platform.clock.now())
    assert dashboard.meetings[0].decisions == ["Agreed the neglect strategy (invented)"]


async def test_a_meeting_has_its_agenda_its_pack_and_its_actions(calderdale: RunningPlatform) -> None:
    """The Executive's meeting: the agenda holds the report presented to it (from the group's
    board pack for the meeting's day), its page links that pack, and an action raised against
    the meeting (source_type meeting) is shown on it."""
    platform = calderdale
    assert (await send(platform, "present-rolling-report", {
        "report_id": "private-fostering", "due_month": "2026-10", "group_id": "cscp-executive",
        "presented_on": "2026-10-20", "presented_by": "Service lead (invented)",
    }))["status"] == "accepted"
    assert (await send(platform, "schedule-meeting", {
        "meeting_id": "exec-2026-11", "group_id": "cscp-executive", "meets_on": "2026-11-02"}))["status"] == "accepted"
    raised = await platform.command("reviews", "raise-action", {
        "action_id": "exec-2026-11-1", "title": "Report private fostering to the Board (invented)",
        "owner_agency_id": "cmbc-childrens-social-care", "due_on": "2026-12-01", "source_type": "meeting",
        "source_id": "exec-2026-11", "raised_by": "Business unit (invented)",
    }, partnership=CALDERDALE)
    assert raised["status"] == "accepted", raised

    reading = BoardPackReadModels(platform.pool, "reporting")
    profile = platform.hosts["reporting"].partnerships.profile(CALDERDALE)

    async def shown() -> bool:
        page = await reading.meeting_page(profile, "exec-2026-11", platform.clock.now())
        return page is not None and bool(page.actions) and any(x.subject.startswith("Private") for x in page.agenda)

    await eventually(shown, what="the meeting's page to show its agenda and its action")
    page = await reading.meeting_page(profile, "exec-2026-11", platform.clock.now())
    assert page is not None and page.pack_path == "board-pack?meeting=2026-11-02&group=cscp-executive"
    assert [a.action_id for a in page.actions] == ["exec-2026-11-1"]
    assert await reading.meeting_page(profile, "no-such-meeting", platform.clock.now()) is None
