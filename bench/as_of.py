"""The dashboard of one partnership as of a past day, on the national store.

What an inspector's first question costs ("what did the partnership know on 31 March?"):
the as-of service (`services.reporting.adapters.as_of.AsOfSchemas`) builds the day's records
of the one partnership from its own events, then the dashboard's read models are queried
there; a later view of that day reads the kept schema. The dataset's events are all recorded
on the day they are loaded, so the bench stands its clock on the next day and asks for the
loading day: every event of the partnership counts, the worst case of a day.

The comparison, in the same run: the whole platform's records of that day (what every as-of
page cost before a page was built from its partnership's events alone), when `whole` is set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from bench.dataset import PROFILE


@dataclass(frozen=True)
class AsOfTimes:
    events: int
    first: float
    later: float
    whole: float | None
    whole_events: int | None

    def describe(self) -> str:
        text = (
            f"one partnership ({self.events} events): first view {self.first:.2f} s,"
            f" later view {self.later * 1000:.0f} ms"
        )
        if self.whole is not None:
            text += f"; the whole platform's day ({self.whole_events} events): {self.whole:.1f} s"
        return text


async def bench_as_of(pool: asyncpg.Pool, *, whole: bool = False) -> AsOfTimes:
    from services.reporting.adapters.as_of import AsOfSchemas
    from services.reporting.adapters.read_models import ReadModels
    from shared import london
    from shared.clock import ManualClock, SystemClock
    from shared.profiles import load_builtin

    profile = load_builtin(PROFILE)
    day = london.today(SystemClock())
    schemas = AsOfSchemas(pool, ManualClock(london.end_of_day(day) + timedelta(hours=1)))

    async def view() -> tuple[float, int]:
        start = time.perf_counter()
        async with schemas.reading(day, profile.id) as then:
            await ReadModels(pool, then.schema).dashboard(profile, then.moment)
        return time.perf_counter() - start, then.events

    first, events = await view()
    later, _ = await view()
    whole_seconds = whole_events = None
    if whole:
        start = time.perf_counter()
        async with schemas.reading(day) as everything:
            whole_events = everything.events
        whole_seconds = time.perf_counter() - start
    for schema in await schemas._schemas(day):
        await pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return AsOfTimes(events, first, later, whole_seconds, whole_events)
