"""The projection runner: each event applied once, gaps filled from the store, rebuilds and as-of builds."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from services.reporting.adapters.areas import all_projections
from shared.clock import ManualClock
from shared.eventstore.postgres import PostgresEventStore
from shared.projections import ProjectionRunner
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


async def _setup(pool: asyncpg.Pool, clock: ManualClock | None = None) -> tuple[PostgresEventStore, ProjectionRunner]:
    store = PostgresEventStore(pool, "section11", clock)
    await store.create_schema()
    runner = ProjectionRunner(pool, "reporting", all_projections(), {"section11": store})
    await runner.setup()
    return store, runner


async def _submissions(pool: asyncpg.Pool, schema: str = "reporting") -> int:
    return await pool.fetchval(f"SELECT count(*) FROM {schema}.s11_submissions")


async def test_a_redelivered_batch_is_applied_once(pool: asyncpg.Pool) -> None:
    store, runner = await _setup(pool)
    stream = f"s-{uuid4()}"
    committed = await store.append(stream, 0, envelopes(stream, 0, 3))
    assert await runner.apply("section11", committed) == 3
    assert await runner.apply("section11", committed) == 0
    assert await _submissions(pool) == 3
    assert await runner.checkpoint("section11") == 3
    await store.close()


async def test_a_gap_is_filled_from_the_store(pool: asyncpg.Pool) -> None:
    store, runner = await _setup(pool)
    stream = f"s-{uuid4()}"
    committed = await store.append(stream, 0, envelopes(stream, 0, 4))
    assert await runner.apply("section11", committed[3:]) == 4
    assert await _submissions(pool) == 4
    await store.close()


async def test_rebuild_from_the_store_equals_the_live_projection(pool: asyncpg.Pool) -> None:
    store, runner = await _setup(pool)
    for _ in range(5):
        stream = f"s-{uuid4()}"
        await runner.apply("section11", await store.append(stream, 0, envelopes(stream, 0, 2)))
    live = await pool.fetch("SELECT * FROM reporting.s11_submissions ORDER BY position")
    assert await runner.rebuild() == 10
    rebuilt = await pool.fetch("SELECT * FROM reporting.s11_submissions ORDER BY position")
    assert [dict(r) for r in rebuilt] == [dict(r) for r in live]
    await store.close()


async def test_built_as_of_a_past_moment_shows_only_what_was_recorded_by_then(pool: asyncpg.Pool) -> None:
    clock = ManualClock(datetime(2027, 3, 30, 12, tzinfo=UTC))
    store, _ = await _setup(pool, clock)
    for _ in range(3):
        stream = f"s-{uuid4()}"
        await store.append(stream, 0, envelopes(stream, 0, 1))
    clock.advance(timedelta(days=3))
    for _ in range(2):
        stream = f"s-{uuid4()}"
        await store.append(stream, 0, envelopes(stream, 0, 1))

    as_of = ProjectionRunner(pool, "reporting_asof", all_projections(), {"section11": store})
    await as_of.rebuild(recorded_until=datetime(2027, 3, 31, 23, 59, tzinfo=UTC))
    assert await _submissions(pool, "reporting_asof") == 3
    await store.close()


async def test_one_partnerships_records_as_of_a_moment_are_built_from_its_events_alone(pool: asyncpg.Pool) -> None:
    """Interleaved with another partnership's, and followed by its own later events (which a
    batch read by partnership would otherwise run on into): only its events recorded by the
    moment are applied, and the rows equal the whole platform's rows of that partnership."""
    clock = ManualClock(datetime(2027, 3, 30, 12, tzinfo=UTC))
    store, _ = await _setup(pool, clock)
    for partnership in ["kent", "somerset", "kent", "somerset", "kent"]:
        stream = f"s-{uuid4()}"
        await store.append(stream, 0, envelopes(stream, 0, 1, partnership=partnership))
    clock.advance(timedelta(days=3))
    for partnership in ["somerset", "kent"]:
        stream = f"s-{uuid4()}"
        await store.append(stream, 0, envelopes(stream, 0, 1, partnership=partnership))

    moment = datetime(2027, 3, 31, 23, 59, tzinfo=UTC)
    kent = ProjectionRunner(pool, "asof_kent", all_projections(), {"section11": store})
    assert await kent.rebuild(recorded_until=moment, partnership="kent", batch_size=2) == 3
    everyone = ProjectionRunner(pool, "asof_everyone", all_projections(), {"section11": store})
    assert await everyone.rebuild(recorded_until=moment) == 5
    query = "SELECT * FROM {}.s11_submissions WHERE partnership_id = 'kent' ORDER BY position"
    assert [dict(r) for r in await pool.fetch(query.format("asof_kent"))] == [
        dict(r) for r in await pool.fetch(query.format("asof_everyone"))
    ]
    assert await kent.checkpoint("section11") == 5  # its last event by then, not its later one
    await store.close()


async def test_each_batch_writes_the_positions_of_its_partnerships(pool: asyncpg.Pool) -> None:
    """In the batch's transaction, as its checkpoint (the state a partnership's pages are kept
    under: services/reporting/adapters/kept_views.py); a reset empties them, a rebuild writes them again."""
    store, runner = await _setup(pool)
    positions = "SELECT partnership_id, position, xmin::text AS written FROM reporting.partnership_positions ORDER BY 1"
    committed = []
    for partnership in ["kent", "somerset", "kent"]:
        stream = f"s-{uuid4()}"
        committed += await store.append(stream, 0, envelopes(stream, 0, 1, partnership=partnership))
    await runner.apply("section11", committed[:2])
    first = [dict(r) for r in await pool.fetch(positions)]
    assert [(r["partnership_id"], r["position"]) for r in first] == [("kent", 1), ("somerset", 2)]
    await runner.apply("section11", committed[2:])
    second = [dict(r) for r in await pool.fetch(positions)]
    assert [(r["partnership_id"], r["position"]) for r in second] == [("kent", 3), ("somerset", 2)]
    assert second[1] == first[1]  # somerset's row untouched: its pages stay kept
    await runner.reset()
    assert await pool.fetch(positions) == []
    await runner.rebuild()
    rebuilt = [dict(r) for r in await pool.fetch(positions)]
    assert [(r["partnership_id"], r["position"]) for r in rebuilt] == [("kent", 3), ("somerset", 2)]
    assert rebuilt[1]["written"] != second[1]["written"]
    await store.close()
