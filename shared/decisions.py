"""Runs one decision against one stream: fold the history, decide, append.

The domain supplies pure `evolve(state, event) -> state` and a `decide(state)`
closure over its command; this module owns the retry on a concurrent append.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID, uuid5

from shared.catalogue import DomainEvent
from shared.envelope import Envelope, Metadata
from shared.eventstore import ConcurrencyError, EventStore
from shared.mapper import new_envelopes

S = TypeVar("S")

MAX_ATTEMPTS = 5


def fold(initial: S, evolve: Callable[[S, DomainEvent], S], events: Iterable[DomainEvent]) -> S:
    state = initial
    for event in events:
        state = evolve(state, event)
    return state


def event_ids_for(request_id: UUID, count: int) -> list[UUID]:
    """Ids derived from the request, so a retried request appends nothing new."""
    return [uuid5(request_id, str(index)) for index in range(count)]


def already_done(history: Sequence[Envelope], request_id: UUID) -> list[Envelope]:
    """The events a request appended before, if it did: a resent request gets the
    same answer as the first time, not a new decision against today's state."""
    first = uuid5(request_id, "0")
    for index, envelope in enumerate(history):
        if envelope.event_id == first:
            ids = set(event_ids_for(request_id, len(history) - index))
            return [e for e in history[index:] if e.event_id in ids]
    return []


async def decide_and_append(
    store: EventStore,
    stream_id: str,
    *,
    initial: S,
    evolve: Callable[[S, DomainEvent], S],
    decide: Callable[[S], Sequence[DomainEvent]],
    metadata: Metadata,
    occurred_at: datetime,
    request_id: UUID | None = None,
) -> list[Envelope]:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        history = await store.read_stream(stream_id)
        if request_id and (earlier := already_done(history, request_id)):
            return earlier
        state = fold(initial, evolve, (e.event for e in history))
        events = decide(state)
        if not events:
            return []
        ids = event_ids_for(request_id, len(events)) if request_id else None
        envelopes = new_envelopes(stream_id, len(history), events, metadata, occurred_at, ids)
        try:
            return await store.append(stream_id, len(history), envelopes)
        except ConcurrencyError:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
