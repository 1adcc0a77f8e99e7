"""The one mapper between envelopes and their stored rows and wire messages."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from shared.catalogue import DomainEvent, event_class, upcast
from shared.envelope import Envelope, Metadata

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


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _stored_event(event_type: str, schema_version: int, payload: Any) -> DomainEvent:
    """A stored payload parsed into its model: straight from the JSON text (in pydantic's
    Rust parser, with no dict in between) when it is at today's version, else upcast."""
    cls = event_class(event_type)
    if schema_version == cls.schema_version and isinstance(payload, str | bytes):
        return cls.model_validate_json(payload)
    return parse_event(event_type, schema_version, _json(payload))


def from_row(row: Mapping[str, Any], store: str) -> Envelope:
    """A stored row (asyncpg Record or dict) back to its envelope, upcast to today's schema."""
    event = _stored_event(row["event_type"], row["schema_version"], row["payload"])
    return Envelope(
        event_id=row["event_id"],
        event_type=row["event_type"],
        # The envelope describes the payload it carries, which is now upcast; the
        # row keeps the version it was recorded with (and the hash covers that).
        schema_version=event.schema_version,
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        partnership_id=row["partnership_id"],
        actor=row["actor"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        trace_context=_json(row["trace_context"]) or {},
        event=event,
        store=store,
        position=row["position"],
        prev_hash=bytes(row["prev_hash"]).hex(),
        hash=bytes(row["hash"]).hex(),
    )


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
    trace_context = _json(row["trace_context"]) or {}
    head = {
        "event_id": str(row["event_id"]),
        "event_type": row["event_type"],
        "schema_version": row["schema_version"],
        "stream_id": row["stream_id"],
        "stream_version": row["stream_version"],
        "partnership_id": row["partnership_id"],
        "actor": row["actor"],
        "occurred_at": row["occurred_at"].isoformat(),
        "correlation_id": str(row["correlation_id"]),
        "causation_id": str(row["causation_id"]) if row["causation_id"] else None,
        "trace_context": trace_context,
        "store": store,
        "recorded_at": row["recorded_at"].isoformat(),
        "position": row["position"],
        "prev_hash": bytes(row["prev_hash"]).hex(),
        "hash": bytes(row["hash"]).hex(),
    }
    payload = row["payload"]
    payload_text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    body = json.dumps(head, separators=(",", ":"))[:-1] + ',"payload":' + payload_text + "}"
    headers = {MSG_ID_HEADER: head["event_id"], EVENT_TYPE_HEADER: row["event_type"]} | trace_context
    return body.encode(), headers


def from_wire(data: bytes) -> Envelope:
    body = json.loads(data)
    payload = body.pop("payload")
    body["event"] = parse_event(body["event_type"], body["schema_version"], payload)
    body["schema_version"] = body["event"].schema_version  # as from_row: the payload's version now
    return Envelope.model_validate(body)
