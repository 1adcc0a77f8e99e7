"""A profile's yearly reports, each with its own lifecycle (Kent's KSCMP Annual Report and its
Scrutiny, Assurance and Audit Report, drafted and signed off apart, each on its own page
and its own line of the tiered report), and a yearly report begun when a profile could
have only one (its events at v1, with no report id, in the stream of the year alone):
still read as the profile's first, and carried on in its own stream."""

from __future__ import annotations

import urllib.error
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from uuid import uuid4

import asyncpg
import pytest

from services.reporting.adapters.areas import ReportingRecordsProjection
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.records_store import RecordsStore
from services.reporting.adapters.report_pages import render_tiered, render_yearly
from services.reporting.adapters.sources import projection_runner
from shared.catalogue import DomainEvent
from shared.clock import ManualClock
from shared.envelope import Metadata
from shared.mapper import new_envelopes
from shared.waiting import eventually
from tests.integration.test_reports_platform import get_page, ok, settled
from tests.support import platform as support
from tests.support.people import signed_in_headers
from tests.support.platform import RunningPlatform, running_platform

pytestmark = pytest.mark.integration

KENT, NL = "kent", "north-lincolnshire"
NOW = datetime(2027, 4, 8, 10, tzinfo=UTC)
SAA = "scrutiny-assurance-audit-report"


class DraftedAtV1(DomainEvent):
    """YearlyReportDrafted as it was recorded before a profile could name several yearly reports."""

    event_type = "YearlyReportDrafted"
    schema_version = 1
    year: int
    name: str
    period_start: date
    period_end: date
    version: int
    summary: str
    compiled_by: str
    drafted_on: date
    scrutineer: str
    scrutineer_before_publication: bool
    sign_off_by: list[str]


@pytest.fixture
async def yearly_platform(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    clock.set(NOW)
    settings = support.test_settings(nats_url, database, namespace).model_copy(update={"profiles": [KENT, NL]})
    async with running_platform(settings, clock) as running:
        yield running


async def test_each_yearly_report_of_a_profile_has_its_own_lifecycle_and_an_old_one_goes_on(yearly_platform: RunningPlatform) -> None:
    platform = yearly_platform
    # Kent: its annual report (no report named: the profile's first) and the sub-group's report.
    await ok(
        platform, "reporting", "draft-yearly-report", KENT, {"year": 2026, "summary": "The partnership's year", "drafted_on": "2027-04-06"}
    )
    saa = {"year": 2026, "report_id": SAA}
    await ok(platform, "reporting", "draft-yearly-report", KENT, saa | {"summary": "What the audits found", "drafted_on": "2027-04-06"})
    await ok(platform, "reporting", "partners-sign-off-yearly-report", KENT, saa | {
        "group_id": "kscmp-executive", "signatories": ["Executive chair (invented)"], "signed_off_on": "2027-04-07",
    })
    unknown = await platform.command(
        "reporting",
        "draft-yearly-report",
        {"year": 2026, "report_id": "nope", "summary": "s", "drafted_on": "2027-04-06"},
        partnership=KENT,
    )
    assert unknown["error"]["code"] == "unknown_yearly_report" and unknown["error"]["field"] == "report_id"

    # North Lincolnshire: a report drafted at v1 in the stream of the year alone, then commented on now.
    old_stream = "yearly-report:north-lincolnshire:2025"
    v1 = DraftedAtV1(
        year=2025, name="Children's MARS arrangements annual report", period_start=date(2025, 4, 1), period_end=date(2026, 3, 31),
        version=1, summary="The year before", compiled_by="Safeguarding partners", drafted_on=date(2026, 4, 10),
        scrutineer="reviews", scrutineer_before_publication=True, sign_off_by=["safeguarding-partners"],
    )
    store = RecordsStore(platform.pool, platform.clock)
    meta = Metadata(partnership_id=NL, actor="business-unit", correlation_id=uuid4())
    await store.append(old_stream, 0, new_envelopes(old_stream, 0, [v1], meta, datetime(2026, 4, 10, 9, tzinfo=UTC)))
    assert await platform.pool.fetchval("SELECT schema_version FROM reporting_records.events WHERE stream_id = $1", old_stream) == 1
    await ok(platform, "reporting", "comment-on-yearly-report", NL, {
        "year": 2025, "comments": "Say more about impact", "commented_by": "Independent Scrutiny Officer", "commented_on": "2027-04-07",
    })
    streams = [r["stream_id"] for r in await platform.pool.fetch(
        "SELECT stream_id FROM reporting_records.events WHERE partnership_id = $1 ORDER BY position", NL)]
    assert streams == [old_stream, old_stream]  # carried on where it was begun

    await settled(platform)
    profiles = platform.hosts["reporting"].partnerships
    reports = ReportReadModels(platform.pool, "reporting")
    annual = await reports.yearly(profiles.profile(KENT), 2026, NOW)
    audit = await reports.yearly(profiles.profile(KENT), 2026, NOW, SAA)
    assert (annual.name, annual.lifecycle.status, audit.name, audit.lifecycle.status) == (
        "KSCMP Annual Report", "drafted", "Scrutiny, Assurance and Audit Report", "signed-off")
    assert annual.lifecycle.next_steps == ["sign-off by Lead Safeguarding Partners (LSPs)", "publication"]
    assert audit.lifecycle.next_steps == [] and [s.step for s in audit.lifecycle.steps] == ["drafted", "partners-signed-off"]
    old = await reports.yearly(profiles.profile(NL), 2025, NOW)
    assert (old.lifecycle.status, old.lifecycle.summary) == ("scrutineer-commented", "The year before")
    assert [s.step for s in old.lifecycle.steps] == ["drafted", "scrutineer-commented"]
    tiered = render_tiered(await reports.tiered(profiles.profile(KENT), NOW))
    assert "KSCMP Annual Report 2026 (drafted" in tiered and "Scrutiny, Assurance and Audit Report 2026 (signed-off" in tiered

    # Rebuilt from the stores (the v1 event upcast as it is read): the same.
    runner = projection_runner(platform.pool, "yearly_rebuilt_test")
    try:
        await runner.rebuild()
        again = ReportReadModels(platform.pool, "yearly_rebuilt_test")
        assert render_yearly(await again.yearly(profiles.profile(NL), 2025, NOW)) == render_yearly(old)
        assert render_yearly(await again.yearly(profiles.profile(KENT), 2026, NOW, SAA)) == render_yearly(audit)
    finally:
        await runner.drop()

    # Each on its own page: the first at the year alone, another at its id and the year.
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the dashboard to listen")
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/p/{KENT}/reports/yearly"
    headers = await signed_in_headers(platform, partnership=KENT)
    assert "<h1>KSCMP Annual Report 2026/27</h1>" in await get_page(f"{base}/2026", headers)
    page = await get_page(f"{base}/{SAA}/2026", headers)
    assert "<h1>Scrutiny, Assurance and Audit Report 2026/27</h1>" in page and f"reports/yearly/{SAA}/2026?format=docx" in page
    with pytest.raises(urllib.error.HTTPError) as missing:
        await get_page(f"{base}/nope/2026", headers)
    assert missing.value.code == 404


async def test_the_yearly_report_tables_of_an_older_read_model_are_keyed_by_report_in_place(database: str) -> None:
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        await pool.execute(  # the tables as they were, with a row
            "CREATE SCHEMA old; CREATE TABLE old.yearly_reports (partnership_id text NOT NULL, year integer NOT NULL,"
            " name text NOT NULL, PRIMARY KEY (partnership_id, year));"
            " CREATE TABLE old.yearly_report_steps (event_id uuid PRIMARY KEY, partnership_id text NOT NULL, year integer NOT NULL,"
            " position bigint NOT NULL);"  # position: the table always had it, and the pages' index now reads it
            " INSERT INTO old.yearly_reports VALUES ('kent', 2026, 'KSCMP Annual Report')"
        )
        for _ in range(2):  # as every start-up does
            await pool.execute(ReportingRecordsProjection().ddl("old"))
        key = await pool.fetchval(
            "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i JOIN pg_attribute a"
            " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'old.yearly_reports'::regclass AND i.indisprimary"
        )
        assert key == ["partnership_id", "report_id", "year"]
        assert await pool.fetchval("SELECT report_id FROM old.yearly_reports") == ""  # the first report's, as it was recorded
        await pool.execute("INSERT INTO old.yearly_reports VALUES ('kent', 2026, 'Scrutiny, Assurance and Audit Report', 'saa')")
    finally:
        await pool.close()
