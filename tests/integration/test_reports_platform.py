"""The reports through the real platform (NATS and PostgreSQL): activity recorded by the
other services, indicators rated on Kent's tiers citing it, a thematic report on
Calderdale's template, a yearly report taken through draft, the scrutineer's comments
and sign-off, the partners' sign-off (a step out of order refused and dead-lettered)
and publication, a risk register; each report rendered, served by the dashboard and
written by the command line; and a report rendered as of a past date (the projections
rebuilt from the events recorded by then) equal to what was rendered then."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.dashboard_pages import Page, page_for
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.report_pages import (
    render_risks,
    render_thematic,
    render_tiered,
    render_yearly,
)
from services.reporting.adapters.sources import projection_runner
from shared import london
from shared.clock import ManualClock
from shared.messaging.deadletters import CODE_HEADER
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.people import signed_in_headers
from tests.support.platform import RunningPlatform, running_platform

pytestmark = pytest.mark.integration

KENT, CALDERDALE, SOMERSET = "kent", "calderdale", "somerset"
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
T1 = datetime(2027, 4, 6, 10, tzinfo=UTC)
T2 = datetime(2027, 4, 20, 10, tzinfo=UTC)
STORES = {"section11": "section11", "events": "events", "reviews": "reviews", "reporting": "reporting_records"}


def somerset_with_the_executives_sign_off(folder: Path) -> Path:
    """Somerset's profile, its Executive also signing the twelve-monthly report off, so that
    one report passes every step: the scrutineer's comments and sign-off, then a group's."""
    text = (Path(__file__).parents[2] / "shared/profiles/data/somerset.yaml").read_text()
    old = "      scrutineer_comments_to: sscp-executive\n      signed_off_by: []\n"
    assert old in text
    path = folder / "somerset.yaml"
    path.write_text(text.replace(old, "      scrutineer_comments_to: sscp-executive\n      signed_off_by: [sscp-executive]\n"))
    return path


@pytest.fixture
async def reports_platform(
    nats_url: str, database: str, namespace: str, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[RunningPlatform]:
    clock.set(T0)
    profiles = [KENT, CALDERDALE, str(somerset_with_the_executives_sign_off(tmp_path))]
    settings = support.test_settings(nats_url, database, namespace).model_copy(update={"profiles": profiles})
    async with running_platform(settings, clock) as running:
        yield running


async def ok(platform: RunningPlatform, service: str, command: str, partnership: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = await platform.command(service, command, body, partnership=partnership)
    assert reply["status"] == "accepted", reply
    return reply


async def caught_up(platform: RunningPlatform) -> bool:
    runner = platform.wired["reporting"].runner
    for source, schema in STORES.items():
        head = await platform.pool.fetchval(f"SELECT coalesce(max(position), 0) FROM {schema}.events")
        if await runner.checkpoint(source) < head:
            return False
    return True


async def settled(platform: RunningPlatform) -> None:
    """Every deadline due by the clock raised, and every event projected."""
    for service in ("section11", "events", "reviews"):
        await platform.wired[service].watcher.tick()
    await eventually(lambda: caught_up(platform), timeout=30, what="the projections to reach every store's head")


async def record_the_year(platform: RunningPlatform) -> None:
    """Up to 2 November 2026: Kent's Section 11 cycle and a peer review, Calderdale's work on
    neglect (an audit round, practitioners, young advisors, a holistic self-assessment and its
    action), a Somerset safeguarding conversation."""
    assert (await platform.open_cycle(partnership=KENT))["status"] == "accepted"
    assert (await platform.submit("kent-police", partnership=KENT))["status"] == "accepted"
    await ok(platform, "events", "conclude", KENT, {
        "assurance_event_id": "pr-2026", "activity_type": "peer-review", "title": "Peer review of the partnership",
        "held_on": "2026-10-14", "strengths": ["Shared priorities"], "recorded_by": "Business team (invented)",
    })
    await ok(platform, "reviews", "open-audit-round", CALDERDALE, {
        "audit_id": "maca-neglect", "theme": "Neglect", "period_start": "2026-10-01",
        "cases": [{"case_ref": "case-n7q2", "open_on": "2026-09-15"}], "agencies": ["cmbc-childrens-social-care", "west-yorkshire-police"],
    })
    await ok(platform, "reviews", "grade-audit-case", CALDERDALE, {
        "audit_id": "maca-neglect", "case_ref": "case-n7q2", "agency_id": "west-yorkshire-police", "grade": "requires-improvement",
        "strengths": ["Voice of the child recorded"], "areas_for_improvement": ["Neglect toolkit not used"],
    })
    await ok(platform, "reviews", "conclude-audit-round", CALDERDALE, {
        "audit_id": "maca-neglect", "concluded_on": "2026-11-02", "findings": ["Chronologies missing in two of three agencies"],
    })
    concluded = [
        (
            "pfg-neglect",
            "practitioner-focus-groups",
            "Practitioner focus group on neglect",
            ["Escalation route known"],
            ["Caseloads stop home visits"],
        ),
        ("ya-neglect", "young-advisors", "Young Advisors on neglect", ["Young people feel listened to"], []),
        ("ta-neglect", "thematic-assurance", "Holistic self-assessment: neglect", [], ["No shared neglect screening tool"]),
    ]
    for event_id, activity, title, strengths, areas in concluded:
        await ok(platform, "events", "conclude", CALDERDALE, {
            "assurance_event_id": event_id, "activity_type": activity, "title": title, "held_on": "2026-10-20", "theme": "Neglect",
            "strengths": strengths, "areas_for_development": areas, "recorded_by": "CSCP Manager (invented)",
        })
    await ok(platform, "reviews", "raise-action", CALDERDALE, {
        "action_id": "act-neglect-tool", "title": "Adopt one neglect screening tool", "owner_agency_id": "cmbc-childrens-social-care",
        "due_on": "2027-06-30", "source_type": "assurance-event", "source_id": "ta-neglect", "raised_by": "CSCP Executive",
    })
    await ok(platform, "events", "conclude", SOMERSET, {
        "assurance_event_id": "conv-1", "activity_type": "safeguarding-conversations", "title": "Safeguarding conversation: early help",
        "held_on": "2026-10-21", "areas_for_development": ["Share chronologies earlier"], "recorded_by": "Business Unit (invented)",
    })


async def render_all(platform: RunningPlatform, schema: str, as_of: datetime, base_url: str | None = None) -> dict[str, str]:
    """The four reports as files, or (`base_url` given) as the dashboard serves them today."""
    reports, profiles = ReportReadModels(platform.pool, schema), platform.hosts["reporting"].partnerships

    def web(partnership: str, path: str) -> Page | None:
        if base_url is None:
            return None
        return page_for(profiles.profile(partnership), f"/p/{partnership}/{path}", london.today(platform.clock))

    return {
        "tiered": render_tiered(await reports.tiered(profiles.profile(KENT), as_of), page=web(KENT, "reports/tiered")),
        "thematic": render_thematic(await reports.thematic(profiles.profile(CALDERDALE), "neglect", as_of),
                                    page=web(CALDERDALE, "reports/thematic")),
        "yearly": render_yearly(await reports.yearly(profiles.profile(SOMERSET), 2026, as_of), page=web(SOMERSET, "reports/yearly/2026")),
        "risks": render_risks(await reports.risks(profiles.profile(KENT), as_of), page=web(KENT, "risks")),
    }


async def test_the_reports_from_the_records_signed_off_in_order_and_as_of_a_past_date(
    reports_platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    platform = reports_platform
    await record_the_year(platform)

    # Kent: indicators rated on the evidence just recorded; a citation of nothing refused.
    rated = await ok(platform, "reporting", "rate-indicator", KENT, {
        "indicator_id": "audits-lead-to-change", "rating": "limited", "rationale": "One cycle open; no change shown yet",
        "evidence": [{"kind": "s11-cycle", "id": "2026-27"}, {"kind": "assurance-event", "id": "pr-2026"}],
        "rated_on": "2026-11-02", "rated_by": "Business team (invented)",
    })
    unknown = await platform.command("reporting", "rate-indicator", {
        "indicator_id": "audits-lead-to-change", "rating": "moderate", "rationale": "r",
        "evidence": [{"kind": "audit-round", "id": "no-such-round"}], "rated_on": "2026-11-02", "rated_by": "BU",
    }, partnership=KENT)
    assert unknown["error"]["code"] == "unknown_evidence" and unknown["error"]["field"] == "evidence[0].id"
    await ok(platform, "reporting", "record-risk", KENT, {
        "risk_id": "data-sharing", "title": "Agencies do not share data for the dashboard", "description": "Dashboard incomplete",
        "owner": "kscmp-executive", "inherent": {"likelihood": 4, "impact": 4}, "current": {"likelihood": 3, "impact": 4},
        "target": {"likelihood": 2, "impact": 3}, "recorded_on": "2026-11-02", "review_on": "2027-02-01",
    })

    # Somerset, after the year ends: draft, the scrutineer's comments, a sign-off out of order, then in order.
    clock.set(T1)
    year = {"year": 2026}
    await ok(platform, "reporting", "draft-yearly-report", SOMERSET, year | {"summary": "A year of rebuilding", "drafted_on": "2027-04-06"})
    await ok(platform, "reporting", "comment-on-yearly-report", SOMERSET, year | {
        "comments": "Clear on impact; say more about early help", "commented_by": "Independent Scrutineer", "commented_on": "2027-04-06",
    })
    executive = year | {"group_id": "sscp-executive", "signatories": ["Executive chair (invented)"], "signed_off_on": "2027-04-06"}
    early = await platform.command("reporting", "partners-sign-off-yearly-report", executive, partnership=SOMERSET)
    assert early["status"] == "refused" and early["error"]["code"] == "out_of_order"
    assert "the independent scrutineer's sign-off comes before" in early["error"]["message"]
    await ok(platform, "reporting", "scrutineer-sign-off-yearly-report", SOMERSET, year | {
        "signed_off_by": "Independent Scrutineer", "signed_off_on": "2027-04-06",
    })
    await ok(platform, "reporting", "partners-sign-off-yearly-report", SOMERSET, executive)
    await settled(platform)
    then = await render_all(platform, "reporting", T1)

    assert "Limited assurance" in then["tiered"] and f"event {rated['events'][0]['event_id']}" in then["tiered"]
    assert "Section 11 cycle 2026-27" in then["tiered"] and "Peer review of the partnership" in then["tiered"]
    assert "Agencies do not share data for the dashboard (open" in then["tiered"] and "Risk data-sharing" in then["tiered"]
    assert "4 of 5 present; missing: <span class=\"missing\">Quantitative data</span>" in then["thematic"]
    for wanted in ("Chronologies missing in two of three agencies", "Caseloads stop home visits", "Adopt one neglect screening tool",
                   "Young Advisors on neglect", "Section 11 returns and cycles carry no theme"):
        assert wanted in then["thematic"], wanted
    assert "Twelve-monthly report 2026/27" in then["yearly"] and "Waiting for: publication (SSCP website)" in then["yearly"]
    assert "Safeguarding conversation: early help" in then["yearly"] and "Share chronologies earlier" in then["yearly"]
    assert "12 · High" in then["risks"] and "review overdue" in then["risks"]

    # The refused step is kept in the dead letters with its reason.
    js = platform.nc.jetstream()
    parked = await js.get_last_msg(platform.subjects.deadletter_stream, platform.subjects.deadletter("reporting", SOMERSET))
    assert parked.headers is not None and parked.headers[CODE_HEADER] == "out_of_order"

    # A fortnight later: published, another rating, more on the theme, the risk closed.
    clock.set(T2)
    await ok(platform, "reporting", "publish-yearly-report", SOMERSET, year | {"published_on": "2027-04-20", "link": "https://example.org/sscp-2026-27"})
    await ok(platform, "reporting", "rate-indicator", KENT, {
        "indicator_id": "audits-lead-to-change", "rating": "moderate", "rationale": "Returns led to a revised escalation policy",
        "evidence": [{"kind": "s11-cycle", "id": "2026-27"}], "rated_on": "2027-04-20", "rated_by": "Business team (invented)",
    })
    await ok(platform, "events", "conclude", CALDERDALE, {
        "assurance_event_id": "perf-neglect", "activity_type": "performance-data", "title": "Neglect indicators, quarter 4",
        "held_on": "2027-04-15", "theme": "neglect", "recorded_by": "CSCP Manager (invented)",
    })
    await ok(platform, "reporting", "close-risk", KENT, {"risk_id": "data-sharing", "closed_on": "2027-04-20", "reason": "Dashboard live"})
    await settled(platform)
    now = await render_all(platform, "reporting", T2)
    assert "Waiting for" not in now["yearly"] and "published" in now["yearly"]
    assert "improved since the previous rating" in now["tiered"]
    assert "5 of 5 present" in now["thematic"] and "No open risk on the register." in now["risks"]

    # As of T1, rebuilt from the stores: exactly what was rendered then.
    runner = projection_runner(platform.pool, "reports_as_of_test")
    try:
        await runner.rebuild(recorded_until=T1)
        assert await render_all(platform, "reports_as_of_test", T1) == then
    finally:
        await runner.drop()

    # The dashboard serves the same reports, as of today or of a past day.
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the dashboard to listen")
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    headers = {p: await signed_in_headers(platform, partnership=p) for p in (KENT, CALDERDALE, SOMERSET)}

    async def get(url: str) -> str:
        return await get_page(url, headers[url.split("/p/")[1].split("/")[0]])

    # on the web in the dashboard's frame (its navigation, the as-of picker, evidence one link away)
    served = await render_all(platform, "reporting", clock.now(), base_url="")
    assert await get(f"{base}/p/{KENT}/reports/tiered") == served["tiered"]
    assert await get(f"{base}/p/{CALDERDALE}/reports/thematic?theme=neglect") == served["thematic"]
    assert await get(f"{base}/p/{SOMERSET}/reports/yearly/2026") == served["yearly"]
    assert await get(f"{base}/p/{KENT}/risks") == served["risks"]
    assert "Neglect</a> · 5 records" in await get(f"{base}/p/{CALDERDALE}/reports/thematic")
    as_of = await get(f"{base}/p/{SOMERSET}/reports/yearly/2026?as_of=2027-04-06")
    assert "Waiting for: publication (SSCP website)" in as_of
    for path, code in ((f"/p/{SOMERSET}/reports/yearly/last", 400), (f"/p/{CALDERDALE}/reports/thematic?theme=x&template=nope", 404)):
        with pytest.raises(urllib.error.HTTPError) as failed:
            await get(base + path)
        assert failed.value.code == code

    # And the command line writes them, live or as of a date.
    written = await cli(
        "report", "thematic", "--profile", CALDERDALE, "--theme", "Neglect", "--out", str(tmp_path), database=platform.settings.database_url
    )
    assert "CSCP Thematic Assurance Report: Neglect" in (tmp_path / "thematic-report-calderdale-neglect.html").read_text(), written
    somerset = platform.settings.profiles[2]
    await cli(
        "report",
        "yearly",
        "--profile",
        somerset,
        "--year",
        "2026",
        "--as-of",
        "2027-04-06",
        "--out",
        str(tmp_path),
        database=platform.settings.database_url,
    )
    assert "Waiting for: publication" in (tmp_path / "yearly-report-somerset-2026.html").read_text()
    refused = await cli(
        "report", "thematic", "--profile", CALDERDALE, "--theme", "x", "--template", "nope", database=platform.settings.database_url
    )
    assert refused.exit_code == 2 and "thematic-assurance-report" in refused.output


async def get_page(url: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(url, headers=headers)
    return await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=60).read().decode())


async def cli(*args: str, database: str | None) -> Any:
    env = {"SCRUTINY_DATABASE_URL": database or "", "COLUMNS": "200"}
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)
    assert result.exit_code in (0, 2), result.output
    return result
