"""The one mapper between envelopes and their stored rows and wire messages.

The row's shape (its columns, how each is decoded) is `shared.eventstore.rows`; this
module turns it into envelopes and JetStream messages, and builds every message an
event is published as (`to_wire`, `row_to_wire`; read back with `from_wire`)."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from shared.catalogue import DomainEvent, event_class, upcast
from shared.envelope import Envelope, Metadata
from shared.eventstore.rows import BUT_PAYLOAD, decoded, json_of, record

# Headers every published event carries; Nats-Msg-Id makes JetStream drop a
# re-published event inside its duplicate window, so a relay retry is never a duplicate.
MSG_ID_HEADER = "Nats-Msg-Id"
EVENT_TYPE_HEADER = "Scrutiny-Event-Type"


def new_envelopes(
    stream_id: str,
    expected_version: int,
    events: Sequence[DomainEvent],
    metadata: Metadata,
    occurred_at: datetime,
    event_ids: Sequence[UUID] | None = None,
) -> list[Envelope]:
    """Wrap freshly decided events for appending after `expected_version`."""
    ids = list(event_ids) if event_ids is not None else [uuid4() for _ in events]
    return [
        Envelope(
            event_id=event_id,
            event_type=event.event_type,
            schema_version=event.schema_version,
            stream_id=stream_id,
            stream_version=expected_version + offset,
            partnership_id=metadata.partnership_id,
            actor=metadata.actor,
            occurred_at=occurred_at,
            correlation_id=metadata.correlation_id,
            causation_id=metadata.causation_id,
            trace_context=metadata.trace_context,
            event=event,
        )
        for offset, (event_id, event) in enumerate(zip(ids, events, strict=True), start=1)
    ]


def parse_event(event_type: str, schema_version: int, payload: Mapping[str, Any]) -> DomainEvent:
    current = upcast(event_type, schema_version, dict(payload))
    return event_class(event_type).model_validate(current)


def _stored_event(event_type: str, schema_version: int, payload: Any) -> DomainEvent:
    """A stored payload parsed into its model: straight from the JSON text (in pydantic's
    Rust parser, with no dict in between) when it is at today's version, else upcast."""
    cls = event_class(event_type)
    if schema_version == cls.schema_version and isinstance(payload, str | bytes):
        return cls.model_validate_json(payload)
    return parse_event(event_type, schema_version, json_of(payload))


def from_row(row: Mapping[str, Any], store: str, payload: Any = None) -> Envelope:
    """A stored row (asyncpg Record or dict) back to its envelope, upcast to today's schema;
    with `payload`, the row's payload as already parsed (and its personal texts opened)."""
    event = _stored_event(row["event_type"], row["schema_version"], row["payload"] if payload is None else payload)
    fields = decoded(row, BUT_PAYLOAD, text_ids=False)
    # The envelope describes the payload it carries, which is now upcast; the
    # row keeps the version it was recorded with (and the hash covers that).
    fields["schema_version"] = event.schema_version
    return Envelope(**fields, event=event, store=store)


def to_wire(envelope: Envelope) -> tuple[bytes, dict[str, str]]:
    """Body and headers of the JetStream message announcing a committed event."""
    body = envelope.model_dump(mode="json", exclude={"event"})
    body["payload"] = envelope.payload()
    headers = {MSG_ID_HEADER: str(envelope.event_id), EVENT_TYPE_HEADER: envelope.event_type}
    headers.update(envelope.trace_context)
    return json.dumps(body, separators=(",", ":")).encode(), headers


def row_to_wire(row: Mapping[str, Any], store: str) -> tuple[bytes, dict[str, str]]:
    """The same message as `to_wire(from_row(row))`, built straight from the stored row.

    The relay publishes every event, so it skips parsing the payload into its model
    and dumping it again: the stored JSON text is spliced in as it is, labelled with
    the version it was recorded at (the consumer upcasts it as it would from the store)."""
    head = record(row, BUT_PAYLOAD) | {"store": store}
    payload = row["payload"]
    payload_text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    body = json.dumps(head, separators=(",", ":"))[:-1] + ',"payload":' + payload_text + "}"
    headers = {MSG_ID_HEADER: head["event_id"], EVENT_TYPE_HEADER: row["event_type"]} | head["trace_context"]
    return body.encode(), headers


def from_wire(data: bytes) -> Envelope:
    return from_body(json.loads(data))


def from_body(body: dict[str, Any]) -> Envelope:
    """A wire message's parsed body to its envelope (the body is consumed): for a reader
    that has parsed the message already, so that no event's JSON is parsed twice."""
    payload = body.pop("payload")
    body["event"] = parse_event(body["event_type"], body["schema_version"], payload)
    body["schema_version"] = body["event"].schema_version  # as from_row: the payload's version now
    return Envelope.model_validate(body)
