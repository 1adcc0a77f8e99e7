"""An in-memory event store: the fake for unit tests, same contract as PostgreSQL."""

from collections.abc import Sequence
from datetime import datetime

from shared.clock import Clock, SystemClock
from shared.envelope import Envelope
from shared.eventstore.interface import ConcurrencyError, DuplicateEventIdError, EventStore
from shared.hashchain import GENESIS, link_hash


class InMemoryEventStore(EventStore):
    def __init__(self, name: str = "memory", clock: Clock | None = None) -> None:
        super().__init__()
        self.name = name
        self._clock = clock or SystemClock()
        self._log: list[Envelope] = []
        self._by_id: dict[str, Envelope] = {}
        self._heads: dict[str, str] = {}

    async def append(
        self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
    ) -> list[Envelope]:
        known = [self._by_id.get(str(e.event_id)) for e in envelopes]
        if envelopes and all(known) and all(k is not None and k.stream_id == stream_id for k in known):
            return [k for k in known if k is not None]
        if any(known):
            raise DuplicateEventIdError(f"append to {stream_id!r} repeats some stored event ids")
        actual = sum(1 for e in self._log if e.stream_id == stream_id)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        recorded_at = self._clock.now()
        committed = []
        for envelope in envelopes:
            position = len(self._log) + 1
            prev = self._heads.get(envelope.partnership_id, GENESIS)
            fields = envelope.model_dump() | {
                "recorded_at": recorded_at,
                "position": position,
                "payload": envelope.payload(),
            }
            done = envelope.committed(
                store=self.name,
                recorded_at=recorded_at,
                position=position,
                prev_hash=prev,
                hash=link_hash(prev, fields),
            )
            self._heads[envelope.partnership_id] = done.hash or GENESIS
            self._log.append(done)
            self._by_id[str(done.event_id)] = done
            committed.append(done)
        self._notify_committed(committed)
        return committed

    async def read_stream(self, stream_id: str) -> list[Envelope]:
        return [e for e in self._log if e.stream_id == stream_id]

    async def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        recorded_until: datetime | None = None,
        partnership: str | None = None,
    ) -> list[Envelope]:
        chosen = [e for e in self._log[after:] if _known(e, recorded_until, partnership)]
        return chosen[:limit]

    async def head(self, recorded_until: datetime | None = None, partnership: str | None = None) -> int:
        return max((e.position or 0 for e in self._log if _known(e, recorded_until, partnership)), default=0)


def _known(event: Envelope, recorded_until: datetime | None, partnership: str | None) -> bool:
    """Recorded by the moment (if one is given) and the partnership's (if one is given)."""
    if recorded_until is not None and not (event.recorded_at and event.recorded_at <= recorded_until):
        return False
    return partnership is None or event.partnership_id == partnership
