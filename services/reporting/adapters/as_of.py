"""The dashboard as of a past date: the read models rebuilt from the events recorded by
the end of that day (London time), in a schema of their own, read by the same queries.

`recorded_at` is when the platform knew a fact, so the prefix of each store recorded by a
moment is what the platform knew then; the projection runner's
`rebuild(recorded_until=...)` applies exactly that prefix. A day that has ended never
changes, so its schema (`reporting_asof_dYYYYMMDD`) is built once and kept, marked with a
fingerprint of the projections' DDL (new code rebuilds it) and the last time it was read
(the least used beyond `keep` are dropped). Until a few minutes after midnight, appends
begun before the day ended may still be committing: such a day is built into a scratch
schema for the one request and dropped after it. Today and later days are not built:
today is the live read models, and a future date is refused.
"""

import asyncio
import contextlib
import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from services.reporting.adapters.areas import all_projections
from services.reporting.adapters.sources import projection_runner
from shared import london
from shared.clock import Clock
from shared.ddl import apply_ddl
from shared.london import end_of_day
from shared.projections import ProjectionRunner
from shared.projections.runner import Progress

log = logging.getLogger(__name__)

PREFIX = "reporting_asof_d"
SCRATCH = "reporting_asof_tmp_"
SETTLE = timedelta(minutes=5)
KEEP = 31
"""Schemas kept: a day of the whole platform, or of one partnership, is one each."""
_LOCK = 7_340_017  # advisory lock namespace for building as-of schemas (with the schema as the second key)
_DIGEST = 10
_NAME = re.compile(rf"{PREFIX}(\d{{8}})(?:_[0-9a-f]{{{_DIGEST}}})?")


def _lock_key(schema: str) -> int:
    """A 32-bit key for the schema being built (advisory locks take two int4s)."""
    return int.from_bytes(hashlib.sha256(schema.encode()).digest()[:4], "big", signed=True)

RunnerFactory = Callable[[str], ProjectionRunner]


class FutureDate(ValueError):
    """The day has not ended yet: there is no record of it to show."""


# Days a page may ask about: no partnership's records predate 2000, and a day near the
# calendar's end would overflow the date arithmetic behind a page (a quarter ahead).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(9998, 12, 31)


def parse_day(text: str) -> date:
    """YYYY-MM-DD between FIRST_DAY and LAST_DAY, else ValueError."""
    day = date.fromisoformat(text.strip())
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is outside {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day




@dataclass(frozen=True)
class AsOf:
    day: date
    moment: datetime
    schema: str
    events: int
    """How many events the records of that day were rebuilt from."""
    built_at: datetime


def fingerprint() -> str:
    """Changes whenever a projection's tables do: a day built by older code is rebuilt."""
    ddl = "".join(p.ddl("s") for p in all_projections())
    return hashlib.sha256(ddl.encode()).hexdigest()[:16]


def _default_runner(pool: asyncpg.Pool) -> RunnerFactory:
    return lambda schema: projection_runner(pool, schema)


class AsOfSchemas:
    def __init__(
        self, pool: asyncpg.Pool, clock: Clock, *, keep: int = KEEP, runner: RunnerFactory | None = None
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._keep = keep
        self._runner = runner or _default_runner(pool)
        self._fingerprint = fingerprint()
        self._building: dict[date, asyncio.Lock] = {}
        self._builds = asyncio.Semaphore(2)  # a build holds two pool connections: keep the pool free

    @staticmethod
    def schema_name(day: date, partnership: str | None = None) -> str:
        """`reporting_asof_dYYYYMMDD` for every partnership's records of the day; one
        partnership's carry a digest of its id (ids have characters a schema name may not)."""
        name = f"{PREFIX}{day.year:04d}{day.month:02d}{day.day:02d}"
        if partnership is None:
            return name
        return f"{name}_{hashlib.sha256(partnership.encode()).hexdigest()[:_DIGEST]}"

    @asynccontextmanager
    async def reading(self, day: date, partnership: str | None = None) -> AsyncIterator[AsOf]:
        """The schema holding the records as of the end of `day`, built if need be (the pages):
        with `partnership`, built from that partnership's events alone."""
        if day >= london.today(self._clock):
            raise FutureDate(f"{day.isoformat()} has not ended yet: the records of today are the live dashboard's")
        async with self.until(end_of_day(day), partnership=partnership) as as_of:
            yield as_of

    @asynccontextmanager
    async def until(
        self,
        moment: datetime,
        *,
        partnership: str | None = None,
        fresh: bool = False,
        progress: Progress | None = None,
    ) -> AsyncIterator[AsOf]:
        """The records as of `moment`, for every reader (the pages, the command line's replay,
        board pack and reports, the evidence export): the end of a day that has ended and
        settled is the day's kept schema (`fresh` drops and rebuilds it, and drops the day's
        single-partnership schemas so they are rebuilt too); any other moment is built into a
        scratch schema for this reading alone. With `partnership`, only its events are read:
        a past day of one partnership costs its own events, not the whole platform's."""
        day = london.local_day(moment)
        if moment == end_of_day(day) and self._clock.now() >= moment + SETTLE:
            if fresh and partnership is None:
                for schema in await self._schemas(day):
                    await self._pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            yield await self._cached(day, moment, partnership, fresh=fresh, progress=progress)
            return
        async with self._scratch(moment, partnership, progress) as scratch:
            yield scratch

    async def positions(self, as_of: AsOf) -> dict[str, int]:
        """The position in each store that the records of `as_of` were built to."""
        runner = self._runner(as_of.schema)
        return {source: await runner.checkpoint(source) for source in runner.source_names}

    @asynccontextmanager
    async def _scratch(
        self, moment: datetime, partnership: str | None, progress: Progress | None = None
    ) -> AsyncIterator[AsOf]:
        schema = f"{SCRATCH}{uuid.uuid4().hex[:12]}"
        runner = self._runner(schema)
        try:
            async with self._builds:
                events = await runner.rebuild(recorded_until=moment, progress=progress, partnership=partnership)
            yield AsOf(moment.date(), moment, schema, events, self._clock.now())
        finally:
            await runner.drop()

    async def _cached(
        self, day: date, moment: datetime, partnership: str | None, *, fresh: bool = False,
        progress: Progress | None = None,
    ) -> AsOf:
        schema = self.schema_name(day, partnership)
        marker = None if fresh else await self._read(schema)  # a finished day never changes: no lock
        if marker is None:
            async with self._building.setdefault(schema, asyncio.Lock()), self._builds:
                marker = await self._build(day, moment, schema, partnership, fresh=fresh, progress=progress)
            await self._evict(keep=schema)
        return AsOf(day, moment, schema, marker["events"], marker["built_at"])

    async def _read(self, schema: str) -> asyncpg.Record | None:
        """The day's marker, noting the read, if it was built by this code's projections."""
        async with self._pool.acquire() as conn:
            marker = await self._marker(conn, schema)
            if marker is None or marker["fingerprint"] != self._fingerprint:
                return None
            await conn.execute(f"UPDATE {schema}.as_of_built SET used_at = $1", self._clock.now())
            return marker

    async def _build(
        self, day: date, moment: datetime, schema: str, partnership: str | None, *, fresh: bool,
        progress: Progress | None,
    ) -> asyncpg.Record:
        async with self._pool.acquire() as conn:
            # Another process may be building the same day: the second waits, then finds it built.
            # A session lock, not a transaction: reading the old marker inside a transaction would
            # hold a lock on it that the rebuild's DROP SCHEMA (on another connection) waits for.
            await conn.execute("SELECT pg_advisory_lock($1, $2)", _LOCK, _lock_key(schema))
            try:
                marker = await self._marker(conn, schema)
                if not fresh and marker is not None and marker["fingerprint"] == self._fingerprint:
                    return marker
                events = await self._runner(schema).rebuild(
                    recorded_until=moment, progress=progress, partnership=partnership
                )
                await apply_ddl(
                    self._pool,
                    f"CREATE TABLE IF NOT EXISTS {schema}.as_of_built (day date PRIMARY KEY, moment timestamptz"
                    " NOT NULL, events integer NOT NULL, fingerprint text NOT NULL, built_at timestamptz NOT NULL,"
                    " used_at timestamptz NOT NULL)",
                )
                await conn.execute(
                    f"INSERT INTO {schema}.as_of_built VALUES ($1, $2, $3, $4, $5, $5)", day, moment, events,
                    self._fingerprint, self._clock.now(),
                )
                log.info("built %s from %d events recorded by %s", schema, events, moment.isoformat())
                marker = await self._marker(conn, schema)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", _LOCK, _lock_key(schema))
        assert marker is not None
        return marker

    async def _marker(self, conn: asyncpg.Connection, schema: str) -> asyncpg.Record | None:
        if not await conn.fetchval("SELECT to_regclass($1)", f"{schema}.as_of_built"):
            return None
        return await conn.fetchrow(f"SELECT * FROM {schema}.as_of_built")

    async def _schemas(self, day: date | None = None) -> list[str]:
        """The as-of schemas kept (of `day`, if given), by name; a schema of the prefix whose
        name is not one of ours (no day, or a day that is not a date) is left alone."""
        rows = await self._pool.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname", f"{PREFIX}%"
        )
        kept = []
        for row in rows:
            named = _NAME.fullmatch(row["nspname"])
            with contextlib.suppress(ValueError):
                if named and (day is None or datetime.strptime(named[1], "%Y%m%d").date() == day):
                    kept.append(row["nspname"])
        return kept

    async def cached_days(self) -> list[date]:
        """The days whose records are kept (for the platform or for one partnership)."""
        days = {datetime.strptime(_NAME.fullmatch(s)[1], "%Y%m%d").date() for s in await self._schemas()}  # type: ignore[index]
        return sorted(days)

    async def _evict(self, keep: str) -> None:
        """Drop the least recently read schemas beyond `self._keep` (never the one just asked for)."""
        used = []
        for schema in await self._schemas():
            if schema == keep:
                continue
            async with self._pool.acquire() as conn:
                marker = await self._marker(conn, schema)
            used.append((marker["used_at"] if marker else None, schema))
        surplus = len(used) + 1 - self._keep
        if surplus <= 0:
            return
        used.sort(key=lambda u: u[0] or datetime.min.replace(tzinfo=UTC))
        for _, schema in used[:surplus]:
            await self._pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            log.info("dropped %s (least recently read as-of records)", schema)
