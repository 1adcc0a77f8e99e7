"""The reviews service's aggregates, by the first token of their stream ids: how each
folds its history, which timers its events set, and what a passed timer means."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.reviews.domain import (
    actions,
    audits,
    impact,
    incidents,
    practice_reviews,
    rapid_reviews,
)
from services.reviews.domain.timers import Timer
from shared.catalogue import DomainEvent


def _no_timers(event: DomainEvent) -> list[Timer]:
    return []


def _nothing_due(state: object, kind: str, key: str) -> list[DomainEvent]:
    return []


@dataclass(frozen=True)
class Aggregate:
    prefix: str
    initial: Any
    evolve: Callable[[Any, DomainEvent], Any]
    timers: Callable[[DomainEvent], list[Timer]] = _no_timers
    on_timer: Callable[[Any, str, str], list[DomainEvent]] = _nothing_due
    """(state, timer kind, the aggregate's own id) -> the events a passed deadline raises."""

    def stream_id(self, partnership_id: str, key: str) -> str:
        return f"{self.prefix}:{partnership_id}:{key}"


ACTION = Aggregate("action", actions.Action(), actions.evolve, actions.timers, actions.on_timer)
INCIDENT = Aggregate("incident", incidents.Incident(), incidents.evolve, incidents.timers, rapid_reviews.on_timer)
REVIEW = Aggregate("review", practice_reviews.Review(), practice_reviews.evolve, practice_reviews.timers, practice_reviews.on_timer)
AUDIT = Aggregate("audit", audits.AuditRound(), audits.evolve, audits.timers, audits.on_timer)
IMPACT = Aggregate("impact", impact.ImpactEntry(), impact.evolve)

AGGREGATES = {a.prefix: a for a in (ACTION, INCIDENT, REVIEW, AUDIT, IMPACT)}


def of_stream(stream_id: str) -> tuple[Aggregate, str] | None:
    """The aggregate a stream belongs to and its own id (`action:{partnership}:{id}` -> ACTION, id)."""
    prefix, _, rest = stream_id.partition(":")
    aggregate = AGGREGATES.get(prefix)
    if aggregate is None or ":" not in rest:
        return None
    return aggregate, rest.rsplit(":", 1)[-1]
