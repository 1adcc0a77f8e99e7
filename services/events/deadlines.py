"""Which deadlines the assurance events service's events set or settle (read by its
deadline watcher): one per preparation milestone, due once the milestone's last day ends."""

from collections.abc import Sequence

from services.events.domain.rules import MILESTONE, milestone_kind, missed_from
from shared.catalogue.events import (
    AssuranceEventCancelled,
    AssuranceEventRescheduled,
    AssuranceEventScheduled,
    PreparationMilestoneMet,
)
from shared.deadlines import Deadline, Settled
from shared.envelope import Envelope


def deadlines_for(envelope: Envelope) -> Sequence[Deadline | Settled]:
    stream, partnership = envelope.stream_id, envelope.partnership_id
    match envelope.event:
        case AssuranceEventScheduled(milestones=due) | AssuranceEventRescheduled(milestones=due):
            return [Deadline(stream, milestone_kind(m.milestone_id), missed_from(m.due_on), partnership) for m in due]
        case PreparationMilestoneMet(milestone_id=milestone_id):
            return [Settled(stream, milestone_kind(milestone_id))]
        case AssuranceEventCancelled(pending_milestones=pending):
            return [Settled(stream, milestone_kind(milestone_id)) for milestone_id in pending]
    return []


def milestone_of(kind: str) -> str | None:
    """The milestone id a deadline kind names, or None if it is not a milestone's."""
    return kind[len(MILESTONE):] if kind.startswith(MILESTONE) else None
