"""A rebuild folds rows in memory (`shared.projections.rows`) where the live path applies each
event as SQL: for a partnership's year of every service's events (the benchmark's national data
at the scale of one partnership, with actions, incidents, audits, assurance events, Section 11
cycles, indicator ratings and risks), and for events of every type in the catalogue made at
random (`tests.support.random_events`), every table of every projection is the same row for
row, and so is one partnership's rebuild (the as-of path) of its rows. And a projection that
declares the event types it `reads` (the runner hands it those alone) leaves the same tables
as when it is handed every event; and a rebuild on fewer connections than sources finishes."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bench.dataset import PROFILE, STORES, load
from services.reporting.adapters.areas import all_projections
from services.reporting.adapters.sources import projection_runner
from shared.envelope import Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes
from shared.projections import Projection
from tests.support.random_events import PARTNERSHIPS, random_events

pytestmark = pytest.mark.integration


async def _tables(pool: asyncpg.Pool, schema: str, partnership: str | None = None) -> dict[str, list[dict[str, object]]]:
    tables = {}
    for projection in all_projections():
        for table in projection.tables():
            rows = [dict(r) for r in await pool.fetch(f"SELECT * FROM {schema}.{table}")]
            if partnership is not None:
                rows = [r for r in rows if r["partnership_id"] == partnership]
            tables[table] = sorted(rows, key=lambda r: [str(v) for v in r.values()])
    return tables


def _handed_every_event() -> list[Projection]:
    projections = all_projections()
    assert any(p.reads is not None for p in projections)
    for projection in projections:
        projection.reads = None  # this instance is handed every event, whatever its class reads
    return projections


async def test_a_rebuild_folds_the_same_rows_as_the_live_path_applies(pool: asyncpg.Pool, database: str) -> None:
    counts = await load(pool, 14_000)  # two partnerships
    live = projection_runner(pool, "live")
    await live.setup()
    applied = await live.catch_up(batch_size=500)  # the live path: each event as SQL
    assert applied == sum(counts.values())
    folded = projection_runner(pool, "folded")
    assert await folded.rebuild(batch_size=700) == applied
    expected = await _tables(pool, "live")
    assert sum(len(rows) for rows in expected.values()) > 10_000
    got = await _tables(pool, "folded")
    for table, rows in expected.items():
        assert got[table] == rows, table
    assert {s: await folded.checkpoint(s) for s in folded.source_names} == {s: await live.checkpoint(s) for s in live.source_names}

    one = projection_runner(pool, "one")
    await one.rebuild(partnership=PROFILE, batch_size=300)
    mine = await _tables(pool, "one")
    for table, rows in (await _tables(pool, "live", PROFILE)).items():
        assert mine[table] == rows, table

    # The four sources are rebuilt side by side: a batch never holds one connection while it
    # waits for another, or four batches could each hold one of a small pool's and wait for ever.
    small = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        async with asyncio.timeout(120):  # the deadline of a rebuild that would otherwise wait for ever
            assert await projection_runner(small, "small").rebuild(batch_size=200) == applied
            assert await projection_runner(small, "small_one").rebuild(partnership=PROFILE, batch_size=100) > 0
    finally:
        await small.close()
    assert await _tables(pool, "small") == expected
    assert await _tables(pool, "small_one") == mine



@pytest.mark.parametrize("seed", [1, 2])
async def test_a_rebuild_folds_the_same_rows_for_events_of_every_type_in_any_order(pool: asyncpg.Pool, seed: int) -> None:
    for name in STORES:
        await PostgresEventStore(pool, name).create_schema()
    store = PostgresEventStore(pool, "reviews")  # one source: one order for both paths
    streams: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for partnership, stream, event in random_events(2500, seed):
        streams[stream].append((partnership, event))
    at = datetime(2027, 1, 4, 9, tzinfo=UTC)
    await asyncio.gather(*(
        store.append(stream, 0, [
            envelope
            for version, (partnership, event) in enumerate(history)
            for envelope in new_envelopes(
                stream, version, [event], Metadata(partnership_id=partnership, actor="someone", correlation_id=uuid.uuid4()),
                at + timedelta(minutes=version),
            )
        ])
        for stream, history in streams.items()
    ))
    await store.close()
    live = projection_runner(pool, "live")
    await live.setup()
    assert await live.catch_up(batch_size=300) == 2500
    folded = projection_runner(pool, "folded")
    assert await folded.rebuild(batch_size=400) == 2500
    expected, got = await _tables(pool, "live"), await _tables(pool, "folded")
    assert [table for table, rows in expected.items() if not rows] == []  # every table has rows to compare
    for table, rows in expected.items():
        assert got[table] == rows, table
    every = projection_runner(pool, "every", _handed_every_event())  # what `reads` leaves out acts on nothing
    await every.setup()
    assert await every.catch_up(batch_size=300) == 2500
    every_got = await _tables(pool, "every")
    for table, rows in expected.items():
        assert every_got[table] == rows, table
    one = projection_runner(pool, "one")
    await one.rebuild(partnership=PARTNERSHIPS[0], batch_size=150)
    mine = await _tables(pool, "one")
    for table, rows in (await _tables(pool, "live", PARTNERSHIPS[0])).items():
        assert mine[table] == rows, table
