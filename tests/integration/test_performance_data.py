"""Performance data through the real platform (NATS and PostgreSQL; issue 17 item 1):
Calderdale's children's social care supplies six months of re-referrals over NATS, one
crossing the early-warning threshold; the warning is decided when the value is recorded,
reaches the business unit and the supplying agency's lead, and is among the board
pack's exceptions; the dashboard shows the series (chart and table) against the
comparators. An agency cannot supply another agency's indicator (refused over NATS and
over HTTP, parked in the dead letters, nothing recorded). A file upload with a bad row is
refused with the row's line and records nothing; a good one records every value. All of it
is in the evidence bundle. The command line uploads a file too."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.evidence import Period, export_evidence
from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from shared.clock import ManualClock
from shared.eventstore.bundle_check import verify_bundle
from shared.messaging.deadletters import CODE_HEADER
from shared.messaging.outcomes import outcomes_for
from shared.roles import Role
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.browser import find_chromium
from tests.support.outlines import csv_rows, same_document
from tests.support.people import accounts_of, base_url, client_for, csrf_of, make_person
from tests.support.platform import RunningPlatform, running_platform

pytestmark = pytest.mark.integration

CALDERDALE = "calderdale"
CSC, POLICE = "cmbc-childrens-social-care", "west-yorkshire-police"
NOW = datetime(2027, 5, 10, 9, tzinfo=UTC)
SERIES = [("2026-11", 21.0), ("2026-12", 22.5), ("2027-01", 20.5), ("2027-02", 23.0), ("2027-03", 26.4), ("2027-04", 24.0)]
UPLOAD = f"/p/{CALDERDALE}/do/reporting/record-indicator-values/upload"


@pytest.fixture
async def perf_platform(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    clock.set(NOW)
    settings = support.test_settings(nats_url, database, namespace).model_copy(update={"profiles": [CALDERDALE, "kent"]})
    async with running_platform(settings, clock) as running:
        yield running


async def values_recorded(platform: RunningPlatform) -> int:
    return await platform.count("SELECT count(*) FROM reporting_records.events WHERE event_type = 'IndicatorValueRecorded'")


async def caught_up(platform: RunningPlatform) -> bool:
    head = await platform.count("SELECT coalesce(max(position), 0) FROM reporting_records.events")
    return await platform.wired["reporting"].runner.checkpoint("reporting") >= head


async def test_values_warnings_the_dashboard_the_board_pack_and_who_may_supply(perf_platform: RunningPlatform, tmp_path: Path) -> None:
    platform = perf_platform
    business_unit = await make_person(platform, Role.BUSINESS_UNIT, partnership=CALDERDALE)
    csc_lead = await make_person(platform, Role.AGENCY_LEAD, CSC, partnership=CALDERDALE)
    police_lead = await make_person(platform, Role.AGENCY_LEAD, POLICE, partnership=CALDERDALE)

    # The agency supplies its series over NATS, as itself: one value crosses 25%; it hears the
    # values and the warning on its own outcomes.
    heard: list[str] = []

    async def hear(msg: Any) -> None:
        heard.append(json.loads(msg.data)["event_type"])

    listening = await platform.nc.subscribe(outcomes_for(platform.subjects.namespace, CSC, CALDERDALE), cb=hear)
    reply = await platform.command("reporting", "record-indicator-values", {
        "agency_id": CSC, "values": [{"indicator_id": "re-referrals-12-months", "period": p, "value": v} for p, v in SERIES],
    }, agency=CSC, partnership=CALDERDALE)
    assert reply["status"] == "accepted", reply
    types = [e["event_type"] for e in reply["events"]]
    assert types.count("IndicatorValueRecorded") == 6 and types.count("IndicatorEarlyWarningRaised") == 1

    await eventually(lambda: _count(heard, "IndicatorEarlyWarningRaised") == 1 and _count(heard, "IndicatorValueRecorded") == 6,
                     timeout=30, what="the agency to hear its values and its early warning")
    await listening.unsubscribe()

    # Another agency cannot supply it: neither as itself nor in the supplier's name.
    before = await values_recorded(platform)
    refused = await platform.command("reporting", "record-indicator-value", {
        "agency_id": POLICE, "indicator_id": "re-referrals-12-months", "period": "2027-04", "value": 10.0,
    }, agency=POLICE, partnership=CALDERDALE)
    assert refused["status"] == "refused" and refused["error"]["code"] == "not_supplier"
    assert refused["error"]["field"] == "indicator_id"
    js = platform.nc.jetstream()
    parked = await js.get_last_msg(platform.subjects.deadletter_stream, platform.subjects.deadletter("reporting", CALDERDALE))
    assert parked.headers is not None and parked.headers[CODE_HEADER] == "not_supplier"
    posing = await platform.command("reporting", "record-indicator-value", {
        "agency_id": CSC, "indicator_id": "re-referrals-12-months", "period": "2027-04", "value": 10.0,
    }, agency=POLICE, partnership=CALDERDALE)
    assert posing["status"] == "refused" and posing["error"]["code"] == "identity_mismatch"
    assert await values_recorded(platform) == before

    # The read model, the dashboard's view and the board pack's exceptions.
    await eventually(lambda: caught_up(platform), timeout=30, what="reporting to project its own records")
    profile = platform.hosts["reporting"].partnerships.profile(CALDERDALE)
    dashboard = await ReadModels(platform.pool).dashboard(profile, NOW)
    assert dashboard.performance is not None
    series = next(s for s in dashboard.performance.series if s.id == "re-referrals-12-months")
    assert [(p.period, p.value) for p in series.points] == SERIES
    assert series.trend == "improving" and series.status == "within threshold"
    assert [(w.reason, w.period) for w in dashboard.performance.warnings] == [("threshold", "2027-03")]
    pack = await BoardPackReadModels(platform.pool, "reporting").board_pack(profile, "cscp-executive", date(2027, 5, 10), NOW,
                                                                              since=date(2027, 1, 1))
    warned = [x for x in pack.exceptions if x.kind == "Early warning"]
    assert warned and "26.4%" in warned[0].detail and "Re-referrals" in warned[0].subject

    # Who is told: the business unit and the supplier's leads, not another agency's.
    told = platform.wired["reporting"].notifications
    await eventually(lambda: _notified(told), timeout=30, what="the notifier to catch up")
    kinds = {r["account_id"]: r["kind"] for r in await platform.pool.fetch(
        "SELECT account_id, kind FROM reporting_people.messages WHERE kind = 'IndicatorEarlyWarningRaised'")}
    assert business_unit.account_id in kinds and csc_lead.account_id in kinds and police_lead.account_id not in kinds

    # Over HTTP: the dashboard shows the series; the police lead's form refuses CSC's indicator.
    bu = await client_for(platform, business_unit)
    police = await client_for(platform, police_lead)
    csc = await client_for(platform, csc_lead)
    try:
        for client in (bu, csc):  # the agency's page: its own indicators, where the notice links to
            own = (await client.get(f"/p/{CALDERDALE}/agency/{CSC}")).text
            assert 'id="indicator-re-referrals-12-months"' in own and "<svg" in own and "missing-episodes" not in own
        notice = await platform.pool.fetchval(
            "SELECT link FROM reporting_people.messages WHERE kind = 'IndicatorEarlyWarningRaised' AND account_id = $1", csc_lead.account_id
        )
        assert notice == f"/p/{CALDERDALE}/agency/{CSC}#indicator-re-referrals-12-months"
        page = (await bu.get(f"/p/{CALDERDALE}/performance")).text
        assert f'href="/p/{CALDERDALE}/export/performance.csv"' in page
        exported_values = csv_rows((await bu.get(f"/p/{CALDERDALE}/export/performance-values.csv")).content)
        assert [r[4:6] for r in exported_values if r[2:3] == ["Re-referrals to children's social care within 12 months (%)"]] == [
            [p, f"{v:g}"] for p, v in SERIES]
        assert "Performance data" in page and 'id="indicator-re-referrals-12-months"' in page and "<svg" in page
        assert "England" in page and "22.4%" in page and "26.4% (beyond threshold)" in page
        # The board pack and the thematic report in Word: the page's content, the performance data's too.
        for path in (f"/p/{CALDERDALE}/board-pack?meeting=2027-05-10&since=2027-01-01", f"/p/{CALDERDALE}/reports/thematic?theme=neglect"):
            html = (await bu.get(path)).text
            assert "Re-referrals to children" in html, path
            word = await bu.get(f"{path}&format=docx")
            assert word.status_code == 200, path
            same_document(html, word.content)  # the page's content, its evidence links aside
        for client in (bu, police, csc):  # each has the form and the upload, offered on their home page
            home = (await client.get("/")).text
            assert f'href="/p/{CALDERDALE}/do/reporting/record-indicator-value"' in home and f'href="{UPLOAD}"' in home
            assert (await client.get(f"/p/{CALDERDALE}/do/reporting/record-indicator-value")).status_code == 200
            assert (await client.get(UPLOAD)).status_code == 200
        form = await police.get(f"/p/{CALDERDALE}/do/reporting/record-indicator-value")
        sent = await police.post(f"/p/{CALDERDALE}/do/reporting/record-indicator-value", data={
            "csrf": csrf_of(form.text), "request_id": "6b1e6d3c-9d7e-4c55-8d0a-2a1b3c4d5e6f",
            "indicator_id": "re-referrals-12-months", "period": "2027-04", "value": "10",
        })
        assert sent.status_code == 400 and "supplied by cmbc-childrens-social-care" in sent.text
        assert await values_recorded(platform) == before

        # An upload with a row that cannot be read, and one the service refuses: nothing recorded.
        bad = "indicator_id,period,value\nassessments-within-45-days,2027-03,abc\nre-referrals-12-months,2027-04,24\n"
        answer = await bu.post(UPLOAD, data={"csrf": csrf_of((await bu.get(UPLOAD)).text)},
                               files={"file": ("values.csv", bad.encode(), "text/csv")})
        assert answer.status_code == 400 and "Line 2: the value &#39;abc&#39; is not a number" in answer.text
        refused_row = "indicator_id,period,value\nassessments-within-45-days,2027-03,85\nassessments-within-45-days,2027-04,130\n"
        answer = await bu.post(UPLOAD, data={"csrf": csrf_of((await bu.get(UPLOAD)).text)},
                               files={"file": ("values.csv", refused_row.encode(), "text/csv")})
        assert answer.status_code == 400 and "Line 3: 130 is not a percent" in answer.text
        mine = "indicator_id,period,value\nmissing-episodes,2027-03,40\n"
        answer = await csc.post(UPLOAD, data={"csrf": csrf_of((await csc.get(UPLOAD)).text)},
                                files={"file": ("values.csv", mine.encode(), "text/csv")})
        assert answer.status_code == 400 and "Line 2:" in answer.text and "supplied by west-yorkshire-police" in answer.text
        assert await values_recorded(platform) == before

        # A good Excel workbook from the agency lead: every row recorded.
        book = Workbook()
        sheet = book.active
        sheet.append(["Indicator", "Period", "Value"])
        for period, value in (("2027-02", 81.0), ("2027-03", 78.5), ("2027-04", 83.0)):
            sheet.append(["assessments-within-45-days", period, value])
        sheet.append(["repeat-child-protection-plans", "2027-Q1", 21.5])
        data = io.BytesIO()
        book.save(data)
        answer = await csc.post(UPLOAD, data={"csrf": csrf_of((await csc.get(UPLOAD)).text)},
                                files={"file": ("values.xlsx", data.getvalue(), "application/octet-stream")})
        assert answer.status_code == 200, answer.text
        assert "4 values read; 4 recorded, 1 early warning raised" in answer.text
        assert await values_recorded(platform) == before + 4
    finally:
        for client in (bu, police, csc):
            await client.aclose()

    # In the evidence bundle: the values and the warning among reporting's own events, the
    # dashboard as of the period's end showing them; and the bundle verifies on its own.
    await eventually(lambda: caught_up(platform), timeout=30, what="reporting to project the upload")
    exported = await export_evidence(platform.pool, Period(date(2027, 5, 1), date(2027, 5, 10)), tmp_path, [profile],
                                     clock=platform.clock, partnership=CALDERDALE)
    root = exported.directory
    kinds = [json.loads(line)["event_type"] for line in (root / "events/reporting_records.jsonl").read_text().splitlines()]
    assert kinds.count("IndicatorValueRecorded") == 10 and kinds.count("IndicatorEarlyWarningRaised") == 2
    dashboard = next(root.glob("reports/*/dashboard.html")).read_text()
    assert "Performance data" in dashboard and "26.4% (beyond threshold)" in dashboard
    assert verify_bundle(root).intact

    # The same from the command line: a refused row named with its line, then a good file.
    refused_file, good_file = tmp_path / "refused.csv", tmp_path / "good.csv"
    refused_file.write_text("indicator_id,period,value\nmissing-episodes,2027-04,12.5\n")
    good_file.write_text("indicator_id,period,value\nmissing-episodes,2027-04,12\n")
    told_off = await cli(platform, "upload-values", str(refused_file), "--partnership", CALDERDALE, "--agency", POLICE)
    assert told_off.exit_code == 1 and "Line 2: 12.5 is not a whole count" in told_off.output, told_off.output
    done = await cli(platform, "upload-values", str(good_file), "--partnership", CALDERDALE, "--agency", POLICE)
    assert done.exit_code == 0 and "1 values read; 1 recorded" in done.output, done.output


async def cli(platform: RunningPlatform, *args: str) -> Any:
    env = {"SCRUTINY_NATS_URL": platform.settings.nats_url or "", "SCRUTINY_NAMESPACE": platform.settings.namespace, "COLUMNS": "250"}
    return await asyncio.to_thread(CliRunner().invoke, app, ["commands", *args], env=env)


def _count(heard: list[str], event_type: str) -> int:
    return heard.count(event_type)


async def _notified(told: object) -> bool:
    return not any((await told.notifier.behind()).values())  # type: ignore[attr-defined]


async def test_the_pages_showing_performance_data_pass_axe(perf_platform: RunningPlatform, tmp_path: Path) -> None:
    """The dashboard with its charts and tables, the thematic report's quantitative section, the
    board pack's early warning, and the upload page with a refused row: no serious or critical
    violation (WCAG 2.2 AA tags), as the front door's other pages (test_accessibility.py)."""
    chromium = find_chromium()
    try:
        from axe_playwright_python.async_playwright import Axe
    except ImportError:
        pytest.skip("axe-playwright-python is not installed: pip install -e '.[test]'")
    from playwright.async_api import async_playwright

    platform = perf_platform
    reply = await platform.command("reporting", "record-indicator-values", {
        "agency_id": CSC, "values": [{"indicator_id": "re-referrals-12-months", "period": p, "value": v} for p, v in SERIES],
    }, agency=CSC, partnership=CALDERDALE)
    assert reply["status"] == "accepted", reply
    await eventually(lambda: caught_up(platform), timeout=30, what="reporting to project its own records")
    person = await make_person(platform, Role.BUSINESS_UNIT, partnership=CALDERDALE)
    token = await accounts_of(platform).sign_in_link(person.account_id)
    base = await base_url(platform)
    bad = tmp_path / "values.csv"
    bad.write_text("indicator_id,period,value\nre-referrals-12-months,2027-Q1,20\n")
    found: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(f"{base}/sign-in/link/{token}")
            for path in (
                f"/p/{CALDERDALE}/performance",
                f"/p/{CALDERDALE}/reports/thematic?theme=neglect",
                f"/p/{CALDERDALE}/board-pack",
                UPLOAD,
            ):
                response = await page.goto(base + path)
                assert response is not None and response.status == 200, path
                found += await _violations(Axe, page, path)
            await page.set_input_files("#file", str(bad))
            async with page.expect_navigation() as sent:
                await page.click("main form button[type=submit]")
            response = await sent.value
            assert response is not None and response.status == 400
            assert "Line 2:" in await page.content()
            found += await _violations(Axe, page, "upload refused")
        finally:
            await browser.close()
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)


async def _violations(axe: Any, page: Any, name: str) -> list[str]:
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    results = await axe().run(page, options={"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]})
    return [
        f"  {name}: {v['id']} [{v['impact']}] {v['help']}" for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
