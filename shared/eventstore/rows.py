"""The one home of the events-row shape: the columns of `{schema}.events` (schema.sql).

Everything that reads or writes a stored event's row takes its columns from here: the
store inserts `values` in `COLUMNS` order as arrays of `SQL_TYPES`; the hash chain hashes
`CHAINED` (with the payload) and checks a row with `hashchain.row_hash`; verify and the
bundle check feed `decoded` rows to that check; the bundle writes `record` as a line and
its check reads the line back by the columns' kinds (`INTS`, `TEXTS`, `TIMES`); the event
page shows `decoded`; the mapper turns a row into its envelope and wire message.

Pure: no database driver and no model here, so the bundle check runs with nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.envelope import Envelope

# (column, PostgreSQL type, kind), in table order. Kinds: int, text, uuid (text on the wire,
# in a bundle and in the hash), time (timestamptz), json (jsonb), hash (bytea, hex elsewhere).
_TABLE = (
    ("position", "bigint", "int"),
    ("event_id", "uuid", "uuid"),
    ("stream_id", "text", "text"),
    ("stream_version", "int", "int"),
    ("event_type", "text", "text"),
    ("schema_version", "int", "int"),
    ("partnership_id", "text", "text"),
    ("actor", "text", "text"),
    ("occurred_at", "timestamptz", "time"),
    ("recorded_at", "timestamptz", "time"),
    ("correlation_id", "uuid", "uuid"),
    ("causation_id", "uuid", "uuid"),  # the only column that may be null
    ("trace_context", "jsonb", "json"),  # the only column the chain does not hash
    ("payload", "jsonb", "json"),
    ("prev_hash", "bytea", "hash"),
    ("hash", "bytea", "hash"),
)

COLUMNS: tuple[str, ...] = tuple(name for name, _, _ in _TABLE)
SQL_TYPES: tuple[str, ...] = tuple(sql for _, sql, _ in _TABLE)
KIND: dict[str, str] = {name: kind for name, _, kind in _TABLE}
HASHED: tuple[str, ...] = tuple(c for c in COLUMNS if c != "trace_context")
# What the hash covers besides the payload and the link before it (hashchain.canonical_bytes).
CHAINED: tuple[str, ...] = tuple(c for c in HASHED if KIND[c] not in ("json", "hash"))
INTS: tuple[str, ...] = tuple(c for c in COLUMNS if KIND[c] == "int")
TEXTS: tuple[str, ...] = tuple(c for c in COLUMNS if KIND[c] in ("text", "uuid") and c != "causation_id")
TIMES: tuple[str, ...] = tuple(c for c in COLUMNS if KIND[c] == "time")
HASHES: tuple[str, ...] = tuple(c for c in COLUMNS if KIND[c] == "hash")
BUT_PAYLOAD: tuple[str, ...] = tuple(c for c in COLUMNS if c != "payload")
_NO_HASH = "0" * 64  # hashchain.GENESIS: a committed envelope always has both hashes


def hex_of(value: Any) -> str:
    """A hash column as hex: bytea from the database, already hex from a bundle line."""
    return value if isinstance(value, str) else bytes(value).hex()


def json_of(value: Any) -> Any:
    """A jsonb column's value: asyncpg hands it over as text, a bundle line already parsed."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def decoded(row: Mapping[str, Any], columns: tuple[str, ...] = COLUMNS, *, text_ids: bool = True) -> dict[str, Any]:
    """A stored row (asyncpg Record, dict, or a bundle line read back) with its values as
    the chain and the pages take them: ids as text (unless not `text_ids`), hashes as hex,
    JSON parsed (an empty trace context for none), times as they are. Only `columns` are
    read (all by default)."""
    uuids, jsons, hashes = _plan(columns)
    out = {c: row[c] for c in columns}
    if text_ids:
        for c in uuids:
            value = out[c]
            out[c] = str(value) if value else None
    for c in jsons:
        out[c] = json_of(out[c])
    for c in hashes:
        out[c] = hex_of(out[c])
    if "trace_context" in out:
        out["trace_context"] = out["trace_context"] or {}
    return out


@cache
def _plan(columns: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The columns to decode, by kind (worked out once per choice of columns)."""
    return tuple(tuple(c for c in columns if KIND[c] == kind) for kind in ("uuid", "json", "hash"))


def record(row: Mapping[str, Any], columns: tuple[str, ...] = COLUMNS) -> dict[str, Any]:
    """A stored row as a JSON object (an evidence bundle's line, the head of a wire
    message): `decoded`, times in UTC."""
    out = decoded(row, columns)
    for c in TIMES:
        if c in out:
            out[c] = out[c].astimezone(UTC).isoformat()
    return out


def values(envelope: Envelope, payload_json: str) -> tuple[Any, ...]:
    """A committed envelope as the row the store inserts, in `COLUMNS` order (the payload
    as the canonical JSON text the hash covered)."""
    row = {c: getattr(envelope, c) for c in CHAINED}  # as the envelope holds them
    row["trace_context"] = json.dumps(envelope.trace_context)
    row["payload"] = payload_json
    row["prev_hash"] = bytes.fromhex(envelope.prev_hash or _NO_HASH)
    row["hash"] = bytes.fromhex(envelope.hash or _NO_HASH)
    return tuple(row[c] for c in COLUMNS)
