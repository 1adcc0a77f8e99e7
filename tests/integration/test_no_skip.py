"""Positions follow commit order: no reader or projection passes an append still open.

The store hands out positions under the events table's EXCLUSIVE lock, held to
commit. So while one append transaction is open, later appends wait behind it
instead of committing higher positions around a hole that a tailing reader
would step over and never revisit.
"""

import asyncio
from uuid import uuid4

import asyncpg
import pytest

from services.reporting.adapters.areas import all_projections
from shared.eventstore.postgres import PostgresEventStore
from shared.projections import ProjectionRunner
from shared.waiting import eventually
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


async def _waiting_on_append_lock(pool: asyncpg.Pool) -> int:
    return await pool.fetchval(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'section11.events'::regclass"
    )


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
async def test_no_reader_or_projection_passes_an_open_append(pool: asyncpg.Pool, outcome: str) -> None:
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    runner = ProjectionRunner(pool, "reporting", all_projections(), {"section11": store})
    await runner.setup()
    first = f"s-{uuid4()}"
    await store.append(first, 0, envelopes(first, 0, 2))

    held = await pool.acquire()
    transaction = held.transaction()
    await transaction.start()
    opened = f"s-open-{uuid4()}"
    [open_event] = await store.append_on(held, opened, 0, envelopes(opened, 0, 1))
    assert open_event.position == 3

    later_streams = [f"s-late-{n}-{uuid4()}" for n in range(3)]
    later = [asyncio.create_task(store.append(s, 0, envelopes(s, 0, 1))) for s in later_streams]
    await eventually(lambda: _waiting_on_append_lock(pool), what="later appends to queue behind the open one")

    assert not any(task.done() for task in later)
    assert [e.position for e in await store.read_all(after=0)] == [1, 2]
    await runner.catch_up()
    assert await runner.checkpoint("section11") == 2

    if outcome == "commit":
        await transaction.commit()
    else:
        await transaction.rollback()
    await pool.release(held)
    committed = [e for task in later for e in await task]

    expected_first_late = 4 if outcome == "commit" else 3
    assert sorted(e.position for e in committed) == list(range(expected_first_late, expected_first_late + 3))
    everything = await store.read_all(after=0)
    assert [e.position for e in everything] == list(range(1, len(everything) + 1))
    await runner.catch_up()
    assert await runner.checkpoint("section11") == len(everything)
    assert await pool.fetchval("SELECT count(*) FROM reporting.s11_submissions") == len(everything)
