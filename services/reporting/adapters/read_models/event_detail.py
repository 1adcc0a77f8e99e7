"""The stored envelope behind a figure, read (read-only) from the service stores.

Reporting reads the three stores it projects from; an event of another partnership is
answered exactly as an unknown one (None), so one partnership never learns of another's."""

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg

from services.reporting.adapters.sources import SOURCES as STORES
from services.reporting.domain.views.event_detail import EventDetail, EventLine
from shared.hashchain import link_hash

NEIGHBOURS = 200  # at most this many lines in each list of neighbours
_LINE = "position, event_id, stream_id, stream_version, event_type, occurred_at, recorded_at"


def _hex(value: bytes | str) -> str:
    return bytes(value).hex() if isinstance(value, bytes | bytearray | memoryview) else str(value)


def _line(store: str, r: Mapping[str, Any]) -> EventLine:
    return EventLine(
        store, r["position"], str(r["event_id"]), r["stream_id"], r["stream_version"], r["event_type"],
        r["occurred_at"], r["recorded_at"],
    )


async def _exists(conn: asyncpg.Connection, store: str) -> bool:
    return bool(await conn.fetchval("SELECT to_regclass($1)", f"{store}.events"))


async def event_detail(pool: asyncpg.Pool, partnership: str, event_id: str) -> EventDetail | None:
    """The event with this id in any store, if it is `partnership`'s; else None."""
    try:
        wanted = UUID(event_id)
    except ValueError:
        return None
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        stores = [s for s in STORES if await _exists(conn, s)]
        for store in stores:
            row = await conn.fetchrow(
                f"SELECT * FROM {store}.events WHERE event_id = $1 AND partnership_id = $2", wanted, partnership
            )
            if row is not None:
                return await _detail(conn, stores, store, row)
    return None


async def _detail(conn: asyncpg.Connection, stores: list[str], store: str, row: asyncpg.Record) -> EventDetail:
    p = row["partnership_id"]
    payload = json.loads(row["payload"]) if isinstance(row["payload"], str | bytes) else row["payload"]
    prev_hash, digest = _hex(row["prev_hash"]), _hex(row["hash"])
    stream = [
        _line(store, r)
        for r in await conn.fetch(
            f"SELECT {_LINE} FROM {store}.events WHERE stream_id = $1 AND partnership_id = $2"
            f" ORDER BY stream_version LIMIT {NEIGHBOURS}",
            row["stream_id"], p,
        )
    ]
    cause, caused, same_request = None, [], []
    for other in stores:
        if row["causation_id"] is not None and cause is None:
            found = await conn.fetchrow(
                f"SELECT {_LINE} FROM {other}.events WHERE event_id = $1 AND partnership_id = $2", row["causation_id"], p
            )
            cause = _line(other, found) if found else None
        caused += [
            _line(other, r)
            for r in await conn.fetch(
                f"SELECT {_LINE} FROM {other}.events WHERE causation_id = $1 AND partnership_id = $2"
                f" ORDER BY position LIMIT {NEIGHBOURS}",
                row["event_id"], p,
            )
        ]
        same_request += [
            _line(other, r)
            for r in await conn.fetch(
                f"SELECT {_LINE} FROM {other}.events WHERE correlation_id = $1 AND partnership_id = $2"
                f" AND event_id <> $3 ORDER BY position LIMIT {NEIGHBOURS}",
                row["correlation_id"], p, row["event_id"],
            )
        ]
    return EventDetail(
        store=store,
        position=row["position"],
        event_id=str(row["event_id"]),
        event_type=row["event_type"],
        schema_version=row["schema_version"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        partnership_id=p,
        actor=row["actor"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        correlation_id=str(row["correlation_id"]),
        causation_id=str(row["causation_id"]) if row["causation_id"] else None,
        trace_context=json.loads(row["trace_context"]) if isinstance(row["trace_context"], str) else dict(row["trace_context"] or {}),
        payload=payload,
        payload_json=json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False),
        prev_hash=prev_hash,
        hash=digest,
        hash_matches=link_hash(prev_hash, dict(row) | {"payload": payload}) == digest,
        stream=stream,
        cause=cause,
        caused=caused,
        same_request=[line for line in same_request if line.stream_id != row["stream_id"]],
    )
