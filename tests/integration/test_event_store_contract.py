"""One suite for the EventStore interface, run against every backend (in memory, the fake the
unit tests use; and PostgreSQL): versions, idempotence, positions, reading as of a moment,
listeners."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from shared.catalogue.section11 import AuditCycleOpened
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore import ConcurrencyError, EventStore
from shared.eventstore.memory import InMemoryEventStore
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 5, 1, 8, 0, tzinfo=UTC))


@pytest.fixture(params=["memory", "postgres"])
async def store(request: pytest.FixtureRequest, database: str, clock: ManualClock) -> AsyncIterator[EventStore]:
    if request.param == "memory":
        yield InMemoryEventStore("section11", clock=clock)
        return
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    store = PostgresEventStore(pool, "section11", clock)
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

# -- the properties first proven on the in-memory store, now on every backend --------------

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
META = Metadata(partnership_id="north-lincolnshire", actor="agency:nlc-housing", correlation_id=uuid4())


def event(n: int = 0) -> AuditCycleOpened:
    """An event with no personal field: a store returns what it stored, and a sealed value
    is stored in another form than it was given (shared.personal_data)."""
    return AuditCycleOpened(cycle_id=f"c-{n}", opened_on=T0.date(), due_on=T0.date(), agency_ids=["nlc-housing"])


def wrap(stream: str, expected: int, count: int = 1) -> list[Envelope]:
    return new_envelopes(stream, expected, [event(n) for n in range(count)], META, T0)


async def test_append_to_a_new_stream_at_version_zero(store: EventStore) -> None:
    done = await store.append("a", 0, wrap("a", 0, 2))
    assert [e.position for e in done] == [1, 2]
    assert [e.stream_version for e in done] == [1, 2]
    assert all(e.store == "section11" and e.recorded_at == T0 and e.hash for e in done)
    assert await store.read_stream("a") == done


@pytest.mark.parametrize("expected", [1, 5])
async def test_wrong_expected_version_on_a_new_stream(store: EventStore, expected: int) -> None:
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("a", expected, wrap("a", expected))
    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == ("a", expected, 0)
    assert await store.head() == 0


async def test_stale_expected_version_is_refused_and_nothing_is_appended(
    store: EventStore,
) -> None:
    await store.append("a", 0, wrap("a", 0, 2))
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("a", 1, wrap("a", 1))
    assert raised.value.actual == 2
    assert "version 2, not the expected 1" in str(raised.value)
    assert await store.head() == 2


async def test_other_streams_do_not_count_towards_a_stream_version(store: EventStore) -> None:
    await store.append("a", 0, wrap("a", 0, 3))
    done = await store.append("b", 0, wrap("b", 0))
    assert done[0].position == 4 and done[0].stream_version == 1


async def test_repeating_an_append_returns_the_original_envelopes(
    store: EventStore, clock: ManualClock
) -> None:
    envelopes = wrap("a", 0, 2)
    first = await store.append("a", 0, envelopes)
    await store.append("b", 0, wrap("b", 0))
    clock.advance(timedelta(minutes=5))
    again = await store.append("a", 0, envelopes)
    assert again == first
    assert [e.position for e in again] == [1, 2]
    assert all(e.recorded_at == T0 for e in again)
    assert await store.head() == 3


async def test_a_repeat_is_answered_even_when_the_stream_has_moved_on(
    store: EventStore,
) -> None:
    envelopes = wrap("a", 0)
    first = await store.append("a", 0, envelopes)
    await store.append("a", 1, wrap("a", 1))
    # expected version 0 is stale now, but the ids are already stored: no ConcurrencyError
    assert await store.append("a", 0, envelopes) == first


async def test_positions_are_contiguous_across_streams_and_appends(
    store: EventStore, clock: ManualClock
) -> None:
    versions: dict[str, int] = {}
    for n, stream in enumerate(["a", "b", "a", "c", "b", "a"]):
        clock.advance(timedelta(seconds=1))
        version = versions.get(stream, 0)
        await store.append(stream, version, wrap(stream, version, 1 + n % 2))
        versions[stream] = version + 1 + n % 2
    everything = await store.read_all()
    assert [e.position for e in everything] == list(range(1, len(everything) + 1))
    assert await store.head() == len(everything)
    for stream, version in versions.items():
        assert [e.stream_version for e in await store.read_stream(stream)] == list(range(1, version + 1))


async def test_read_all_pages_by_position(store: EventStore) -> None:
    await store.append("a", 0, wrap("a", 0, 5))
    assert [e.position for e in await store.read_all(after=2, limit=2)] == [3, 4]
    assert await store.read_all(after=5) == []


async def test_reading_what_was_known_at_a_moment(store: EventStore, clock: ManualClock) -> None:
    await store.append("a", 0, wrap("a", 0, 2))
    cut = clock.advance(timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    await store.append("a", 2, wrap("a", 2))
    assert await store.head(recorded_until=cut) == 2
    assert [e.position for e in await store.read_all(recorded_until=cut)] == [1, 2]
    assert await store.head() == 3


async def test_reading_one_partnerships_events_as_they_stood(store: EventStore, clock: ManualClock) -> None:
    """What an as-of page of one partnership is rebuilt from: its events alone, in order,
    and its head the last of its own recorded by the moment."""
    other = Metadata(partnership_id="elsewhere", actor="business-unit", correlation_id=uuid4())
    await store.append("a", 0, wrap("a", 0, 2))
    await store.append("b", 0, new_envelopes("b", 0, [event(9)], other, T0))
    cut = clock.advance(timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    await store.append("a", 2, wrap("a", 2))
    await store.append("b", 1, new_envelopes("b", 1, [event(10)], other, T0))
    mine = META.partnership_id
    assert [e.position for e in await store.read_all(partnership=mine)] == [1, 2, 4]
    assert [e.position for e in await store.read_all(partnership="elsewhere")] == [3, 5]
    assert [e.position for e in await store.read_all(after=2, limit=1, partnership="elsewhere")] == [3]
    assert await store.head(recorded_until=cut, partnership=mine) == 2
    assert await store.head(recorded_until=cut, partnership="elsewhere") == 3
    assert await store.head(partnership="nowhere") == 0


async def test_listeners_hear_every_commit_but_not_a_repeat(store: EventStore) -> None:
    heard: list[int] = []
    store.on_committed(lambda: heard.append(1))
    envelopes = wrap("a", 0)
    await store.append("a", 0, envelopes)
    await store.append("a", 1, wrap("a", 1))
    await store.append("a", 0, envelopes)
    assert len(heard) == 2


async def test_an_append_repeating_some_stored_ids_is_refused(store: EventStore) -> None:
    [stored] = await store.append("a", 0, wrap("a", 0))
    mixed = new_envelopes("a", 1, [event(1), event(2)], META, T0, [stored.event_id, uuid4()])
    with pytest.raises(Exception):  # noqa: B017 - the Postgres store raises DuplicateEventIdError
        await store.append("a", 1, mixed)
