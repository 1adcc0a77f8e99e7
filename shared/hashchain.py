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


def canonical_payload(payload: Any) -> str:
    """The payload as it appears inside `canonical_bytes` (sorted keys, no spaces, UTF-8)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(fields: Mapping[str, Any], payload_json: str | None = None) -> bytes:
    """The exact bytes hashed for one event (fields as stored, payload as JSON).

    With `payload_json` (`canonical_payload` of the payload, which the store also writes) the
    payload is not serialised again: the document is built around it, byte for byte as
    `json.dumps` of the whole would make it (tests/unit/test_hashchain.py checks that)."""
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
    }
    if payload_json is None:
        return canonical_payload(document | {"payload": fields["payload"]}).encode()
    # "payload" sorts after "partnership_id" and before "position": the keys either side of it.
    before = canonical_payload({k: v for k, v in document.items() if k < "payload"})
    after = canonical_payload({k: v for k, v in document.items() if k > "payload"})
    return f'{before[:-1]},"payload":{payload_json},{after[1:]}'.encode()


def link_hash(prev_hash: str, fields: Mapping[str, Any], payload_json: str | None = None) -> str:
    digest = hashlib.sha256(bytes.fromhex(prev_hash))
    digest.update(canonical_bytes(fields, payload_json))
    return digest.hexdigest()
