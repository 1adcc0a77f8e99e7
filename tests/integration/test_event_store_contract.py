"""One suite for the EventStore interface, run against every backend."""

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest

from shared.eventstore import ConcurrencyError, EventStore
from shared.eventstore.memory import InMemoryEventStore
from shared.eventstore.postgres import PostgresEventStore
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


@pytest.fixture(params=["memory", "postgres"])
async def store(request: pytest.FixtureRequest, database: str) -> AsyncIterator[EventStore]:
    if request.param == "memory":
        yield InMemoryEventStore("section11")
        return
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    yield store
    await store.close()
    await pool.close()


async def test_appends_and_reads_a_stream_in_order(store: EventStore) -> None:
    stream = f"s-{uuid4()}"
    first = await store.append(stream, 0, envelopes(stream, 0, 2))
    second = await store.append(stream, 2, envelopes(stream, 2, 1))
    read = await store.read_stream(stream)
    assert [e.event_id for e in read] == [e.event_id for e in first + second]
    assert [e.stream_version for e in read] == [1, 2, 3]
    assert [e.position for e in read] == [1, 2, 3]


async def test_wrong_expected_version_is_a_clear_concurrency_error(store: EventStore) -> None:
    stream = f"s-{uuid4()}"
    await store.append(stream, 0, envelopes(stream, 0, 1))
    with pytest.raises(ConcurrencyError, match="is at version 1, not the expected 0"):
        await store.append(stream, 0, envelopes(stream, 0, 1))
    assert len(await store.read_stream(stream)) == 1


async def test_appending_the_same_events_twice_is_a_no_op_returning_the_original(store: EventStore) -> None:
    stream = f"s-{uuid4()}"
    batch = envelopes(stream, 0, 2)
    original = await store.append(stream, 0, batch)
    again = await store.append(stream, 0, batch)
    assert [e.position for e in again] == [e.position for e in original]
    assert [e.hash for e in again] == [e.hash for e in original]
    assert await store.head() == 2


async def test_positions_are_contiguous_across_streams_and_chain_links(store: EventStore) -> None:
    for n in range(5):
        stream = f"s-{n}-{uuid4()}"
        await store.append(stream, 0, envelopes(stream, 0, 2, partnership=f"p{n % 2}"))
    everything = await store.read_all(after=0, limit=100)
    assert [e.position for e in everything] == list(range(1, 11))
    for partnership in ("p0", "p1"):
        chain = [e for e in everything if e.partnership_id == partnership]
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False))


async def test_read_all_pages_from_a_position(store: EventStore) -> None:
    stream = f"s-{uuid4()}"
    await store.append(stream, 0, envelopes(stream, 0, 5))
    page = await store.read_all(after=2, limit=2)
    assert [e.position for e in page] == [3, 4]


async def test_an_append_the_database_refuses_fails_alone_and_its_batch_neighbours_commit(database: str) -> None:
    """PostgreSQL refuses a NUL in jsonb: that append's caller hears why, the appends that
    shared its group commit are written, and the connection goes back to the pool clean."""
    pool = await asyncpg.create_pool(database, min_size=1, max_size=1)
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    try:
        streams = [f"s-{n}-{uuid4()}" for n in range(6)]
        batches = [envelopes(stream, 0, 1) for stream in streams]
        faulty = batches[3][0]
        batches[3] = [faulty.model_copy(update={"event": faulty.event.model_copy(update={"agency_id": "a\x00b"})})]
        outcomes = await asyncio.gather(
            *(store.append(stream, 0, batch) for stream, batch in zip(streams, batches, strict=True)),
            return_exceptions=True,
        )
        assert isinstance(outcomes[3], asyncpg.PostgresError)
        assert all(isinstance(o, list) for n, o in enumerate(outcomes) if n != 3)
        assert [len(await store.read_stream(s)) for s in streams] == [1, 1, 1, 0, 1, 1]
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
        later = f"s-later-{uuid4()}"
        assert len(await store.append(later, 0, envelopes(later, 0, 1))) == 1
    finally:
        await store.close()
        await pool.close()
