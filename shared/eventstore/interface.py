"""What every event store does, whichever backend keeps the events."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime

from shared.envelope import Envelope


class ConcurrencyError(Exception):
    """Someone else appended to the stream since it was read: reload and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, not the expected {expected}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class DuplicateEventIdError(Exception):
    """Some, but not all, of an append's event ids are already stored: a client bug."""


class EventStore(ABC):
    """An append-only log of envelopes, one per service.

    Guarantees every backend must keep (tests/integration/test_event_store_contract.py):
    - append is all-or-nothing per call and checks the stream's expected version;
    - appending an event id that is already stored is a no-op returning its original position;
    - positions are contiguous and follow commit order, so a reader tailing by
      position never passes an event that commits later.
    """

    name: str

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []
        self._readers: list[Callable[[Sequence[Envelope]], None]] = []

    def on_committed(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit (the outbox relay wakes on it)."""
        self._listeners.append(listener)

    def on_appended(self, reader: Callable[[Sequence[Envelope]], None]) -> None:
        """Hand `reader` the envelopes of every commit, as stored (the deadline watcher
        learns from them without reading them back). A hint, not a feed: commits made by
        another process are not among them, so a reader tailing by position reads the
        store where it finds a gap."""
        self._readers.append(reader)

    def _notify_committed(self, envelopes: Sequence[Envelope] = ()) -> None:
        for listener in self._listeners:
            listener()
        for reader in self._readers:
            reader(envelopes)

    @abstractmethod
    async def append(
        self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
    ) -> list[Envelope]:
        """Append after `expected_version` (0 for a new stream); return the committed envelopes."""

    @abstractmethod
    async def read_stream(self, stream_id: str) -> list[Envelope]: ...

    @abstractmethod
    async def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        recorded_until: datetime | None = None,
        partnership: str | None = None,
    ) -> list[Envelope]:
        """Events with position > after, in position order, optionally only those
        recorded by a moment (what was known then), and only one partnership's."""

    @abstractmethod
    async def head(self, recorded_until: datetime | None = None, partnership: str | None = None) -> int:
        """The position of the last committed event (0 when empty), or of the last one
        recorded by a moment: what the store held then is exactly the prefix up to it
        (with `partnership`, the last of that partnership's)."""
