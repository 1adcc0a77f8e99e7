"""The board pack through the real platform: returns, an overdue action, a rapid review
past its clock and a missed preparation milestone, all over NATS and PostgreSQL with the
clock moved and the watchers ticked; the pack written as HTML and PDF, read back, and the
dashboard's route serving the same pack."""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from services.reporting.adapters.pages import write_board_pack
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from shared.clock import ManualClock
from shared.waiting import eventually
from tests.support.people import signed_in_headers
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

BOARD = "childrens-mars-board"
POLICE, EMAS = "humberside-police", "east-midlands-ambulance-service"
NEVER = {"nlc-housing", "national-probation-service"}
PARTNERS = ["north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"]
MEETING, SINCE = date(2026, 12, 16), date(2026, 11, 1)


async def ok(platform: RunningPlatform, service: str, command: str, body: dict[str, Any], agency: str | None = None) -> dict[str, Any]:
    reply = await platform.command(service, command, body, agency=agency)
    assert reply["status"] == "accepted", reply
    return reply


async def stored_id(platform: RunningPlatform, store: str, event_type: str) -> str:
    return str(await platform.pool.fetchval(f"SELECT event_id FROM {store}.events WHERE event_type = $1", event_type))


async def play_two_months(platform: RunningPlatform, clock: ManualClock) -> dict[str, str]:
    """Activity from 2 November to 10 December 2026; the ids of the events the pack must name."""
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    await ok(platform, "section11", "open-cycle", {"cycle_id": "2026-27", "opened_on": "2026-11-02", "due_on": "2026-11-30"})
    flagged = await platform.submit(POLICE, {"culture-and-challenge": 1})
    assert flagged["status"] == "accepted", flagged
    others = [a.id for a in profile.agencies if a.id not in NEVER | {POLICE}]
    assert all(r["status"] == "accepted" for r in await asyncio.gather(*(platform.submit(a) for a in others)))

    for number, due in ((1, "2026-11-20"), (2, "2027-03-01")):
        await ok(platform, "reviews", "raise-action", {
            "action_id": f"act-{number}", "title": f"Escalation practice, finding {number}", "owner_agency_id": POLICE,
            "due_on": due, "source_type": "assurance-event", "source_id": "thematic-1", "raised_by": "Business unit (invented)",
        })
    evidence = [{"description": "Escalation policy re-issued and dip-sampled"}]
    await ok(platform, "reviews", "complete-action", {
        "action_id": "act-2", "owner_agency_id": POLICE, "completed_on": "2026-11-02", "evidence": evidence, "completed_by": "lead",
    }, agency=POLICE)
    await ok(platform, "reviews", "record-serious-incident", {
        "incident_id": "si-2026-11", "case_ref": "case-7f3a", "child_looked_after": False, "recorded_by": "Business unit (invented)",
        "aware_on": "2026-11-02", "panel_notified_on": "2026-11-02",
    })

    event = "ase-emas-2027"
    await ok(platform, "events", "propose", {
        "assurance_event_id": event, "activity_type": "agency-specific-assurance-event", "agency_id": EMAS,
        "title": "Agency specific assurance event: ambulance service", "planned_for": "2027-01",
    })
    for partner in PARTNERS:
        await ok(
            platform, "events", "endorse", {"assurance_event_id": event, "partner_id": partner, "representative": "Director (invented)"}
        )
    await ok(platform, "events", "schedule", {"assurance_event_id": event, "scheduled_on": "2027-01-13"})

    clock.set(datetime(2026, 12, 10, 10, tzinfo=UTC))
    for service in ("section11", "reviews", "events"):
        await platform.wired[service].watcher.tick()

    async def projected() -> bool:
        counts = await platform.pool.fetchrow(
            "SELECT (SELECT count(*) FROM reporting.s11_returns WHERE status = 'overdue') AS returns,"
            " (SELECT count(*) FROM reporting.actions WHERE status = 'overdue') AS overdue,"
            " (SELECT count(*) FROM reporting.actions WHERE status = 'awaiting-sign-off') AS awaiting,"
            " (SELECT count(*) FROM reporting.review_clocks WHERE kind = 'rapid-review' AND status = 'overdue') AS reviews,"
            " (SELECT count(*) FROM reporting.assurance_milestones WHERE status = 'missed') AS milestones,"
            " (SELECT count(*) FROM reporting.s11_submissions) AS submissions,"
            # the call-in the flagged return proposes, made by the events service as it reacts
            " (SELECT count(*) FROM reporting.assurance_lifecycle WHERE title LIKE 'Call-in:%') AS call_ins"
        )
        return tuple(counts) == (2, 1, 1, 1, 1, len(others) + 1, 1)

    await eventually(projected, timeout=30, what="reporting to show the returns, actions, review, milestone and call-in")
    return {
        "flag": next(e["event_id"] for e in flagged["events"] if e["event_type"] == "RiskFlagged"),
        "action": await stored_id(platform, "reviews", "ActionOverdue"),
        "review": await stored_id(platform, "reviews", "RapidReviewOverdue"),
        "milestone": await stored_id(platform, "events", "PreparationMilestoneMissed"),
        "completed": await stored_id(platform, "reviews", "ActionCompleted"),
    }


def pdf_text(pdf: Path) -> str:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return " ".join(" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc)))
    finally:
        doc.close()


async def test_the_board_pack_of_a_meeting_as_html_and_pdf_and_from_the_dashboard(
    platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    ids = await play_two_months(platform, clock)
    profile = platform.hosts["reporting"].partnerships.profile(PARTNERSHIP)
    pack = await BoardPackReadModels(platform.pool).board_pack(profile, BOARD, MEETING, clock.now(), SINCE)

    assert {x.kind for x in pack.exceptions} >= {"Risk flag", "Overdue action", "Late return", "Slipping review", "Missed milestone"}
    assert pack.count("Late return") == 2
    files = await asyncio.to_thread(write_board_pack, pack, tmp_path)
    html = files.html.read_text()
    for name, event_id in ids.items():
        assert f"event {event_id}" in html, name
    assert "21 of 23 agencies have returned" in re.sub(r"<[^>]+>", "", html)
    assert "2 late returns" in html and "1 overdue action" in html
    assert "Action sign-off" in html and "Agency specific assurance event: ambulance service" in html
    assert "Planner for the next quarter: January 2027 to March 2027" in html
    assert html.count("<svg") == 2  # the heat map is a table; the actions and timeliness charts

    text = pdf_text(files.pdf)
    for wanted in ("Board pack: North Lincolnshire", "Exceptions since the last meeting", ids["flag"], ids["milestone"],
                   "Decisions needed", "Action plan", "Reports due to Children's MARS Board", "Section 11 heat map"):
        assert wanted in text, wanted
    doc = pdfium.PdfDocument(str(files.pdf))
    assert len(doc) >= 3
    doc[0].render(scale=1.5).to_pil().save(tmp_path / "board-pack-page1.png")
    doc.close()
    assert (tmp_path / "board-pack-page1.png").stat().st_size > 20_000

    # The dashboard's route gives the same pack (HTML), and the PDF on ?format=pdf.
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the dashboard to listen")
    port = server.servers[0].sockets[0].getsockname()[1]
    page = f"http://127.0.0.1:{port}/p/{PARTNERSHIP}/board-pack?meeting={MEETING}&group={BOARD}&since={SINCE}"
    headers = await signed_in_headers(platform)
    served, _ = await _get(page, headers)
    assert served.decode() == html
    pdf, content_type = await _get(page + "&format=pdf", headers)
    assert content_type == "application/pdf" and pdf.startswith(b"%PDF")
    # Every dashboard page's navigation links to the pack's PDF (of today's meeting).
    dashboard, _ = await _get(f"http://127.0.0.1:{port}/p/{PARTNERSHIP}", headers)
    link = f"/p/{PARTNERSHIP}/board-pack?format=pdf"
    assert f'href="{link}">Board pack (PDF)</a>' in dashboard.decode()
    linked, content_type = await _get(f"http://127.0.0.1:{port}{link}", headers)
    assert content_type == "application/pdf" and linked.startswith(b"%PDF")
    with pytest.raises(urllib.error.HTTPError) as unknown:
        await _get(page.replace(BOARD, "the-board"), headers)
    assert unknown.value.code == 404
    assert BOARD in unknown.value.read().decode()


async def _get(url: str, headers: dict[str, str]) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers=headers)

    def fetch() -> tuple[bytes, str]:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read(), response.headers.get_content_type()

    return await asyncio.to_thread(fetch)
