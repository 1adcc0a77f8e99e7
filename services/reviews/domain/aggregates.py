"""The reviews service's aggregates (`shared.aggregates`), by the first token of their
stream ids: how each folds its history, which timers its events set, and what a passed
timer means."""

from services.reviews.domain import (
    actions,
    audits,
    impact,
    incidents,
    practice_reviews,
    rapid_reviews,
)
from shared.aggregate import Aggregate
from shared.aggregate import of_stream as _of_stream

ACTION = Aggregate("action", actions.Action(), actions.evolve, actions.timers, actions.on_timer)
INCIDENT = Aggregate("incident", incidents.Incident(), incidents.evolve, incidents.timers, rapid_reviews.on_timer)
REVIEW = Aggregate("review", practice_reviews.Review(), practice_reviews.evolve, practice_reviews.timers, practice_reviews.on_timer)
AUDIT = Aggregate("audit", audits.AuditRound(), audits.evolve, audits.timers, audits.on_timer)
IMPACT = Aggregate("impact", impact.ImpactEntry(), impact.evolve)

AGGREGATES = {a.prefix: a for a in (ACTION, INCIDENT, REVIEW, AUDIT, IMPACT)}


def of_stream(stream_id: str) -> tuple[Aggregate, str] | None:
    """The aggregate a stream belongs to and its own id (`action:{partnership}:{id}` -> ACTION, id)."""
    found = _of_stream(stream_id, AGGREGATES)
    return (found[0], found[2]) if found else None
