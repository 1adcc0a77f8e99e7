"""Views read from the read models, kept while the read models stand still.

Twenty people reading one partnership's pages each had its views read again: a dozen
queries, thousands of rows decoded and made into row types, the domain's roll-ups, for a
view equal to the one read a moment before. A profile of the front door on the national
store (docs/performance.md) found half the reporting process's time there.

The read models change in one way only: the projection runner applies a batch and moves
its source's checkpoint in the same transaction (rule 5), and with it the row of each
partnership the batch held events of (`partnership_positions`: its last position from
that source). Every read model is kept by partnership (each row's `partnership_id` is its
event's), and every view here is one partnership's. So that partnership's rows, with the
transaction that last wrote each (`xmin`), name the state of everything its views read:
while they are unchanged, a view read again is the same view, whatever other
partnerships record meanwhile. A rebuild, a reset and an erasure's rebuild write them
again (new transactions), and an as-of day's records are a schema of their own. A view
is kept under that state, read just before the view is (so the view is never older than
the state it is kept under), with what else it depends on (the pool, the partnership's
profile, the view's arguments, and the moment to the minute: a page shows no finer
time). Anything recorded, projected, rebuilt or erased for the partnership writes its
row, so a kept view can never be stale. A partnership with no row yet (read models made
before the runner wrote these rows, or reset since) has its views read every time: a
rebuild or a reset from there would write no row until its first batch of the
partnership. (An as-of day's records made before these rows existed are keyed by every
source's checkpoint instead: any batch moves those.)

Few views are kept (`KEEP`), one for each view of each partnership (its slot: a view read
at a later state or minute takes the place of the one before, which no reader asks for
again), each at most `MAX_AGE` seconds: an erased name that a kept view held is
unreachable once the read models are rebuilt, and gone from memory within that time
(docs/security.md). A
view is kept as it was built and handed to every reader: views are frozen dataclasses and
nothing changes them in place. Twenty readers of one view at once wait for one reading.

The page cache (`render_cache`) keys a page by the digest of what it shows; for a kept
view that digest is worked out once and remembered with it (`digest`), not again on every
request, and two kept views of equal content (read at two states that differ in nothing
the page shows) have the same digest, so their page is rendered once.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")

KEEP = 48
"""Views kept in a process: a partnership's pages read about twenty (the dashboard's parts,
the board pack, the reports, an agency's each)."""
MAX_AGE = 600.0
"""Seconds a view is kept (the same as a rendered page, `render_cache.MAX_AGE`)."""
WAIT = 30.0
"""Seconds a reader waits for another's reading of the same view before reading it too."""


def state_query(schema: str) -> str:
    """The partnership's position from each source and the transaction that last wrote it, as one text."""
    return (
        f"SELECT string_agg(source || ':' || position || ':' || xmin::text, ',' ORDER BY source)"
        f" FROM {schema}.partnership_positions WHERE partnership_id = $1"
    )


def schema_state_query(schema: str) -> str:
    """Every source's checkpoint and the transaction that last wrote it (for read models made
    before `partnership_positions` was: any batch changes it)."""
    return (
        f"SELECT string_agg(source || ':' || position || ':' || xmin::text, ',' ORDER BY source) FROM {schema}.checkpoints"
    )


async def state_of(pool: asyncpg.Pool, schema: str, partnership: str) -> str | None:
    try:
        return await pool.fetchval(state_query(schema), partnership)  # type: ignore[no-any-return]
    except asyncpg.UndefinedTableError:
        return "schema " + str(await pool.fetchval(schema_state_query(schema)))


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


class KeptViews:
    def __init__(self, keep: int = KEEP, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self._keep = keep
        self._max_age = max_age
        self._clock = clock
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._slots: dict[Hashable, Hashable] = {}  # a view's key without its state and minute -> its kept key
        self._digests: dict[int, tuple[Any, dict[Hashable, bytes]]] = {}  # id(view) -> (view, its digests), while kept
        self._reading: dict[Hashable, asyncio.Event] = {}

    async def view(
        self,
        pool: asyncpg.Pool,
        schema: str,
        profile: Any,
        key: tuple[Hashable, ...],
        moment: datetime,
        read: Callable[[], Awaitable[T]],
    ) -> T:
        """`read()`'s view of the records in `schema` of `profile`'s partnership at `moment`,
        kept under their state, the profile itself, the moment to the minute and `key` (what
        else the view depends on: its name and arguments). The state is read first, so the
        view `read()` then reads stands at that state or later: it is kept under a state it is
        never older than. One view is kept for each key (its slot): a view read at a later
        state or minute takes the place of the one before."""
        partnership = profile.id
        slot = (pool, schema, partnership, id(profile), *key)
        waited = False
        while True:
            state = await state_of(pool, schema, partnership)
            if state is None:
                # No row yet: nothing of the partnership's applied since these read models
                # were made (or since a reset), so no batch would mark a change: not kept.
                return await read()
            full = (*slot, state, minute(moment))
            kept = self._get(full)
            if kept is not None:
                return kept  # type: ignore[no-any-return]
            reading = self._reading.get(full)
            if reading is None or waited:
                return await self._read(slot, full, read)
            # Another reader reads this view now: wait for it rather than read it again.
            waited = True
            try:
                await asyncio.wait_for(reading.wait(), WAIT)
            except (TimeoutError, RuntimeError):  # too long, or an event of another loop (tests)
                pass

    async def _read(self, slot: tuple[Hashable, ...], full: tuple[Hashable, ...], read: Callable[[], Awaitable[T]]) -> T:
        reading = self._reading.setdefault(full, asyncio.Event())
        try:
            view = await read()
            self._put(slot, full, view)
            return view
        finally:
            if self._reading.get(full) is reading:
                del self._reading[full]
            reading.set()

    def is_kept(self, view: Any) -> bool:
        entry = self._digests.get(id(view))
        return entry is not None and entry[0] is view

    def digest(self, view: Any, how: Hashable, work_out: Callable[[], bytes]) -> bytes:
        """The kept view's digest `how` (worked out once while it is kept; every time if it is not)."""
        entry = self._digests.get(id(view))
        if entry is None or entry[0] is not view:
            return work_out()
        digests = entry[1]
        if how not in digests:
            digests[how] = work_out()
        return digests[how]

    def _get(self, full: Hashable) -> Any:
        oldest = self._clock() - self._max_age
        while self._kept:
            first = next(iter(self._kept))
            if self._kept[first][0] >= oldest:
                break
            self._drop(first)
        entry = self._kept.get(full)
        if entry is None:
            return None
        if entry[0] < oldest:  # used lately, but kept too long
            self._drop(full)
            return None
        self._kept.move_to_end(full)
        return entry[1]

    def _put(self, slot: Hashable, full: Hashable, view: Any) -> None:
        if full in self._kept:
            return
        before = self._slots.get(slot)
        if before is not None and before in self._kept:
            self._drop(before)  # of an earlier state or minute: no reader asks for it again
        self._slots[slot] = full
        self._kept[full] = (self._clock(), view)
        self._digests[id(view)] = (view, {})
        while len(self._kept) > self._keep:
            self._drop(next(iter(self._kept)))

    def _drop(self, full: Hashable) -> None:
        _, view = self._kept.pop(full)
        entry = self._digests.get(id(view))
        if entry is not None and entry[0] is view:
            del self._digests[id(view)]
        slot = full[:-2]  # type: ignore[index]
        if self._slots.get(slot) == full:
            del self._slots[slot]


VIEWS = KeptViews()
"""The process's kept views."""
