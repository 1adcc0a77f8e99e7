"""Every shipped profile plays its demo year without error, on one platform serving all
five partnerships (the four services in this process, on the demo's clock: the five years
played side by side, day by day, then handed back to a clock fixed at noon on the end
date), and the year shows in the read models as the story tells it."""

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest

from services.platform import demo
from services.reporting.adapters.areas.scrutiny.queries import read_workspace
from services.reporting.adapters.pdf import CHROMIUM, renderer
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.scrutiny_pages import (
    annual_report_docx,
    annual_report_pdf,
    render_annual_report,
)
from services.reporting.domain.views.figures import counts
from services.reporting.domain.views.scrutiny import build_annual_report
from shared.clock import ManualClock
from shared.messaging.subjects import Subjects
from shared.planner import RUN_ELSEWHERE, RUN_HERE
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.roles import Role
from shared.runtime.demo_clock import clock_bucket, write_moment
from shared.waiting import eventually
from tests.support import backends
from tests.support.figures import Seen, add_narration, add_pdf, walk_pages
from tests.support.pdf_pages import assert_readable_pack, pdf_text, tags
from tests.support.people import client_for, make_person
from tests.support.platform import RunningPlatform, running_platform
from tests.support.platform import test_settings as settings_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROFILES = ("north-lincolnshire", "calderdale", "hertfordshire", "kent", "somerset")
UNTIL = date(2026, 11, 20)
SEED = 7


@dataclass
class Shared:
    platform: RunningPlatform
    database_url: str
    out: Path
    results: dict[str, demo.DemoResult]
    narration: dict[str, list[str]]


@pytest.fixture(scope="module")
async def shared(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shared]:
    """One platform for the five partnerships, started on the demo's clock at the start of
    the year, its own clock at noon on the end date; the five years played."""
    name = backends.new_database_name()
    url = await backends.create_database(database_url, name)
    namespace = backends.new_namespace()
    settings = settings_for(nats_url, url, namespace).model_copy(
        update={"profiles": list(PROFILES), "deadline_interval_seconds": 0.5, "demo_clock": True}
    )
    clock = ManualClock(datetime(UNTIL.year, UNTIL.month, UNTIL.day, 12, 0, tzinfo=UTC))
    out = tmp_path_factory.mktemp("demo-packs")
    try:
        nc = await nats.connect(nats_url)
        try:
            await write_moment(await clock_bucket(nc.jetstream(), Subjects(namespace)), demo.year_starts(UNTIL))
        finally:
            await nc.close()
        narration: dict[str, list[str]] = {p: [] for p in PROFILES}

        def narrate(line: str) -> None:  # "<partnership>: <line>", or a month's heading shared by all
            partnership, _, said = line.partition(": ")
            if partnership in narration:
                narration[partnership].append(said)

        async with running_platform(settings, clock) as platform:
            played = await demo.play_years(
                nats_url, url, platform.subjects, [load_builtin(p) for p in PROFILES], clock, out, seed=SEED, until=UNTIL,
                progress=narrate,
            )
            yield Shared(platform, url, out, {r.partnership_id: r for r in played}, narration)
    finally:
        await backends.delete_streams(nats_url, namespace)
        await backends.drop_database(database_url, name)


async def _rows(pool: asyncpg.Pool, sql: str, partnership: str) -> list[asyncpg.Record]:
    return await pool.fetch(sql, partnership)


@pytest.mark.parametrize("profile_id", PROFILES)
async def test_the_profile_plays_its_year_and_reporting_shows_it(shared: Shared, profile_id: str) -> None:
    profile = load_builtin(profile_id)
    platform = shared.platform
    result = shared.results[profile_id]
    narration = shared.narration[profile_id]
    pool, p = platform.pool, profile_id

    # Section 11: returns received, most on time, some late (and, on a larger partnership, overdue); risks flagged.
    returns = {
        r["status"]: r["n"]
        for r in await _rows(pool, "SELECT status, count(*) AS n FROM reporting.s11_returns WHERE partnership_id = $1 GROUP BY status", p)
    }
    assert returns.get("late", 0) >= 1, returns
    assert returns.get("submitted", 0) > returns["late"], returns
    assert returns.get("late", 0) == result.section11.late and returns.get("overdue", 0) == result.section11.overdue
    assert sum(returns.values()) == len(profile.agencies)
    flags = await _rows(pool, "SELECT agency_id, domain_id FROM reporting.s11_risk_flags WHERE partnership_id = $1 AND open", p)
    assert {(f["agency_id"], f["domain_id"]) for f in flags} == {(a, d) for a, d, _ in result.section11.risk_domains}
    assert await pool.fetchval("SELECT count(*) FROM reporting.s11_amendments WHERE partnership_id = $1", p) == 1
    assert await pool.fetchval("SELECT count(*) FROM reporting.s11_confidence_gaps WHERE partnership_id = $1", p) >= 1
    if profile.section11.peer_challenge is not None:
        assert await pool.fetchval("SELECT count(*) FROM reporting.s11_workshops WHERE partnership_id = $1", p) >= 1

    # Assurance events: those of the planner held and concluded, one held today through its whole lifecycle.
    concluded = {
        r["assurance_event_id"]
        for r in await _rows(pool, "SELECT assurance_event_id FROM reporting.assurance_events WHERE partnership_id = $1", p)
    }
    assert concluded == {*result.assurance.held, result.assurance.held_today, *result.activities.presented}
    assert result.assurance.held_today is not None and len(result.assurance.agreed_actions) == 2
    lifecycle = {
        r["assurance_event_id"]: r["status"]
        for r in await _rows(pool, "SELECT assurance_event_id, status FROM reporting.assurance_lifecycle WHERE partnership_id = $1", p)
    }
    assert all(lifecycle[e] == "scheduled" for e in result.assurance.scheduled), lifecycle
    assert all(lifecycle[e] == "cancelled" for e in result.assurance.cancelled), lifecycle
    # The events service's planner of the year: every slot of a month gone by held (or slipped), none left planned.
    planner = (await platform.request(
        platform.subjects.operator_command("events", "planner", p), {"start": "2025-12", "months": 12, "as_of": str(UNTIL)},
    ))["planner"]
    past = [slot for month in planner["months"] if month["month"] < "2026-11" for slot in month["planned"] if slot["status"] != "elsewhere"]
    assert {slot["status"] for slot in past} <= {"held", "slipped", "missed"}, past
    assert sum(slot["status"] == "slipped" for slot in past) == (
        len(result.assurance.slipped) + len(result.assurance.cancelled) + len(result.activities.slipped)
    )
    assert sum(slot["status"] == "missed" for slot in past) == len(result.activities.missed)
    # Every other activity (issue 16) occurred: each at its cadence (one every two years when its
    # year is this one), or once where held as required; the planner answers for every activity.
    slotted = {slot["activity_type"] for month in planner["months"] for slot in month["planned"]}
    own = {a.id for a in profile.activities if a.kind not in RUN_HERE and a.kind not in RUN_ELSEWHERE}
    assert result.activities.activities == {a.id for a in profile.activities if a.id in own and (a.id in slotted or a.cadence.as_required)}
    assert {c["activity_type"] for c in planner["commitments"]} == {a.id for a in profile.activities}
    assert all(lifecycle[e] in ("scheduled", "slipped") for e in result.activities.due), lifecycle
    if profile_id == "north-lincolnshire":  # its planner: agency-specific and thematic events, line of sight, peer review
        assert len(result.assurance.held) >= 8 and result.assurance.planned >= 10
        assert result.section11.call_in in lifecycle  # proposed by the events service from Section 11, then scheduled

    # Reviews: a rapid review decided (one late, one on time) and a CSPR commissioned; an audit round concluded.
    clocks = {
        (r["kind"], r["review_id"]): r for r in await _rows(pool, "SELECT * FROM reporting.review_clocks WHERE partnership_id = $1", p)
    }
    first, second = result.reviews.incidents
    assert clocks[("rapid-review", first)]["outcome"] == "local-cspr" and clocks[("rapid-review", first)]["late"] is True
    assert clocks[("rapid-review", second)]["late"] is False
    # Under way: open, or warned at risk where its due date is under four weeks off.
    assert clocks[("cspr", result.reviews.cspr)]["status"] in ("open", "at-risk")
    assert clocks[("thematic-review", result.reviews.thematic)]["change_reason"]
    assert clocks[("audit-round", result.reviews.concluded_audit)]["status"] == "concluded"
    assert clocks[("audit-round", result.reviews.audits[-1])]["status"] == "open"
    assert await pool.fetchval("SELECT count(*) FROM reporting.safeguarding_concerns WHERE partnership_id = $1", p) == 1

    # Actions: raised from every source, some signed off, some overdue, some open; the impact log.
    actions = {
        r["status"]: r["n"]
        for r in await _rows(pool, "SELECT status, count(*) AS n FROM reporting.actions WHERE partnership_id = $1 GROUP BY status", p)
    }
    assert actions.get("signed-off", 0) >= 1 and actions.get("overdue", 0) >= 1 and actions.get("open", 0) >= 1, actions
    assert sum(actions.values()) == (len(result.actions.fates) + len(result.assurance.agreed_actions) + len(result.activities.actions)
                                     + len(result.meetings.actions))
    assert await pool.fetchval("SELECT count(*) FROM reporting.impact_log WHERE partnership_id = $1", p) == 1

    # Performance data: a year of values of each indicator the profile declares, one crossing
    # its threshold, the early warning among the board pack's exceptions (issue 17 item 1).
    indicators = profile.reporting.performance.indicators
    recorded = await pool.fetchval("SELECT count(*) FROM reporting.indicator_values WHERE partnership_id = $1", p)
    assert recorded == result.indicators.values and set(result.indicators.periods) == {i.id for i in indicators}
    if indicators:
        warned = await _rows(pool, "SELECT indicator_id, reason FROM reporting.indicator_warnings WHERE partnership_id = $1", p)
        assert (result.indicators.crossing, "threshold") in {(w["indicator_id"], w["reason"]) for w in warned}
        assert all(len(periods) >= 1 for periods in result.indicators.periods.values())
        assert "Early warning" in html.unescape(result.board_pack.read_text())
    if profile_id == "calderdale":  # section 1 of the thematic report, "What do we know", from the indicators
        report = await ReportReadModels(pool).thematic(profile, "neglect", platform.clock.now())
        first = report.sections[0]
        assert first.id == "what-do-we-know" and not first.empty
        assert any(line.text.startswith("Re-referrals to children's social care within 12 months (%): ") for line in first.lines)
        assert "Quantitative data" in [e.name for e in report.present]
    if profile_id == "kent":  # tiers one and two's Partnership Data Dashboard
        tiered = await ReportReadModels(pool).tiered(profile, platform.clock.now())
        assert {t.id: len(t.figures) for t in tiered.tiers} == {"operational": 3, "strategic": 2, "independent-and-oversight": 0}
        dashboards = {
            tool.id: tool for t in tiered.tiers for tool in t.tools if tool.id in ("single-agency-data", "partnership-data-dashboard")
        }
        assert dashboards["single-agency-data"].records >= 3 and dashboards["partnership-data-dashboard"].records >= 2

    # Independent scrutiny: the register, challenges answered and open, recommendations acted upon or not; the
    # scrutineer's annual report of the year signed off and published, as HTML, PDF and Word.
    facts = result.scrutiny
    assert facts is not None and facts.report_year is not None

    async def scrutiny_projected() -> bool:
        return await pool.fetchval("SELECT count(*) FROM reporting.scrutineer_reports WHERE partnership_id = $1"
                                   " AND published_on IS NOT NULL", p) == 1

    await eventually(scrutiny_projected, timeout=60, what="the scrutineer's work to be projected")
    await eventually(lambda: _all_recommendations(pool, p, len(facts.recommendations)), timeout=60, what="every recommendation")
    workspace = await read_workspace(pool, "reporting", profile, platform.clock.now())
    assert {c.challenge_id for c in workspace.challenges} == set(facts.challenges)
    assert [c.challenge_id for c in workspace.open_challenges] == ["ch-cycle"]
    assert workspace.acted_upon == (1, 3) and len(workspace.names()) == 2 and len(workspace.conflicts) == 1
    report = build_annual_report(workspace, facts.report_year)
    assert report.sign_off is not None and report.sign_off.published_on is not None and report.appointments
    assert "annual report" in render_annual_report(report) and annual_report_pdf(report).startswith(b"%PDF")
    assert annual_report_docx(report).startswith(b"PK")

    # Nothing the demo sent was refused, nothing a service reacted to was parked.
    js = platform.nc.jetstream()
    parked = await js.stream_info(platform.subjects.deadletter_stream, subjects_filter=f"{platform.subjects.namespace}.{p}.dlq.>")
    assert not parked.state.subjects, parked.state.subjects

    # Rolling reports (issue 16 item 3): each scheduled report presented (or one missed) as recorded.
    async def rolling_projected() -> bool:
        rows = await pool.fetchval("SELECT count(*) FROM reporting.rolling_report_records WHERE partnership_id = $1", p)
        return rows == len(result.activities.reports_presented) + len(result.activities.reports_missed)

    await eventually(rolling_projected, timeout=60, what="reporting to project the rolling reports")

    # The calendar of meetings (issue 16 item 4): the Board and a subgroup met at the profile's
    # cadence; a meeting's page has its agenda, links its pack and shows the action raised at it.
    met = result.meetings
    assert met.held and met.scheduled and met.actions

    async def meetings_projected() -> bool:
        rows = await pool.fetchval("SELECT count(*) FROM reporting.meetings WHERE partnership_id = $1", p)
        return rows == len(met.held) + len(met.scheduled)

    await eventually(meetings_projected, timeout=60, what="reporting to project the calendar of meetings")
    first = met.actions[0].removesuffix("-a1")
    meeting = await BoardPackReadModels(pool, "reporting").meeting_page(profile, first, platform.clock.now())
    assert meeting is not None and meeting.meeting.status == "held" and meeting.pack_path.startswith("board-pack?meeting=")
    await eventually(lambda: _meeting_has_action(pool, profile, first, platform), timeout=60, what="the meeting's action")

    # The board pack, as HTML and PDF; it and the dashboard's planner answer for every activity.
    pack = html.unescape(result.board_pack.read_text())
    assert f"Board pack: {profile.name}" in pack
    assert all(a.name in pack for a in profile.activities), [a.name for a in profile.activities if a.name not in pack]
    from services.reporting.adapters.read_models import ReadModels

    dashboard = await ReadModels(pool).dashboard(profile, platform.clock.now())
    assert dashboard.planner is not None
    assert {c.activity_type for c in dashboard.planner.commitments} == {a.id for a in profile.activities}
    assert result.board_pack_pdf.read_bytes().startswith(b"%PDF")
    # The PDF a Board member reads: no page under a fifth full, every agency's name whole, tagged when Chromium printed it.
    assert_readable_pack(result.board_pack_pdf, [a.name for a in profile.agencies], result.board_pack_pdf.parent)
    found = tags(result.board_pack_pdf)
    assert found.title and found.title.startswith(f"Board pack — {profile.name}")
    if renderer() == CHROMIUM:
        assert found.marked and found.struct_tree and found.lang == "en-GB", found
    else:
        assert "not tagged" in result.pdf_note  # the demo command prints it beside the PDF's path

    await _every_figure_has_one_value(platform, profile, result, narration)


async def _every_figure_has_one_value(platform: RunningPlatform, profile: FrameworkProfile, result: demo.DemoResult,
                                      narration: list[str]) -> None:
    """Each headline figure reads the same on every page reached from the dashboard's navigation, in
    the board pack (its page, the HTML and PDF files, its action chart's last point) and in the
    narration; the pages that show Section 11 risk flags or the risk register say what each counts."""
    seen = Seen()
    person = await make_person(platform, Role.BUSINESS_UNIT, partnership=profile.id)
    client = await client_for(platform, person)
    try:
        pages = await walk_pages(client, profile.id, seen)
    finally:
        await client.aclose()
    dashboard = f"/p/{profile.id}"
    assert {"open-actions", "overdue-actions", "open-risk-flags", "agencies-returned"} <= seen.keys_on(dashboard)
    assert {f"{dashboard}/board-pack", f"{dashboard}/risks"} <= set(pages), pages
    assert {"open-actions", "overdue-actions", "open-risk-flags"} <= seen.keys_on(f"{dashboard}/board-pack")
    seen.add_page("board pack file", result.board_pack.read_text())
    add_pdf(seen, " ".join(pdf_text(result.board_pack_pdf)))
    add_narration(seen, narration)
    pack = await BoardPackReadModels(platform.pool).board_pack(
        profile, result.group_id, result.until, platform.clock.now()
    )
    seen.add("board pack action chart (last month)", "overdue-actions", pack.action_trend[-1].overdue)
    for key, value in vars(result.headline).items():
        seen.add("demo result", key.replace("_", "-").replace("submitted", "returned"), value)
    seen.assert_one_value()
    # Two registers that differ by design each say what they count.
    assert seen.keys_on(f"{dashboard}/risks") >= {"open-risks"}
    assert counts("open-risks") in seen.text[f"{dashboard}/risks"]
    # (the risk flags are an area of their own: the overview's tile opens the page that says it)
    assert counts("open-risk-flags") in seen.text[f"{dashboard}/risk-flags"]
    assert counts("open-risk-flags") in seen.text[f"{dashboard}/board-pack"]


async def _all_recommendations(pool: asyncpg.Pool, partnership: str, count: int) -> bool:
    return await pool.fetchval("SELECT count(*) FROM reporting.scrutiny_recommendations WHERE partnership_id = $1", partnership) == count


async def test_no_demo_year_leaves_a_dead_letter(shared: Shared) -> None:
    """Once every service has consumed every event of the five years above (the events
    service's reactions to Section 11 among them), the dead-letter stream holds nothing."""
    platform = shared.platform
    js = platform.nc.jetstream()
    streams = [platform.subjects.stream(s) for s in ("section11", "events", "reviews", "reporting")]

    async def consumed() -> bool:
        for stream in streams:
            for consumer in await js.consumers_info(stream):
                if consumer.num_pending or consumer.num_ack_pending:
                    return False
        return True

    await eventually(consumed, timeout=120, what="every consumer to have taken every event")
    parked = await js.stream_info(platform.subjects.deadletter_stream)
    assert parked.state.messages == 0, (await js.stream_info(platform.subjects.deadletter_stream, subjects_filter=">")).state.subjects


async def _meeting_has_action(pool: Any, profile: Any, meeting_id: str, platform: Any) -> bool:
    page = await BoardPackReadModels(pool, "reporting").meeting_page(profile, meeting_id, platform.clock.now())
    return page is not None and len(page.actions) == 1
