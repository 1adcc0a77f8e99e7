"""Runs one decision against one stream: fold the history, decide, append.

The domain supplies pure `evolve(state, event) -> state` and a `decide(state)`
closure over its command; this module owns the retry on a concurrent append.

A request id is the sender's: the events it appends take ids derived from the
request id *and* who sent it in which partnership (`request_key`), so the same id
from another agency, or one computed for the deadline watcher's own deadlines, is
a different request and can never be answered with someone else's events.
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


def request_key(request_id: UUID, metadata: Metadata) -> UUID:
    """The request as this sender's in this partnership: what its event ids derive from."""
    return uuid5(request_id, f"{metadata.partnership_id}\x1f{metadata.actor}")


def event_ids_for(key: UUID, count: int) -> list[UUID]:
    """Ids derived from the request's key, so a retried request appends nothing new."""
    return [uuid5(key, str(index)) for index in range(count)]


def already_done(history: Sequence[Envelope], key: UUID) -> list[Envelope]:
    """The events a request (its `request_key`) appended before, if it did: a resent
    request gets the same answer as the first time, not a new decision against today's state."""
    first = uuid5(key, "0")
    for index, envelope in enumerate(history):
        if envelope.event_id == first:
            ids = set(event_ids_for(key, len(history) - index))
            return [e for e in history[index:] if e.event_id in ids]
    return []


def done_before(history: Sequence[Envelope], request_id: UUID, metadata: Metadata) -> list[Envelope]:
    """The events this sender's request appended before: under today's ids (its
    `request_key`), or under the ids of a release before they were scoped to the sender
    (uuid5 of the bare request id; data carried over from it), then only where those
    events are this sender's in this partnership, so no one is answered with another's."""
    if not history:  # a new stream: nothing was done before (and no id need be derived)
        return []
    if earlier := already_done(history, request_key(request_id, metadata)):
        return earlier
    legacy = already_done(history, request_id)
    if legacy and all(e.actor == metadata.actor and e.partnership_id == metadata.partnership_id for e in legacy):
        return legacy
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
    history: list[Envelope] | None = None,
) -> list[Envelope]:
    """`history`: the stream as already read, for the first attempt (a retry reads again)."""
    key = request_key(request_id, metadata) if request_id else None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if history is None or attempt > 1:
            history = await store.read_stream(stream_id)
        if request_id and (earlier := done_before(history, request_id, metadata)):
            return earlier
        state = fold(initial, evolve, (e.event for e in history))
        events = decide(state)
        if not events:
            return []
        ids = event_ids_for(key, len(events)) if key else None
        envelopes = new_envelopes(stream_id, len(history), events, metadata, occurred_at, ids)
        try:
            return await store.append(stream_id, len(history), envelopes)
        except ConcurrencyError:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
