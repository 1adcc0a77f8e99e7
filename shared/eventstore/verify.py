"""Checks a store's hash chain and says which event breaks it.

`check_chain` is pure (rows in, breaks out) so the same check runs on a live
database and on an exported evidence bundle without one. A live check starts
from the genesis of every chain; a bundle's slice of the chain starts after an
anchor: the position just before the slice and each partnership's hash there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.eventstore.rows import hex_of
from shared.hashchain import GENESIS, row_hash

if TYPE_CHECKING:  # the pure checker runs where no database driver is installed
    import asyncpg


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
    """Feed rows in position order; collects every break it sees.

    By default the rows are a whole store from its first position. For a slice,
    `after_position` is the position just before the first row and `anchors` each
    partnership's chain head there (a partnership not named starts from genesis);
    `other_positions` are inclusive ranges of positions held by partnerships whose
    events were left out of the slice, so they are not reported as missing.
    """

    def __init__(
        self,
        store: str,
        *,
        after_position: int = 0,
        anchors: Mapping[str, str] | None = None,
        other_positions: Iterable[tuple[int, int]] = (),
    ) -> None:
        self.report = ChainReport(store)
        self._last_position = after_position
        self._heads: dict[str, str] = dict(anchors or {})
        self._others = sorted(other_positions)

    def _break(self, row: Mapping[str, Any], problem: str) -> None:
        self.report.breaks.append(
            ChainBreak(self.report.store, row["position"], str(row["event_id"]), problem)
        )

    def feed(self, row: Mapping[str, Any]) -> None:
        self.report.events_checked += 1
        position = row["position"]
        if position <= self._last_position:
            self._break(row, f"comes after position {self._last_position}: positions must increase (an event repeated or moved)")
        elif missing := self._gaps(self._last_position + 1, position - 1):
            self._break(row, f"positions {missing} are missing before it (events deleted)")
        self._last_position = max(self._last_position, position)
        partnership = row["partnership_id"]
        prev_hash, digest = hex_of(row["prev_hash"]), hex_of(row["hash"])
        expected_prev = self._heads.get(partnership, GENESIS)
        if prev_hash != expected_prev:
            self._break(row, "does not link to the previous event of its partnership (an event before it was deleted or altered)")
        if row_hash(row) != digest:
            self._break(row, "its content does not match its recorded hash (the event was altered)")
        self._heads[partnership] = digest

    def _gaps(self, first: int, last: int) -> str:
        """Positions first..last not held by left-out partnerships, as "3", "3..5" or "3, 7..9"."""
        gaps: list[tuple[int, int]] = []
        cursor = first
        for low, high in self._others:
            if high < cursor:
                continue
            if low > last:
                break
            if low > cursor:
                gaps.append((cursor, low - 1))
            cursor = max(cursor, high + 1)
        if cursor <= last:
            gaps.append((cursor, last))
        return ", ".join(f"{a}" if a == b else f"{a}..{b}" for a, b in gaps)

    def finish(
        self, recorded_heads: Mapping[str, str], *, end_position: int | None = None
    ) -> ChainReport:
        """Compare the chain's ends with the recorded heads, which reveal deleted newest events.

        With `end_position` (a slice's recorded last position) the slice must also
        end exactly there, and every partnership seen must have a recorded head."""
        if end_position is not None:
            self._check_end(recorded_heads, end_position)
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

    def _check_end(self, recorded_heads: Mapping[str, str], end_position: int) -> None:
        store = self.report.store
        if self._last_position > end_position:
            self.report.breaks.append(
                ChainBreak(store, self._last_position, "-", f"the slice runs past its recorded last position {end_position} (events added)")
            )
        elif missing := self._gaps(self._last_position + 1, end_position):
            self.report.breaks.append(
                ChainBreak(store, end_position, "-", f"positions {missing} are missing at the end of the slice (events deleted)")
            )
        for partnership in sorted(set(self._heads) - set(recorded_heads)):
            self.report.breaks.append(
                ChainBreak(store, self._last_position, "-", f"the chain of partnership {partnership!r} has no recorded head (events added)")
            )


def check_chain(
    store: str,
    rows: Iterable[Mapping[str, Any]],
    heads: Mapping[str, str],
    *,
    after_position: int = 0,
    anchors: Mapping[str, str] | None = None,
    other_positions: Iterable[tuple[int, int]] = (),
    end_position: int | None = None,
) -> ChainReport:
    """Check a whole store (the defaults) or a slice of it from its anchor (see ChainChecker)."""
    checker = ChainChecker(
        store, after_position=after_position, anchors=anchors, other_positions=other_positions
    )
    for row in rows:
        checker.feed(row)
    return checker.finish(heads, end_position=end_position)


async def verify_store(conn: asyncpg.Connection, schema: str) -> ChainReport:
    checker = ChainChecker(schema)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor(
            f"SELECT * FROM {schema}.events ORDER BY position", prefetch=2000
        ):
            checker.feed(row)
        heads = {
            row["partnership_id"]: hex_of(row["hash"])
            for row in await conn.fetch(f"SELECT partnership_id, hash FROM {schema}.chain_heads")
        }
    return checker.finish(heads)
