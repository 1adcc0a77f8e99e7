"""The reviews service's command handlers, its deadline rules, and the table that names them."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import NAMESPACE_URL, uuid5

from services.reviews.domain import actions
from services.reviews.domain.commands import MarkActionOverdue, RaiseAction
from shared.catalogue.reviews import ActionRaised
from shared.clock import Clock
from shared.deadlines import Deadline, Settled
from shared.decisions import decide_and_append
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.partnerships import Partnerships

WATCHER = "deadline-watcher"


def deadlines_for(envelope: Envelope) -> Sequence[Deadline | Settled]:
    """Which deadlines an event sets or settles (read by the deadline watcher)."""
    match envelope.event:
        case ActionRaised(due_on=due_on):
            return [Deadline(envelope.stream_id, actions.OVERDUE, actions.overdue_from(due_on), envelope.partnership_id)]
    return []


@dataclass
class ReviewsHandlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock

    async def raise_action(self, command: RaiseAction, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await decide_and_append(
            self.store,
            actions.stream_id(metadata.partnership_id, command.action_id),
            initial=actions.Action(),
            evolve=actions.evolve,
            decide=lambda state: actions.decide_raise(state, command, profile),
            metadata=metadata,
            occurred_at=self.clock.now(),
            request_id=command.request_id,
        )

    async def mark_overdue(self, command: MarkActionOverdue, metadata: Metadata) -> list[Envelope]:
        # The deadline, not the moment the watcher noticed it, is when this happened:
        # that is what makes a replay raise the same event on the same date.
        return await decide_and_append(
            self.store,
            actions.stream_id(metadata.partnership_id, command.action_id),
            initial=actions.Action(),
            evolve=actions.evolve,
            decide=lambda state: actions.decide_overdue(state, command),
            metadata=metadata,
            occurred_at=command.deadline,
            request_id=uuid5(NAMESPACE_URL, f"{metadata.partnership_id}/{command.action_id}/{actions.OVERDUE}/{command.deadline.isoformat()}"),
        )

    async def on_deadline(self, deadline: Deadline) -> Sequence[Envelope]:
        if deadline.kind != actions.OVERDUE:
            return []
        action_id = deadline.stream_id.rsplit(":", 1)[-1]
        metadata = Metadata(
            partnership_id=deadline.partnership_id,
            actor=WATCHER,
            correlation_id=uuid5(NAMESPACE_URL, deadline.stream_id),
        )
        return await self.mark_overdue(MarkActionOverdue(action_id=action_id, deadline=deadline.due_at), metadata)

    def table(self) -> dict[type, object]:
        """Every command this service accepts, and who handles it."""
        return {RaiseAction: self.raise_action, MarkActionOverdue: self.mark_overdue}
