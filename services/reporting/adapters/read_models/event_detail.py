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
from shared.eventstore.rows import decoded
from shared.hashchain import row_hash

NEIGHBOURS = 200  # at most this many lines in each list of neighbours
_LINE = "position, event_id, stream_id, stream_version, event_type, occurred_at, recorded_at"


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
    fields = decoded(row)  # the row's shape and values: shared/eventstore/rows.py
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
        **fields,
        payload_json=json.dumps(fields["payload"], indent=2, sort_keys=True, ensure_ascii=False),
        hash_matches=row_hash(row) == fields["hash"],
        stream=stream,
        cause=cause,
        caused=caused,
        same_request=[line for line in same_request if line.stream_id != row["stream_id"]],
    )
