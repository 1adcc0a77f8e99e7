"""The one load-decide-append runner every service's handlers call.

`Runner.run` is a handler's one call: read the aggregate's stream, fold it,
`decide(state, today)`, append what was decided with ids from the sender's request
(`shared.decisions`), and decide again on a concurrent append. `raise_due` is the same
for what a passed deadline raises: as the watcher, at the deadline's own moment, under
its request id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.clock import Clock
from shared.deadlines import Deadline
from shared.decisions import decide_and_append
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.london import local_day

S = TypeVar("S")
Decide = Callable[[S, date], Sequence[DomainEvent]]


@dataclass
class Runner:
    store: EventStore
    clock: Clock

    async def run(
        self,
        aggregate: Aggregate[S],
        key: str,
        metadata: Metadata,
        request_id: UUID,
        decide: Decide[S],
        *,
        occurred_at: datetime | None = None,
        history: list[Envelope] | None = None,
    ) -> list[Envelope]:
        """Decide on the aggregate's stream in the metadata's partnership and append.

        `occurred_at`: when it happened, if not now (a deadline's own moment); `history`:
        the stream already read (a handler that read it with another, in one round)."""
        moment = occurred_at or self.clock.now()
        today = local_day(moment)
        return await decide_and_append(
            self.store,
            aggregate.stream_id(metadata.partnership_id, key),
            initial=aggregate.initial,
            evolve=aggregate.evolve,
            decide=lambda state: decide(state, today),
            metadata=metadata,
            occurred_at=moment,
            request_id=request_id,
            history=history,
        )

    async def raise_due(
        self, aggregate: Aggregate[S], key: str, deadline: Deadline, decide: Callable[[S], Sequence[DomainEvent]]
    ) -> list[Envelope]:
        """What a passed deadline raises on its stream: as the watcher, at the deadline's own
        moment (so a replay raises it on the same date), under the deadline's request id."""
        return await self.run(
            aggregate, key, deadline.metadata, deadline.key, lambda state, today: decide(state), occurred_at=deadline.due_at
        )

    async def read(self, aggregate: Aggregate[Any], partnership_id: str, key: str) -> list[Envelope]:
        return await self.store.read_stream(aggregate.stream_id(partnership_id, key))

    async def state(self, aggregate: Aggregate[S], partnership_id: str, key: str) -> S | None:
        """The aggregate's current state, or None if it has no history."""
        history = await self.read(aggregate, partnership_id, key)
        return aggregate.fold(e.event for e in history) if history else None
