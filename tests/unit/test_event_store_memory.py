"""The in-memory event store keeps the EventStore contract (versions, idempotence, positions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from shared.catalogue.section11 import SubmissionReceived
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore import ConcurrencyError
from shared.eventstore.memory import InMemoryEventStore
from shared.mapper import new_envelopes

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
META = Metadata(partnership_id="north-lincolnshire", actor="agency:nlc-housing", correlation_id=uuid4())


def event(n: int = 0) -> SubmissionReceived:
    return SubmissionReceived(
        submission_id=f"s-{n}",
        agency_id="nlc-housing",
        cycle_id="2026",
        domain_ratings={"culture-and-challenge": 3},
        submitted_by="lead",
    )


def wrap(stream: str, expected: int, count: int = 1) -> list[Envelope]:
    return new_envelopes(stream, expected, [event(n) for n in range(count)], META, T0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def store(clock: ManualClock) -> InMemoryEventStore:
    return InMemoryEventStore("test", clock=clock)


async def test_append_to_a_new_stream_at_version_zero(store: InMemoryEventStore) -> None:
    done = await store.append("a", 0, wrap("a", 0, 2))
    assert [e.position for e in done] == [1, 2]
    assert [e.stream_version for e in done] == [1, 2]
    assert all(e.store == "test" and e.recorded_at == T0 and e.hash for e in done)
    assert await store.read_stream("a") == done


@pytest.mark.parametrize("expected", [1, 5])
async def test_wrong_expected_version_on_a_new_stream(store: InMemoryEventStore, expected: int) -> None:
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("a", expected, wrap("a", expected))
    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == ("a", expected, 0)
    assert await store.head() == 0


async def test_stale_expected_version_is_refused_and_nothing_is_appended(
    store: InMemoryEventStore,
) -> None:
    await store.append("a", 0, wrap("a", 0, 2))
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("a", 1, wrap("a", 1))
    assert raised.value.actual == 2
    assert "version 2, not the expected 1" in str(raised.value)
    assert await store.head() == 2


async def test_other_streams_do_not_count_towards_a_stream_version(store: InMemoryEventStore) -> None:
    await store.append("a", 0, wrap("a", 0, 3))
    done = await store.append("b", 0, wrap("b", 0))
    assert done[0].position == 4 and done[0].stream_version == 1


async def test_repeating_an_append_returns_the_original_envelopes(
    store: InMemoryEventStore, clock: ManualClock
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
    store: InMemoryEventStore,
) -> None:
    envelopes = wrap("a", 0)
    first = await store.append("a", 0, envelopes)
    await store.append("a", 1, wrap("a", 1))
    # expected version 0 is stale now, but the ids are already stored: no ConcurrencyError
    assert await store.append("a", 0, envelopes) == first


async def test_positions_are_contiguous_across_streams_and_appends(
    store: InMemoryEventStore, clock: ManualClock
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


async def test_read_all_pages_by_position(store: InMemoryEventStore) -> None:
    await store.append("a", 0, wrap("a", 0, 5))
    assert [e.position for e in await store.read_all(after=2, limit=2)] == [3, 4]
    assert await store.read_all(after=5) == []


async def test_reading_what_was_known_at_a_moment(store: InMemoryEventStore, clock: ManualClock) -> None:
    await store.append("a", 0, wrap("a", 0, 2))
    cut = clock.advance(timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    await store.append("a", 2, wrap("a", 2))
    assert await store.head(recorded_until=cut) == 2
    assert [e.position for e in await store.read_all(recorded_until=cut)] == [1, 2]
    assert await store.head() == 3


async def test_listeners_hear_every_commit_but_not_a_repeat(store: InMemoryEventStore) -> None:
    heard: list[int] = []
    store.on_committed(lambda: heard.append(1))
    envelopes = wrap("a", 0)
    await store.append("a", 0, envelopes)
    await store.append("a", 1, wrap("a", 1))
    await store.append("a", 0, envelopes)
    assert len(heard) == 2


async def test_an_append_repeating_some_stored_ids_is_refused(store: InMemoryEventStore) -> None:
    [stored] = await store.append("a", 0, wrap("a", 0))
    mixed = new_envelopes("a", 1, [event(1), event(2)], META, T0, [stored.event_id, uuid4()])
    with pytest.raises(Exception):  # noqa: B017 - the Postgres store raises DuplicateEventIdError
        await store.append("a", 1, mixed)
