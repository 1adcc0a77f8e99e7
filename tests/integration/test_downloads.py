"""The pages' downloads through the platform (real NATS and PostgreSQL, the front door):
each page's tables as CSV and Excel and the reports and the board pack as Word, opened
with the csv module, openpyxl and python-docx and held against the page they come from,
live and as of a past day; and what is not a download (a table no page shows, a format
there is none of) is not found. Who may download what is the role matrix's
(test_role_matrix.py); an agency lead's refusal is checked here too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest

from services.reporting.adapters.dashboard_pages import AREAS
from shared.clock import ManualClock
from shared.roles import Role
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.dashboard import AMBULANCE, HOSPITALS, POLICE, reader_cookie, record_activity
from tests.support.outlines import csv_rows, html_outline, main_of, same_document, xlsx_rows
from tests.support.people import base_url, client_for, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform

pytestmark = pytest.mark.integration

KENT = "kent"
P, K = f"/p/{PARTNERSHIP}", f"/p/{KENT}"


@pytest.fixture
async def platform(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    settings = support.test_settings(nats_url, database, namespace).model_copy(update={"profiles": [PARTNERSHIP, KENT]})
    async with running_platform(settings, clock) as running:
        yield running


async def ok(platform: RunningPlatform, service: str, command: str, body: dict) -> None:
    reply = await platform.command(service, command, body, partnership=KENT)
    assert reply["status"] == "accepted", reply


def file_of(response: httpx.Response) -> str:
    [name] = re.findall(r'attachment; filename="([^"]+)"', response.headers["content-disposition"])
    return unquote(name)




async def test_every_download_opens_and_matches_its_page(platform: RunningPlatform) -> None:
    seen = await record_activity(platform)
    profile = platform.hosts["reporting"].partnerships.profile(PARTNERSHIP)
    name, agencies = profile.name, {a.id: a.name for a in profile.agencies}
    assert (await platform.open_cycle(partnership=KENT))["status"] == "accepted"
    await ok(platform, "reporting", "rate-indicator", {
        "indicator_id": "audits-lead-to-change", "rating": "limited", "rationale": "One cycle open; no change shown yet",
        "evidence": [{"kind": "s11-cycle", "id": "2026-27"}], "rated_on": "2026-11-02", "rated_by": "Business team (invented)",
    })
    await ok(platform, "reporting", "record-risk", {
        "risk_id": "data-sharing", "title": "Agencies do not share data for the dashboard", "description": "Dashboard incomplete",
        "owner": "kscmp-executive", "inherent": {"likelihood": 4, "impact": 4}, "current": {"likelihood": 3, "impact": 4},
        "target": {"likelihood": 2, "impact": 3}, "recorded_on": "2026-11-02", "review_on": "2027-02-01",
    })
    async with httpx.AsyncClient(base_url=await base_url(platform), timeout=120,
                                 headers={"Cookie": await reader_cookie(platform)}) as client:
        async def get(path: str, status: int = 200) -> httpx.Response:
            response = await client.get(path)
            assert response.status_code == status, (path, response.status_code, response.text[:300])
            return response

        async def projected() -> bool:
            return (
                "Limited assurance" in (await get(f"{K}/reports/tiered")).text
                and "Agencies do not share data for the dashboard" in (await get(f"{K}/risks")).text
            )

        await eventually(projected, timeout=60, what="Kent's rating and risk on the reports")

        # The dashboard's pages link each table's files; the heat map in Excel is the page's, agency by agency.
        dashboard = (await get(P)).text + "".join([(await get(f"{P}/{area}")).text for area in AREAS])
        for table in ("heatmap", "risk-flags", "confidence-gaps", "actions", "planner", "planner-commitments"):
            for fmt in ("csv", "xlsx"):
                assert f'href="{P}/export/{table}.{fmt}"' in dashboard, (table, fmt)
        [heat] = [t for t in html_outline(dashboard).tables if t[0][:2] == ["Agency", "Return"]]
        response = await get(f"{P}/export/heatmap.xlsx")
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        assert file_of(response) == f"{PARTNERSHIP}-heatmap-as-of-2026-11-02.xlsx"
        title, rows = xlsx_rows(response.content)
        assert title == "Section 11 heat map" and rows[0][0] == "Section 11 heat map"
        assert rows[1][0] == f"{name} · as of 02 November 2026 09:00 UTC"
        headings, body = list(rows[3]), {row[0]: row for row in rows[4:]}
        assert list(body) == [r[0] for r in heat[1:]]
        rated = 0
        for page_row in heat[1:]:
            for domain, cell in zip(heat[0][2:], page_row[2:], strict=True):
                rating, level = body[page_row[0]][headings.index(domain)], body[page_row[0]][headings.index(f"{domain}: level")]
                # the page: the level's word after its symbol; the file: the rating's number and its level
                assert (cell == "– No return") if rating is None else cell.split(" ", 1)[1].startswith(level), (page_row[0], domain, cell)
                rated += rating is not None
        assert rated == 18  # three returns of six domains
        moderated = body[agencies[HOSPITALS]][headings.index("Leadership and governance: self → moderated")]
        assert moderated == "self 3 → moderated 2 (gap +1)"
        assert "moderated; self-assessed Good (self-assessed one level higher than moderated)" in dashboard

        # CSV: the header first, every row saying where and when; the rows are the page's.
        response = await get(f"{P}/export/risk-flags.csv")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        flags = csv_rows(response.content)
        assert flags[0][:4] == ["Partnership", "As of", "Agency", "Domain"]
        [page_flags] = [t for t in html_outline(dashboard).tables if t[0] == ["Agency", "Domain", "Rating", "Reason", "Raised", "Evidence"]]
        labels = {level.value: level.label for level in profile.section11.rating_scale.levels}
        assert [[r[2], r[3], labels[int(r[4])], r[5]] for r in flags[1:]] == [r[:4] for r in page_flags[1:]]
        assert all(r[5].startswith("View evidence") for r in page_flags[1:])  # the file holds its event, the page links it
        assert {tuple(r[:2]) for r in flags[1:]} == {(name, "2026-11-02")} and seen["police-flag"] in {r[7] for r in flags[1:]}
        gaps = csv_rows((await get(f"{P}/export/confidence-gaps.csv")).content)
        assert [r[2] for r in gaps[1:]] == [agencies[AMBULANCE]] and seen["gap"] in gaps[1]
        _, actions = xlsx_rows((await get(f"{P}/export/actions.xlsx")).content)
        head = list(actions[3])
        [action] = [dict(zip(head, row, strict=True)) for row in actions[4:]]
        assert action["Action"] == "Refresh the escalation policy" and action["Owner"] == agencies[POLICE]
        assert (
            action["Percent complete"] == 50
            and action["Last event id"] == seen["progress"]
            and "Refresh the escalation policy" in dashboard
        )

        # As of the day before: the records as they stood then (no return yet), and the date in the file.
        response = await get(f"{P}/export/heatmap.csv?as_of=2026-11-01")
        assert file_of(response) == f"{PARTNERSHIP}-heatmap-as-of-2026-11-01.csv"
        before = csv_rows(response.content)
        assert {r[1] for r in before[1:]} == {"2026-11-01"} and len(before) == len(heat)
        assert all(r[headings.index("Leadership and governance") + 2] == "" for r in before[1:])
        assert f'href="{P}/export/heatmap.csv?as_of=2026-11-01"' in (await get(f"{P}/section11?as_of=2026-11-01")).text

        # Kent's reports: the tables of the tiered report and the risk register, and the report in Word.
        tiered = (await get(f"{K}/reports/tiered")).text
        assert f'href="{K}/reports/tiered?format=docx"' in tiered
        _, indicators = xlsx_rows((await get(f"{K}/export/tiered-indicators.xlsx")).content)
        head = list(indicators[3])
        rows_ = [dict(zip(head, row, strict=True)) for row in indicators[4:]]
        assert len(rows_) == 13 and {r["Tier"] for r in rows_} == {h[1] for h in html_outline(main_of(tiered)).headings if h[0] == 2}
        [limited] = [r for r in rows_ if r["Rating"] == "Limited assurance"]
        assert limited["Indicator id"] == "audits-lead-to-change" and limited["Rating (event id)"] in tiered
        summary = csv_rows((await get(f"{K}/export/tiered-summary.csv")).content)
        assert [r[2:] for r in summary] == html_outline(main_of(tiered)).tables[0]
        response = await get(f"{K}/reports/tiered?format=docx")
        assert file_of(response) == "tiered-report-kent-2026-11-02.docx"
        same_document(tiered, response.content)
        register = csv_rows((await get(f"{K}/export/risk-register.csv")).content)
        [risk] = [dict(zip(register[0], r, strict=True)) for r in register[1:]]
        assert (risk["Risk"], risk["Current score"], risk["Current band"]) == ("Agencies do not share data for the dashboard", "12", "High")
        assert "12 · High" in (await get(f"{K}/risks")).text

        # The yearly and thematic reports and the board pack in Word: the page's content.
        for page in (f"{P}/reports/yearly/2026", f"{K}/reports/thematic?theme=neglect", f"{P}/board-pack"):
            html = (await get(page)).text
            joiner = "&" if "?" in page else "?"
            response = await get(f"{page}{joiner}format=docx")
            assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
            same_document(html, response.content)
        assert file_of(await get(f"{P}/board-pack?format=docx")).startswith(f"board-pack-{PARTNERSHIP}-")

        # Not a download: an unknown table, a format there is none of, a report format there is none of.
        await get(f"{P}/export/no-such-table.csv", 404)
        await get(f"{P}/export/heatmap.pdf", 404)
        await get(f"{P}/export/heatmap.csv?as_of=not-a-day", 400)
        await get(f"{K}/reports/tiered?format=pdf", 400)

    # An agency lead reads their own agency's page, and downloads no partnership-wide table.
    lead = await client_for(platform, await make_person(platform, Role.AGENCY_LEAD, POLICE))
    try:
        assert (await lead.get(f"{P}/agency/{POLICE}")).status_code == 200
        for path in (f"{P}/export/heatmap.csv", f"{P}/export/actions.xlsx", f"{P}/reports/yearly/2026?format=docx"):
            assert (await lead.get(path)).status_code == 404, path
    finally:
        await lead.aclose()
