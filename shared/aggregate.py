"""Aggregates: the kinds of stream a service decides on (pure).

An `Aggregate` names a kind of stream (`{prefix}:{partnership}:{key}`): its initial
state, its pure `evolve`, and for services whose deadlines come from their events, the
timers an event sets and what a passed timer raises. Domain modules declare theirs; the
kernel's one runner (`shared.runner`) loads, decides and appends on any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.catalogue import DomainEvent

S = TypeVar("S")


def _no_timers(event: DomainEvent) -> list[Any]:
    return []


def _nothing_due(state: object, kind: str, key: str) -> list[DomainEvent]:
    return []


@dataclass(frozen=True)
class Aggregate(Generic[S]):
    prefix: str
    initial: S
    evolve: Callable[[S, DomainEvent], S]
    timers: Callable[[DomainEvent], list[Any]] = _no_timers
    """The timers an event starts or stops (a service's deadline schedule reads them)."""
    on_timer: Callable[[Any, str, str], list[DomainEvent]] = _nothing_due
    """(state, timer kind, the aggregate's own key) -> the events a passed deadline raises."""

    def stream_id(self, partnership_id: str, key: str) -> str:
        return f"{self.prefix}:{partnership_id}:{key}"

    def fold(self, events: Iterable[DomainEvent]) -> S:
        state = self.initial
        for event in events:
            state = self.evolve(state, event)
        return state


def of_stream(stream_id: str, aggregates: Mapping[str, Aggregate[Any]]) -> tuple[Aggregate[Any], str, str] | None:
    """The aggregate a stream belongs to, its partnership and its own key
    (`action:{partnership}:{id}` -> ACTION, partnership, id); None for another's stream."""
    prefix, partnership, key = (stream_id.split(":", 2) + ["", ""])[:3]
    aggregate = aggregates.get(prefix)
    return (aggregate, partnership, key) if aggregate is not None and partnership and key else None
