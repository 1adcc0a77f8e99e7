"""The event store's cache of streams read: only what follows what is kept is fetched again,
and a stream whose stored versions do not continue it is read whole."""

from datetime import UTC, datetime

from shared.catalogue.section11 import AuditCycleClosed
from shared.envelope import Envelope
from shared.eventstore.stream_cache import StreamCache
from shared.mapper import new_envelopes
from tests.support.events import metadata


def _events(first: int, count: int, stream: str = "s11-cycle:p:c") -> list[Envelope]:
    events = [AuditCycleClosed(cycle_id="c", closed_on=datetime(2027, 4, 1).date()) for _ in range(count)]
    return new_envelopes(stream, first - 1, events, metadata("p"), datetime(2026, 11, 2, tzinfo=UTC))  # type: ignore[arg-type]


def test_a_stream_read_again_is_what_was_kept_and_what_follows() -> None:
    cache = StreamCache()
    first = _events(1, 3)
    assert cache.extend("s", 0, first, [10] * 3) == first and cache.version("s") == 3
    more = _events(4, 2)
    assert cache.extend("s", 3, more, [10] * 2) == first + more and cache.version("s") == 5
    assert cache.extend("s", 5, [], []) == first + more  # nothing new: what is kept


def test_new_events_that_do_not_continue_what_is_kept_mean_a_whole_read() -> None:
    cache = StreamCache()
    cache.extend("s", 0, _events(1, 3), [10] * 3)
    assert cache.extend("s", 3, _events(5, 1), [10]) is None and cache.version("s") == 0  # a gap: forgotten
    gapped = _events(1, 1) + _events(3, 1)
    assert cache.extend("s", 0, gapped, [10, 10]) == gapped and cache.version("s") == 0  # returned, not kept


def test_the_cache_is_bounded_by_bytes_least_recently_read_first() -> None:
    cache = StreamCache(limit=100)
    cache.extend("big", 0, _events(1, 1), [26])  # over a quarter of the bound: not kept
    assert cache.version("big") == 0
    for name in ("a", "b", "c", "d", "e"):
        cache.extend(name, 0, _events(1, 1), [25])
    assert [cache.version(n) for n in "abcde"] == [0, 1, 1, 1, 1]
    assert cache.extend("nothing", 0, [], []) == [] and cache.version("nothing") == 0  # an empty stream is not kept
