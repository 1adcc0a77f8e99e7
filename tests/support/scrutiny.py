"""A little of the independent scrutineer's work, for tests that look at the pages: a
scrutineer appointed, a challenge on the police's return put to the police and answered,
another put to the business unit and left open, a recommendation acted upon. Waits until
reporting shows it all."""

from datetime import timedelta
from typing import Any

from shared.waiting import eventually
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform

POLICE = "humberside-police"


async def _ok(platform: RunningPlatform, name: str, body: dict[str, Any], agency: str | None = None) -> None:
    reply = await platform.command("reporting", name, body, agency=agency)
    assert reply["status"] == "accepted", reply


async def record_scrutiny(platform: RunningPlatform) -> None:
    """Needs the police's return of CYCLE recorded."""
    today = platform.clock.now().date()
    day = today.isoformat()
    await _ok(platform, "appoint-scrutineer", {
        "scrutineer_id": "iso-1", "name": "Sam Okafor (invented)", "appointment_id": "iso-2026",
        "activity_id": "agency-specific-assurance-event", "starts_on": (today - timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=330)).isoformat()})
    record = {"record_kind": "s11-return", "record_id": f"{POLICE}:{CYCLE}"}
    await _ok(platform, "raise-challenge", {"challenge_id": "ch-1", "scrutineer_id": "iso-1", **record, "put_to": POLICE,
                                            "text": "How does the board hear of escalations?", "raised_on": day})
    await _ok(platform, "answer-challenge", {"challenge_id": "ch-1", "agency_id": POLICE, "answer": "A quarterly report",
                                             "answered_by": "Force safeguarding lead", "answered_on": day}, agency=POLICE)
    await _ok(platform, "raise-challenge", {"challenge_id": "ch-2", "scrutineer_id": "iso-1", "record_kind": "s11-cycle",
                                            "record_id": CYCLE, "put_to": "business-unit", "text": "When does moderation end?",
                                            "raised_on": day, "answer_by": (today + timedelta(days=10)).isoformat()})
    await _ok(platform, "make-recommendation", {"recommendation_id": "rec-1", "scrutineer_id": "iso-1",
                                                "made_to": "safeguarding-partners", "text": "Publish the moderation timetable",
                                                "made_on": day})
    await _ok(platform, "record-recommendation-response", {"recommendation_id": "rec-1", "response": "Published",
                                                           "responded_on": day})
    await _ok(platform, "judge-recommendation", {"recommendation_id": "rec-1", "acted_upon": True, "judged_on": day})

    async def shown() -> bool:
        return (await platform.count("SELECT count(*) FROM reporting.scrutiny_recommendations WHERE partnership_id = $1"
                                     " AND acted_upon", PARTNERSHIP)) == 1

    await eventually(shown, what="reporting to show the scrutineer's work")


MEETING = "board-meeting-1"


async def record_meeting(platform: RunningPlatform) -> None:
    """The Board's meeting today on the calendar, held with a decision, and an action raised at it."""
    day = platform.clock.now().date().isoformat()
    await _ok(platform, "schedule-meeting", {"meeting_id": MEETING, "group_id": "childrens-mars-board", "meets_on": day})
    await _ok(platform, "record-meeting-held", {"meeting_id": MEETING, "held_on": day, "decisions": ["Agreed the plan (invented)"]})
    reply = await platform.command("reviews", "raise-action", {
        "action_id": f"{MEETING}-1", "title": "Circulate the plan (invented)", "owner_agency_id": POLICE,
        "due_on": day, "source_type": "meeting", "source_id": MEETING, "raised_by": "Business unit (invented)"})
    assert reply["status"] == "accepted", reply

    async def shown() -> bool:
        held = await platform.count("SELECT count(*) FROM reporting.meetings WHERE partnership_id = $1 AND status = 'held'", PARTNERSHIP)
        return held == 1
    await eventually(shown, what="reporting to show the meeting held")


async def record_findings(platform: RunningPlatform) -> None:
    """An agency event on the police concluded with an area for development: a prompt in the police's return."""
    reply = await platform.command("events", "conclude", {
        "assurance_event_id": "agency-police-findings", "activity_type": "agency-specific-assurance-event",
        "title": "Agency event: police", "held_on": platform.clock.now().date().isoformat(), "agency_id": POLICE,
        "areas_for_development": ["Strategy meeting attendance (invented)"], "recorded_by": "Business unit (invented)"})
    assert reply["status"] == "accepted", reply

    async def prompted() -> bool:
        return await platform.count("SELECT count(*) FROM reporting.s11_prompts WHERE partnership_id = $1", PARTNERSHIP) == 1
    await eventually(prompted, what="the finding put to the police as a prompt")
