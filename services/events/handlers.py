"""The assurance events service's command handlers, and the table that names them."""

from dataclasses import dataclass

from services.events.domain import assurance_events
from services.events.domain.commands import ConcludeAssuranceEvent
from shared.clock import Clock
from shared.decisions import decide_and_append
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.partnerships import Partnerships


@dataclass
class EventsHandlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock


    async def conclude(self, command: ConcludeAssuranceEvent, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await decide_and_append(
            self.store,
            assurance_events.stream_id(metadata.partnership_id, command.assurance_event_id),
            initial=assurance_events.AssuranceEvent(),
            evolve=assurance_events.evolve,
            decide=lambda state: assurance_events.decide_conclusion(state, command, profile),
            metadata=metadata,
            occurred_at=self.clock.now(),
            request_id=command.request_id,
        )

    def table(self) -> dict[type, object]:
        return {ConcludeAssuranceEvent: self.conclude}
