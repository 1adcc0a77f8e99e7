"""The Section 11 service's command handlers, and the table that names them."""

from dataclasses import dataclass

from services.section11.domain import returns
from services.section11.domain.commands import SubmitSelfAssessment
from shared.clock import Clock
from shared.decisions import decide_and_append
from shared.envelope import Envelope, Metadata
from shared.eventstore import EventStore
from shared.partnerships import Partnerships


@dataclass
class Section11Handlers:
    store: EventStore
    partnerships: Partnerships
    clock: Clock


    async def submit_self_assessment(self, command: SubmitSelfAssessment, metadata: Metadata) -> list[Envelope]:
        profile = self.partnerships.profile(metadata.partnership_id)
        return await decide_and_append(
            self.store,
            returns.stream_id(metadata.partnership_id, command.agency_id, command.cycle_id),
            initial=returns.Return(),
            evolve=returns.evolve,
            decide=lambda state: returns.decide_submission(state, command, profile, str(command.request_id)),
            metadata=metadata,
            occurred_at=self.clock.now(),
            request_id=command.request_id,
        )

    def table(self) -> dict[type, object]:
        """Every command this service accepts, and who handles it."""
        return {SubmitSelfAssessment: self.submit_self_assessment}
