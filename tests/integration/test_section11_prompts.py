"""An assurance event's findings about an agency reach that agency's next Section 11 return
(issue 16 item 5), over real NATS and PostgreSQL: the events service concludes an agency
event with two areas for development; section11 reacts (once, however often the event is
delivered) with a prompt for each on the agency's prompts stream; reporting projects them
and the return's task list shows each with the finding's text; the lead answers one there
(answer-prompt, sealed in the store), a second answer is refused at its field, another
agency cannot answer for it, and the answer shows on the return."""

from __future__ import annotations

import re

import pytest

from shared.roles import Role
from shared.waiting import eventually
from tests.support.people import client_for, csrf_of, make_person
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

AGENCY = "humberside-police"
OTHER = "nlc-housing"
BASE = f"/p/{PARTNERSHIP}/return/{AGENCY}"
FINDINGS = ["Strategy meetings are not always attended by the police (invented)", "Escalation is slow (invented)"]


async def test_an_events_findings_become_prompts_the_agency_answers_in_its_return(platform: RunningPlatform) -> None:
    assert (await platform.open_cycle())["status"] == "accepted"
    today = platform.clock.now().date().isoformat()
    concluded = await platform.command("events", "conclude", {
        "assurance_event_id": "agency-police-1", "activity_type": "agency-specific-assurance-event",
        "title": "Agency event: police", "held_on": today, "agency_id": AGENCY, "strengths": ["Good referrals (invented)"],
        "areas_for_development": FINDINGS, "recorded_by": "Business unit (invented)",
    })
    assert concluded["status"] == "accepted", concluded

    async def projected() -> bool:  # the prompts (from section11's store) and the findings' text (from the events store's)
        prompts = await platform.count("SELECT count(*) FROM reporting.s11_prompts WHERE partnership_id = $1 AND agency_id = $2",
                                       PARTNERSHIP, AGENCY)
        findings = await platform.count(
            "SELECT count(*) FROM reporting.assurance_events WHERE partnership_id = $1 AND assurance_event_id = 'agency-police-1'"
            " AND areas_for_development IS NOT NULL",
            PARTNERSHIP,
        )
        return prompts == 2 and findings == 1

    await eventually(projected, what="reporting to project both prompts and the findings they put")
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'Section11PromptAdded'") == 2

    lead = await make_person(platform, Role.AGENCY_LEAD, AGENCY)
    client = await client_for(platform, lead)
    try:
        page = await client.get(BASE)
        assert page.status_code == 200 and "Findings to answer" in page.text and FINDINGS[0] in page.text, page.text
        form = re.search(r'action="' + re.escape(BASE) + r'/prompt/agency-police-1-1".*?name="request_id" value="([^"]+)"',
                         page.text, re.S)
        assert form, "the first prompt has its form"
        empty = await client.post(f"{BASE}/prompt/agency-police-1-1", data={"csrf": csrf_of(page.text), "request_id": form.group(1)})
        assert empty.status_code == 400 and "Enter your answer" in empty.text
        data = {"csrf": csrf_of(page.text), "request_id": form.group(1), "answer": "Attendance is now audited monthly"}
        sent = await client.post(f"{BASE}/prompt/agency-police-1-1", data=data)
        assert sent.status_code == 303, sent.text

        again = await platform.command(
            "section11",
            "answer-prompt",
            {"agency_id": AGENCY, "cycle_id": CYCLE, "prompt_id": "agency-police-1-1", "answer": "Again", "answered_by": "Lead"},
            agency=AGENCY,
        )
        assert again["status"] == "refused" and (again["error"]["code"], again["error"]["field"]) == ("already_answered", "prompt_id")
        other = await platform.command(
            "section11",
            "answer-prompt",
            {"agency_id": OTHER, "cycle_id": CYCLE, "prompt_id": "agency-police-1-2", "answer": "Not ours", "answered_by": "Lead"},
            agency=OTHER,
        )
        assert other["status"] == "refused" and other["error"]["field"] == "prompt_id"

        async def answered() -> str | None:
            text = (await client.get(BASE)).text
            return text if "Attendance is now audited monthly" in text else None

        shown = await eventually(answered, what="the answer on the return")
        assert f"in the return of cycle {CYCLE}" in shown
    finally:
        await client.aclose()
    payload = await platform.pool.fetchval("SELECT payload::text FROM section11.events WHERE event_type = 'Section11PromptAnswered'")
    assert "audited monthly" not in payload
