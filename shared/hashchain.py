"""The tamper-evident chain: each event records the hash of the previous one.

The hash covers the event's canonical JSON (the columns `rows.CHAINED` and the payload,
sorted keys, UTC timestamps) and the previous hash, so an UPDATE changes the event's own
hash and a DELETE breaks the link from the event after it.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shared.eventstore.rows import CHAINED, KIND, TIMES, decoded, hex_of

GENESIS = "0" * 64
_UUIDS = tuple(c for c in CHAINED if KIND[c] == "uuid")
_TIMES = tuple(c for c in CHAINED if c in TIMES)
_CONTENT = (*CHAINED, "payload")  # what a row's hash covers besides its link


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
    document = {c: fields[c] for c in CHAINED}
    for c in _UUIDS:
        document[c] = str(document[c]) if document[c] else None
    for c in _TIMES:
        document[c] = _utc(document[c])
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


def row_hash(row: Mapping[str, Any]) -> str:
    """The hash a stored row (from the database, or a bundle line read back) should record:
    its content linked to the hash it records before it. The one check of a stored row's
    hash: verify, the bundle check (through verify's ChainChecker) and the event page."""
    return link_hash(hex_of(row["prev_hash"]), decoded(row, _CONTENT, text_ids=False))
