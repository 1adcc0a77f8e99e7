"""One stored event as the dashboard shows it behind a figure (pure): the envelope as
the service's store holds it, whether its content still matches its hash, the other
events of its stream, and the events it caused or that came from the same request."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EventLine:
    """A neighbour: another event of the stream, a cause or a consequence."""

    store: str
    position: int
    event_id: str
    stream_id: str
    stream_version: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class EventDetail:
    store: str
    position: int
    event_id: str
    event_type: str
    schema_version: int
    stream_id: str
    stream_version: int
    partnership_id: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str | None
    trace_context: dict[str, str]
    payload: dict[str, Any]
    payload_json: str
    prev_hash: str
    hash: str
    hash_matches: bool
    """The event's content, hashed with the previous link, still gives its recorded hash."""
    stream: list[EventLine] = field(default_factory=list)
    cause: EventLine | None = None
    caused: list[EventLine] = field(default_factory=list)
    same_request: list[EventLine] = field(default_factory=list)

    @property
    def agency_ids(self) -> list[str]:
        """The agencies the payload names (as owner, subject, sender or recipient), in order."""
        keys = ("agency_id", "owner_agency_id", "raised_by_agency_id", "escalated_to")
        named = [self.payload.get(k) for k in keys] + list(self.payload.get("agency_ids") or [])
        return list(dict.fromkeys(a for a in named if isinstance(a, str) and a))
