"""The shapes on the wire that no subscriber's signature shows: replies, events, dead letters.

The replies mirror `shared.messaging.gateway.accepted` / `refused` (a unit test
checks they agree); an event's message is the envelope `shared.mapper.to_wire`
sends, with the catalogue's payload model in it.
"""

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.catalogue import DomainEvent
from shared.envelope import Envelope


class RecordedEvent(BaseModel):
    """One event the command recorded."""

    event_id: UUID
    event_type: str
    stream_id: str
    stream_version: int
    position: int | None = Field(description="The event's position in its service's store")


class ReceiptEvent(BaseModel):
    store: str = Field(description="The service's store holding the event")
    partnership_id: str
    event_id: UUID
    position: int
    hash: str = Field(description="The event's link in its partnership's hash chain (SHA-256, hex)")


class Receipt(BaseModel):
    """The platform's signed receipt of what the command recorded (docs/integrating.md, "Receipts")."""

    kind: Literal["scrutiny-receipt/1"]
    events: list[ReceiptEvent]
    signed_at: str
    key_id: str = Field(description="First 16 hex digits of the SHA-256 of the platform's Ed25519 public key")
    signature: str = Field(
        description="Ed25519, base64, over the receipt without `signature` as sorted compact JSON in UTF-8"
    )


class Accepted(BaseModel):
    """The command was recorded; `events` are the events it appended (a resent request gets the same)."""

    model_config = ConfigDict(title="Accepted")

    status: Literal["accepted"]
    events: list[RecordedEvent]
    receipt: Receipt | None = Field(
        default=None, description="Signed with the platform's key: keep it as proof of what was recorded"
    )


class RefusalDetail(BaseModel):
    code: str = Field(
        description="What was wrong (`invalid_field`, `identity_mismatch`, `unknown_cycle`, ...); "
        "docs/integrating.md lists them. `conflict` and `unavailable` mean: send the same request again."
    )
    field: str | None = Field(description="The payload field at fault, as a dotted path (`answers.lg-1.rating`)")
    message: str


class Refused(BaseModel):
    """The command was not recorded; bad input is also kept in the dead-letter stream."""

    model_config = ConfigDict(title="Refused")

    status: Literal["refused"]
    error: RefusalDetail


class DescribeCommands(BaseModel):
    """An empty request: which commands does this service take?"""

    model_config = ConfigDict(extra="forbid")


class CommandRowDescription(BaseModel):
    token: str
    sender: Literal["business-unit", "agency"]
    title: str
    help: str
    pinned: str | None
    roles: dict[str, str | None] = Field(description="Each role that may send it from the front door -> the field pinned to that person")
    schema_: dict[str, Any] = Field(alias="schema", description="The command's JSON Schema")


class CommandTableAnswer(BaseModel):
    """A service's command table as data (what the front door builds its forms from)."""

    service: str
    rows: list[CommandRowDescription]


class PlannerAnswer(BaseModel):
    """The planner of the period asked for: month by month, planned, held and slipped."""

    status: Literal["ok"]
    planner: dict[str, Any] = Field(description="See docs/assurance-events.md, 'The planner'")


class DeadLetter:
    """A message a service refused or could not process: the original bytes, as sent (often not JSON)."""


# Headers carried by every published event (see shared.mapper); traceparent/tracestate when traced.
EVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {"type": "string", "format": "uuid", "description": "The event id: JetStream drops a duplicate"},
        "Scrutiny-Event-Type": {"type": "string"},
        "traceparent": {"type": "string", "description": "W3C trace context of the request that caused the event"},
        "tracestate": {"type": "string"},
    },
    "required": ["Nats-Msg-Id", "Scrutiny-Event-Type"],
}

DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "Scrutiny-Error-Code": {"type": "string", "description": "The refusal's code, or handler_failed"},
        "Scrutiny-Reason": {"type": "string", "description": "Why, on one line"},
        "Scrutiny-Original-Subject": {"type": "string", "description": "Where the message was sent"},
        "Scrutiny-Service": {"type": "string"},
    },
    "required": ["Scrutiny-Error-Code", "Scrutiny-Reason", "Scrutiny-Original-Subject", "Scrutiny-Service"],
}

EventEnvelope = create_model(  # type: ignore[call-overload]
    "EventEnvelope",
    __doc__="A committed event: its identity, stream, provenance and hash-chain link, around its payload.",
    **{name: (f.annotation, f) for name, f in Envelope.model_fields.items() if name != "event"},
    payload=(dict[str, Any], Field(description="The event's own fields, at `schema_version`")),
)


def event_message(event: type[DomainEvent]) -> dict[str, Any]:
    """The schema of the message announcing one event type, as `shared.mapper.to_wire` sends it."""
    return {
        "allOf": [
            {"$ref": "#/components/schemas/EventEnvelope"},
            {
                "type": "object",
                "properties": {
                    "event_type": {"const": event.event_type},
                    "payload": {"$ref": f"#/components/schemas/{event.__name__}"},
                },
            },
        ],
        "description": f"schema_version is {event.schema_version} now; a payload recorded at an older "
        "version keeps its version and is upcast by the consumer (shared.catalogue upcasters)",
    }
