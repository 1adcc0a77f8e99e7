"""Checks a store against what PostgreSQL cannot rewrite: its signed heads and JetStream's copies.

A chain checked only against itself cannot show its newest events deleted together with
their recorded head, nor a history rewritten with every later link recomputed. Two things
outside the database can:

- the newest signed head of each partnership's chain (`shared.eventstore.heads`): the store
  must hold at least the events the head counted (else it was *truncated*), and the event at
  the head's position must still have the signed hash (else its history was *recomputed*);
- JetStream's copy of each event the outbox relay published: each must still be in the store,
  the same event with the same hash and the same `trace_context` (which the chain does not
  hash: this comparison is the only evidence about it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.eventstore.heads import event_copies, latest_heads
from shared.eventstore.rows import json_of
from shared.eventstore.signing import PublicKey, SignedHead
from shared.eventstore.verify import ChainBreak
from shared.messaging.subjects import Subjects

if TYPE_CHECKING:
    import asyncpg
    from nats.js import JetStreamContext


@dataclass
class WitnessReport:
    store: str
    heads_checked: int = 0
    copies_checked: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    def add(self, position: int, event_id: str, problem: str) -> None:
        self.breaks.append(ChainBreak(self.store, position, event_id, problem))


async def check_signed_heads(
    conn: asyncpg.Connection, report: WitnessReport, heads: Mapping[str, SignedHead], key: PublicKey | None
) -> None:
    """Compare the store with the newest signed head of each of its chains."""
    s = report.store
    store_position: int = await conn.fetchval(f"SELECT coalesce(max(position), 0) FROM {s}.events")
    rows = {
        r["position"]: r
        for r in await conn.fetch(
            f"SELECT position, event_id, partnership_id, encode(hash, 'hex') AS hash FROM {s}.events WHERE position = ANY($1::bigint[])",
            [h.position for h in heads.values()],
        )
    }
    counted = 0
    for partnership, head in sorted(heads.items()):
        report.heads_checked += 1
        if not head.verified_by(key):
            whose = "no public key to check it with (credentials/chain-signing.pub)" if key is None else f"key {head.key_id}"
            report.add(head.position, "-", f"the signed head of partnership {partnership!r} ({head.signed_at}) does not verify: {whose}")
            continue
        counted = max(counted, head.store_position)
        row = rows.get(head.position)
        if row is None:
            report.add(
                head.position, "-",
                f"the newest event of partnership {partnership!r} signed at {head.signed_at} is missing (deleted)",
            )
        elif row["partnership_id"] != partnership or row["hash"] != head.hash:
            report.add(
                head.position, str(row["event_id"]),
                f"its hash differs from the one signed at {head.signed_at} for partnership {partnership!r}:"
                " the history up to here was rewritten (its links recomputed)",
            )
    if store_position < counted:
        report.add(
            store_position + 1, "-",
            f"the store was truncated: it ends at position {store_position} but a signed head counted {counted}"
            f" events (position{'s' if counted > store_position + 1 else ''} {_span(store_position + 1, counted)} deleted)",
        )


async def check_second_place(
    conn: asyncpg.Connection, store: str, js: JetStreamContext, subjects: Subjects, key: PublicKey | None, *, batch: int = 1000
) -> WitnessReport:
    """The store against its newest signed heads and against every copy JetStream holds."""
    report = WitnessReport(store)
    await check_signed_heads(conn, report, await latest_heads(js, subjects, store), key)
    checker = CopyChecker(report)
    copies: list[tuple[int, dict[str, Any]]] = []
    async for copy in event_copies(js, subjects, store):
        copies.append(copy)
        if len(copies) >= batch:
            await checker.check(conn, copies)
            copies = []
    if copies:
        await checker.check(conn, copies)
    return report


class CopyChecker:
    """Compares JetStream's copies of a store's events with the store, a batch at a time."""

    def __init__(self, report: WitnessReport) -> None:
        self.report = report
        self._seen: dict[int, tuple[str, str]] = {}  # position -> (event id, hash) of its first copy

    async def check(self, conn: asyncpg.Connection, copies: list[tuple[int, dict[str, Any]]]) -> None:
        s = self.report.store
        rows = {
            r["position"]: r
            for r in await conn.fetch(
                f"SELECT position, event_id, encode(hash, 'hex') AS hash, trace_context FROM {s}.events"
                " WHERE position = ANY($1::bigint[])",
                [body.get("position") for _, body in copies if isinstance(body.get("position"), int)],
            )
        }
        for sequence, body in copies:
            self._check_one(sequence, body, rows)

    def _check_one(self, sequence: int, body: dict[str, Any], rows: Mapping[int, Any]) -> None:
        report = self.report
        position, event_id, digest = body.get("position"), str(body.get("event_id")), body.get("hash")
        if not isinstance(position, int):
            report.add(0, event_id, f"JetStream's message {sequence} is not an event copy of this store")
            return
        report.copies_checked += 1
        first = self._seen.setdefault(position, (event_id, str(digest)))
        if first != (event_id, str(digest)):
            report.add(
                position, event_id, f"JetStream holds a second, different copy of it (message {sequence}): published again after a change"
            )
            return
        row = rows.get(position)
        copy = f"JetStream's copy (message {sequence})"
        if row is None:
            report.add(position, event_id, f"deleted from the store: {copy} still holds it")
        elif str(row["event_id"]) != event_id:
            report.add(position, str(row["event_id"]), f"the store holds another event here than {copy}, event {event_id}")
        elif row["hash"] != digest:
            report.add(position, event_id, f"its hash differs from {copy}: the event was rewritten and its links recomputed")
        elif (json_of(row["trace_context"]) or {}) != (body.get("trace_context") or {}):
            report.add(position, event_id, f"its trace_context differs from {copy}: edited (trace_context is not hashed)")


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}..{last}"
