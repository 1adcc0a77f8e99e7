"""The one envelope every event travels in, in the store and on the wire."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SerializeAsAny

from shared.catalogue.base import DomainEvent


class Metadata(BaseModel):
    """Who caused a change and why: carried from the request to every event it produced."""

    model_config = ConfigDict(frozen=True)

    partnership_id: str
    actor: str
    correlation_id: UUID
    causation_id: UUID | None = None
    # W3C trace context (traceparent, tracestate) of the request that caused the events,
    # so a projection's span links back to it however late it runs.
    trace_context: dict[str, str] = Field(default_factory=dict)


class Envelope(BaseModel):
    """An event with its identity, position in its stream and provenance.

    `recorded_at`, `position`, `prev_hash` and `hash` are set by the event
    store when the event is committed; before that they are None.
    """

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    schema_version: int
    stream_id: str
    stream_version: int = Field(gt=0)
    partnership_id: str
    actor: str
    occurred_at: AwareDatetime
    correlation_id: UUID
    causation_id: UUID | None = None
    trace_context: dict[str, str] = Field(default_factory=dict)
    event: SerializeAsAny[DomainEvent]
    store: str | None = None
    recorded_at: AwareDatetime | None = None
    position: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    @property
    def metadata(self) -> Metadata:
        return Metadata(
            partnership_id=self.partnership_id,
            actor=self.actor,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            trace_context=self.trace_context,
        )

    def committed(
        self, *, store: str, recorded_at: datetime, position: int, prev_hash: str, hash: str
    ) -> "Envelope":
        return self.model_copy(
            update={
                "store": store,
                "recorded_at": recorded_at,
                "position": position,
                "prev_hash": prev_hash,
                "hash": hash,
            }
        )

    def payload(self) -> dict[str, Any]:
        return self.event.model_dump(mode="json")
