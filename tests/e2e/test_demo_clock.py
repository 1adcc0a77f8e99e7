"""The demo plays its year on the platform's clock (issue 20, item 1): the four services run
as processes of their own on the clock the demo moves through the year (a NATS key-value
bucket they follow), so each fact is recorded on its day of the year, each deadline is
raised on its day, and the dashboard as of any past day of the year is the partnership as
it stood then: the same as a fresh replay of that day (`scrutiny replay --as-of`), and
different from one day to another. Afterwards the platform is back on today's clock."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import nats
import pytest

from services.platform import demo
from services.platform.supervisor import Platform
from services.reporting.adapters.as_of import AsOfSchemas
from services.reporting.adapters.read_models import ReadModels
from shared import london
from shared.messaging.subjects import SERVICES, Subjects
from shared.profiles import load_builtin
from shared.runtime.demo_clock import clock_bucket, clock_subject, read_moment
from tests.support import backends
from tests.support.platform import test_settings as settings_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROFILE = "north-lincolnshire"
SEED = 11
STORES = ("section11", "events", "reviews")


@dataclass
class Played:
    platform: Platform
    result: demo.DemoResult
    pool: asyncpg.Pool
    today: date


@pytest.fixture(scope="module")
async def played(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Played]:
    name, namespace = backends.new_database_name(), backends.new_namespace()
    url = await backends.create_database(database_url, name)
    data = tmp_path_factory.mktemp("demo-clock")
    settings = settings_for(nats_url, url, namespace).model_copy(
        update={"data_dir": data, "profiles": [PROFILE], "deadline_interval_seconds": 5.0}
    )
    clock = settings.clock()
    today = london.today(clock)
    platform = await Platform(settings, demo_from=demo.year_starts(today)).start()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    try:
        result = await demo.play(
            platform.servers.nats_url, url, Subjects(namespace), load_builtin(PROFILE), clock, Path(data) / "reports", seed=SEED,
        )
        yield Played(platform, result, pool, today)
    finally:
        await pool.close()
        platform.stop()
        await backends.delete_streams(nats_url, namespace)
        await backends.drop_database(database_url, name)


async def test_three_past_days_as_of_equal_their_replay_and_differ_from_each_other(played: Played) -> None:
    profile = load_builtin(PROFILE)
    pool, clock = played.pool, played.platform.settings.clock()
    days = [played.today - timedelta(days=n) for n in (240, 120, 20)]
    seen = []
    for day in days:
        # The dashboard's own path: the day's schema of this partnership, built once, read by the dashboard's queries.
        async with AsOfSchemas(pool, clock).reading(day, PROFILE) as built:
            shown = await ReadModels(pool, built.schema).dashboard(profile, built.moment)
        # `scrutiny replay --as-of DAY`'s path: the whole platform's day rebuilt afresh from what was recorded by then.
        async with AsOfSchemas(pool, clock).until(london.end_of_day(day), fresh=True) as replayed_day:
            replayed = await ReadModels(pool, replayed_day.schema).dashboard(profile, replayed_day.moment)
        assert replayed_day.schema != built.schema and replayed_day.events >= built.events > 0, day
        assert shown == replayed, day
        seen.append((built.events, shown))
    counts = [events for events, _ in seen]
    assert counts == sorted(set(counts)), counts  # more recorded by each later day
    overviews = [view.overview for _, view in seen]
    assert overviews[0] != overviews[1] != overviews[2], overviews
    heatmaps = [view.heatmap for _, view in seen]
    assert heatmaps[0] != heatmaps[2]


async def test_each_fact_is_recorded_on_its_day_of_the_year(played: Played) -> None:
    pool, today = played.pool, played.today
    starts = london.start_of_day(today - timedelta(days=364))
    for store in STORES:
        first, last = await pool.fetchrow(f"SELECT min(recorded_at), max(recorded_at) FROM {store}.events")
        assert starts <= first and last <= played.platform.settings.clock().now(), store
        # What a deadline raised is recorded at the moment it fell due, not when the year was played.
        late = await pool.fetchval(
            f"SELECT count(*) FROM {store}.events WHERE actor = 'deadline-watcher' AND recorded_at <> occurred_at"
        )
        assert late == 0, store
    # A concluded event was recorded on the day it was held; a return on a day of its cycle.
    held = await pool.fetch(
        "SELECT (payload->>'held_on')::date AS held, recorded_at FROM events.events WHERE event_type = 'AssuranceEventConcluded'"
    )
    assert held and all(london.local_day(r["recorded_at"]) == r["held"] for r in held)
    submitted = await pool.fetch("SELECT submitted_at FROM reporting.s11_submissions")
    assert len({london.local_day(r["submitted_at"]) for r in submitted}) > 3  # spread through the window, not one day
    assert all(starts <= r["submitted_at"] for r in submitted)
    # Risk flags were raised in the year, the early tranche's months ago.
    raised = [r["raised_at"] for r in await pool.fetch("SELECT raised_at FROM reporting.s11_risk_flags")]
    assert raised and min(raised) < london.start_of_day(today - timedelta(days=60))
    # A late return was recorded after its due date, and was raised overdue on the day after it.
    late_returns = await pool.fetch("SELECT submitted_at, due_on FROM reporting.s11_returns WHERE late")
    assert late_returns and all(london.local_day(r["submitted_at"]) > r["due_on"] for r in late_returns)


async def test_the_platform_is_back_on_todays_clock(played: Played) -> None:
    """The year over, the bucket holds no moment and every service reads today again."""
    platform = played.platform
    nc = await nats.connect(platform.servers.nats_url)
    try:
        subjects = Subjects(platform.settings.namespace)
        assert await read_moment(await clock_bucket(nc.jetstream(), subjects)) is None
        for service in SERVICES:
            reply = json.loads((await nc.request(clock_subject(subjects, service), b"", timeout=10)).data)
            assert london.local_day(datetime.fromisoformat(reply["now"])) == played.today, reply
    finally:
        await nc.close()
