"""Envelopes as asyncpg hands back rows of the events table (jsonb as text, bytea)."""

import json
from typing import Any

from shared.envelope import Envelope


def row_of(envelope: Envelope) -> dict[str, Any]:
    assert envelope.prev_hash is not None and envelope.hash is not None
    return {
        "position": envelope.position,
        "event_id": envelope.event_id,
        "event_type": envelope.event_type,
        "schema_version": envelope.schema_version,
        "stream_id": envelope.stream_id,
        "stream_version": envelope.stream_version,
        "partnership_id": envelope.partnership_id,
        "actor": envelope.actor,
        "occurred_at": envelope.occurred_at,
        "recorded_at": envelope.recorded_at,
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "trace_context": json.dumps(envelope.trace_context),
        "payload": json.dumps(envelope.payload()),
        "prev_hash": bytes.fromhex(envelope.prev_hash),
        "hash": bytes.fromhex(envelope.hash),
    }
