"""The tamper-evident chain: each event records the hash of the previous one.

The hash covers the event's canonical JSON (sorted keys, UTC timestamps) and
the previous hash, so an UPDATE changes the event's own hash and a DELETE
breaks the link from the event after it.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The exact bytes hashed for one event (fields as stored, payload as JSON)."""
    document = {
        "event_id": str(fields["event_id"]),
        "event_type": fields["event_type"],
        "schema_version": fields["schema_version"],
        "stream_id": fields["stream_id"],
        "stream_version": fields["stream_version"],
        "partnership_id": fields["partnership_id"],
        "actor": fields["actor"],
        "occurred_at": _utc(fields["occurred_at"]),
        "recorded_at": _utc(fields["recorded_at"]),
        "correlation_id": str(fields["correlation_id"]),
        "causation_id": str(fields["causation_id"]) if fields["causation_id"] else None,
        "position": fields["position"],
        "payload": fields["payload"],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(bytes.fromhex(prev_hash))
    digest.update(canonical_bytes(fields))
    return digest.hexdigest()
