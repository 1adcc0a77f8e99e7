"""As of a date: a page rendered as of a past day equals the page rendered live on that day.

The ManualClock stands at 09:00 on Monday 2 November 2026: the pages are rendered live,
then the clock moves to the Wednesday and more is recorded (an amendment clears the police's
risk flag, another agency returns, another action is raised); the pages as of 2 November
must then show exactly what the live ones showed, save the line saying when they stand."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.as_of import AsOfSchemas, FutureDate
from shared.clock import ManualClock
from tests.support.dashboard import (
    HOSPITALS,
    POLICE,
    fetch,
    main_of,
    ok,
    page,
    projected,
    record_activity,
)
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

MONDAY = "2026-11-02"
OVERVIEW, ACTIONS = f"/p/{PARTNERSHIP}", f"/p/{PARTNERSHIP}/actions"
PAGES = [OVERVIEW, ACTIONS, f"/p/{PARTNERSHIP}/section11", f"/p/{PARTNERSHIP}/agency/{POLICE}", f"/p/{PARTNERSHIP}/agency/{HOSPITALS}"]


async def record_more(platform: RunningPlatform) -> str:
    """Wednesday's records; returns the id of the amendment."""
    amended = ok(await platform.command("section11", "amend", {
        "agency_id": POLICE, "cycle_id": CYCLE,
        "answers": {f"cc-{s}": {"rating": 3} for s in ("voice-of-the-child", "professional-challenge")},
        "reason": "Escalation policy re-issued and audited", "amended_by": "Detective superintendent, safeguarding",
    }, agency=POLICE))
    ok(await platform.submit("nlc-housing", {"culture-and-challenge": 1}))
    ok(await platform.command("reviews", "raise-action", {
        "action_id": "act-housing-1", "title": "Train housing officers in escalation", "owner_agency_id": "nlc-housing",
        "due_on": "2027-01-29", "source_type": "risk-flag", "source_id": "nlc-housing-cc", "raised_by": "Business unit",
    }))
    await projected(platform, submissions=4, gaps=1, history=3)
    return amended[0]["event_id"]


async def test_a_page_as_of_a_past_day_equals_the_page_rendered_live_that_day(
    platform: RunningPlatform, clock: ManualClock
) -> None:
    await record_activity(platform)
    live = {path: await page(platform, path) for path in PAGES}
    assert "Refresh the escalation policy" in live[ACTIONS] and "Train housing officers" not in live[ACTIONS]

    clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))
    amendment = await record_more(platform)
    now = await page(platform, ACTIONS)
    assert "Train housing officers" in now and main_of(now) != main_of(live[ACTIONS])  # the records did move on

    for path in PAGES:
        then = await page(platform, f"{path}?as_of={MONDAY}")
        assert "The records as they stood at the end of Monday 02 November 2026 (London time)" in then
        assert main_of(then) == main_of(live[path]), path
        assert f"?as_of={MONDAY}" in then  # its links keep the date
    # the police's amended return and cleared flag are not there as of Monday
    police = await page(platform, f"/p/{PARTNERSHIP}/agency/{POLICE}?as_of={MONDAY}")
    assert amendment not in police and "Escalation policy re-issued and audited" not in police
    # the event page as of Monday says an event recorded later is not part of that day's records
    later = await page(platform, f"/p/{PARTNERSHIP}/event/{amendment}?as_of={MONDAY}")
    assert "after the end of 02 November 2026: it is not part of the records as of that day" in later


async def test_the_board_pack_as_of_a_past_day_reads_that_days_records(platform: RunningPlatform, clock: ManualClock) -> None:
    """The board pack's route reads the one as-of service as every page does: as of Monday its
    meeting defaults to Monday and Wednesday's action is not on its plan; live it is."""
    await record_activity(platform)
    clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))
    await record_more(platform)
    live = await page(platform, f"/p/{PARTNERSHIP}/board-pack?meeting={MONDAY}")
    then = await page(platform, f"/p/{PARTNERSHIP}/board-pack?as_of={MONDAY}")
    assert "Train housing officers" in live and "Refresh the escalation policy" in live
    assert "Train housing officers" not in then and "Refresh the escalation policy" in then
    assert await platform.pool.fetchval("SELECT to_regnamespace($1)", AsOfSchemas.schema_name(date(2026, 11, 2), PARTNERSHIP))
    assert (await fetch(platform, f"/p/{PARTNERSHIP}/board-pack?as_of=2026-11-05")).status == 400


async def test_as_of_days_are_built_once_today_is_live_and_the_future_is_refused(
    platform: RunningPlatform, clock: ManualClock
) -> None:
    await record_activity(platform)
    clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))
    schema = AsOfSchemas.schema_name(date(2026, 11, 2), PARTNERSHIP)  # a page reads its partnership's alone
    first = await page(platform, f"/p/{PARTNERSHIP}?as_of={MONDAY}")
    built = await platform.pool.fetchrow(f"SELECT * FROM {schema}.as_of_built")
    assert built["events"] > 0 and f"rebuilt from the {built['events']} events recorded by then" in first
    clock.advance(timedelta(hours=1))
    await page(platform, f"/p/{PARTNERSHIP}?as_of={MONDAY}")
    again = await platform.pool.fetchrow(f"SELECT * FROM {schema}.as_of_built")
    assert again["built_at"] == built["built_at"] and again["used_at"] > built["used_at"]  # read, not rebuilt

    today = await page(platform, f"/p/{PARTNERSHIP}?as_of=2026-11-04")
    assert 'asof-banner' not in today and main_of(today) == main_of(await page(platform, f"/p/{PARTNERSHIP}"))
    future = await fetch(platform, f"/p/{PARTNERSHIP}?as_of=2026-11-05")
    assert (future.status, future.body) == (
        400,
        "400 bad request: as_of 2026-11-05 is after today (2026-11-04): there are no records of it yet\n",
    )
    assert (await fetch(platform, f"/p/{PARTNERSHIP}/agency/{POLICE}?as_of=2026-11-05")).status == 400
    assert (await fetch(platform, f"/p/{PARTNERSHIP}?as_of=last-week")).status == 400


async def test_the_least_read_days_are_dropped_and_a_day_just_ended_is_built_for_the_one_request(
    platform: RunningPlatform, clock: ManualClock
) -> None:
    await record_activity(platform)
    clock.set(datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    schemas = AsOfSchemas(platform.pool, clock, keep=2)
    for day in (date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)):
        async with schemas.reading(day) as records:
            assert records.schema == AsOfSchemas.schema_name(day)
        clock.advance(timedelta(minutes=1))
    assert await schemas.cached_days() == [date(2026, 11, 2), date(2026, 11, 3)]
    with pytest.raises(FutureDate):
        async with schemas.reading(date(2026, 11, 10)):
            pass

    # two minutes after midnight, appends begun on the Monday may still be committing: not kept
    clock.set(datetime(2026, 11, 11, 0, 2, tzinfo=UTC))
    async with schemas.reading(date(2026, 11, 10)) as records:
        assert records.schema.startswith("reporting_asof_tmp_")
        assert await platform.count("SELECT count(*) FROM pg_namespace WHERE nspname = $1", records.schema) == 1
        scratch = records.schema
    assert await platform.count("SELECT count(*) FROM pg_namespace WHERE nspname = $1", scratch) == 0
    assert date(2026, 11, 10) not in await schemas.cached_days()


async def test_the_command_line_and_the_pages_read_one_as_of_day(
    platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    """One as-of service for the pages, the command line and the evidence export: a page reads
    the day's records of its partnership alone, built from that partnership's events;
    `scrutiny replay --as-of` rebuilds the day for the whole platform, fresh from the same
    prefix of the stores, and drops the day's single-partnership records so the pages build
    them again; `scrutiny boardpack --as-of` reads the partnership's day as the pages do."""
    await record_activity(platform)
    clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))
    await record_more(platform)
    monday = date(2026, 11, 2)
    mine, everyone = AsOfSchemas.schema_name(monday, PARTNERSHIP), AsOfSchemas.schema_name(monday)
    page_then = main_of(await page(platform, f"/p/{PARTNERSHIP}?as_of={MONDAY}"))
    built = await platform.pool.fetchrow(f"SELECT * FROM {mine}.as_of_built")
    assert built["events"] > 0

    env = {"SCRUTINY_DATABASE_URL": platform.settings.database_url or "", "COLUMNS": "200"}
    replayed = await asyncio.to_thread(CliRunner().invoke, app, ["replay", "--as-of", MONDAY], env=env)
    assert replayed.exit_code == 0, replayed.output
    assert f"rebuilt {everyone} from " in replayed.output
    assert await platform.pool.fetchval("SELECT to_regnamespace($1)", mine) is None  # dropped, to be built again
    assert main_of(await page(platform, f"/p/{PARTNERSHIP}?as_of={MONDAY}")) == page_then
    rebuilt = await platform.pool.fetchrow(f"SELECT * FROM {mine}.as_of_built")
    assert rebuilt["built_at"] >= built["built_at"] and rebuilt["events"] == built["events"]

    packed = await asyncio.to_thread(
        CliRunner().invoke, app, ["boardpack", "--as-of", MONDAY, "--meeting", MONDAY, "--out", str(tmp_path)], env=env
    )
    assert packed.exit_code == 0, packed.output
    assert f"from {mine}, built from the {built['events']} events" in packed.output

    unfinished = await asyncio.to_thread(CliRunner().invoke, app, ["replay", "--as-of", "9998-12-31"], env=env)
    assert unfinished.exit_code == 2 and "has not ended yet" in unfinished.output
