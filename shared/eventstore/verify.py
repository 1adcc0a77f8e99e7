"""Checks a store's hash chain and says which event breaks it.

`check_chain` is pure (rows in, breaks out) so the same check runs on a live
database and on an exported evidence bundle without one.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from shared.hashchain import GENESIS, link_hash


@dataclass(frozen=True)
class ChainBreak:
    store: str
    position: int
    event_id: str
    problem: str

    def __str__(self) -> str:
        return f"{self.store} position {self.position} (event {self.event_id}): {self.problem}"


@dataclass
class ChainReport:
    store: str
    events_checked: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


class ChainChecker:
    """Feed rows in position order; collects every break it sees."""

    def __init__(self, store: str) -> None:
        self.report = ChainReport(store)
        self._last_position = 0
        self._heads: dict[str, str] = {}

    def _break(self, row: Mapping[str, Any], problem: str) -> None:
        self.report.breaks.append(
            ChainBreak(self.report.store, row["position"], str(row["event_id"]), problem)
        )

    def feed(self, row: Mapping[str, Any]) -> None:
        self.report.events_checked += 1
        position = row["position"]
        if position != self._last_position + 1:
            missing = f"{self._last_position + 1}" + (
                f"..{position - 1}" if position - 1 > self._last_position + 1 else ""
            )
            self._break(row, f"positions {missing} are missing before it (events deleted)")
        self._last_position = position
        partnership = row["partnership_id"]
        prev_hash = _hex(row["prev_hash"])
        expected_prev = self._heads.get(partnership, GENESIS)
        if prev_hash != expected_prev:
            self._break(row, "does not link to the previous event of its partnership (an event before it was deleted or altered)")
        payload = row["payload"]
        fields = dict(row) | {"payload": json.loads(payload) if isinstance(payload, str | bytes) else payload}
        actual = link_hash(prev_hash, fields)
        if actual != _hex(row["hash"]):
            self._break(row, "its content does not match its recorded hash (the event was altered)")
        self._heads[partnership] = _hex(row["hash"])

    def finish(self, recorded_heads: Mapping[str, str]) -> ChainReport:
        """Compare the chain's ends with the recorded heads, which reveal deleted newest events."""
        for partnership, head in recorded_heads.items():
            if self._heads.get(partnership) != head:
                self.report.breaks.append(
                    ChainBreak(
                        self.report.store,
                        self._last_position,
                        "-",
                        f"the chain of partnership {partnership!r} does not end at its recorded head"
                        " (its newest events were deleted or altered)",
                    )
                )
        return self.report


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else bytes(value).hex()


def check_chain(
    store: str, rows: Iterable[Mapping[str, Any]], heads: Mapping[str, str]
) -> ChainReport:
    checker = ChainChecker(store)
    for row in rows:
        checker.feed(row)
    return checker.finish(heads)


async def verify_store(conn: asyncpg.Connection, schema: str) -> ChainReport:
    checker = ChainChecker(schema)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor(
            f"SELECT * FROM {schema}.events ORDER BY position", prefetch=2000
        ):
            checker.feed(row)
        heads = {
            row["partnership_id"]: bytes(row["hash"]).hex()
            for row in await conn.fetch(f"SELECT partnership_id, hash FROM {schema}.chain_heads")
        }
    return checker.finish(heads)
