"""Keeps projections up to date, from JetStream or straight from the event stores.

Each event is applied and its checkpoint advanced in one transaction, so a
redelivered event (position at or below the checkpoint) is skipped, and a
crash between apply and ack loses nothing and doubles nothing. If JetStream
hands over an event past a gap (the relay re-sent after an outage), the gap is
filled from the source's event store first: the store, not the bus, is the record.
"""

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg
from opentelemetry import trace

from shared.clock import Clock
from shared.ddl import apply_ddl
from shared.envelope import Envelope
from shared.eventstore.postgres import PostgresEventStore
from shared.personal_data import open_envelopes
from shared.projections.projection import Projection
from shared.telemetry.sampling import Probe, projection_probe
from shared.telemetry.tracing import links_to

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("scrutiny.projections")

Progress = Callable[[str, int, int], None]  # source, applied so far, head position
DEADLOCK_RETRIES = 5


class ProjectionRunner:
    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        projections: Sequence[Projection],
        sources: dict[str, PostgresEventStore],
    ) -> None:
        self._pool = pool
        self.schema = schema
        self._projections = list(projections)
        self._sources = sources

    async def setup(self) -> None:
        await apply_ddl(
            self._pool,
            f"CREATE SCHEMA IF NOT EXISTS {self.schema};"
            f" CREATE TABLE IF NOT EXISTS {self.schema}.checkpoints ("
            " source text PRIMARY KEY, position bigint NOT NULL DEFAULT 0);"
            + ";".join(projection.ddl(self.schema) for projection in self._projections),
        )
        async with self._pool.acquire() as conn:
            await conn.executemany(
                f"INSERT INTO {self.schema}.checkpoints (source) VALUES ($1) ON CONFLICT DO NOTHING",
                [(source,) for source in self._sources],
            )

    def probe(self, clock: Clock) -> Probe:
        """What its host samples while it projects live: per source, the positions of the
        store past its checkpoint and the age of the first of them (`shared.telemetry.sampling`)."""
        return projection_probe(self._pool, self.schema, {s: store.schema for s, store in self._sources.items()}, clock)

    @property
    def source_names(self) -> list[str]:
        return list(self._sources)

    async def checkpoint(self, source: str) -> int:
        return await self._pool.fetchval(
            f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1", source
        ) or 0

    async def apply(
        self, source: str, envelopes: Sequence[Envelope], *, traced: bool = True, partnership: str | None = None
    ) -> int:
        """Apply a batch from one source in position order; returns how many were new.

        A live batch's span links to the trace of each request behind its events; a
        rebuild (`traced=False`) was caused by no request and skips the links. With
        `partnership`, the records are that partnership's alone: the positions between its
        events are other partnerships' and are not gaps."""
        if not traced:
            return await self._apply(source, envelopes, partnership)
        links = links_to([e.trace_context for e in envelopes])
        with _tracer.start_as_current_span(
            f"project {source}", links=links, attributes={"scrutiny.events": len(envelopes)}
        ):
            return await self._apply(source, envelopes, partnership)

    async def _apply(self, source: str, envelopes: Sequence[Envelope], partnership: str | None) -> int:
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            try:
                return await self._apply_once(source, envelopes, partnership)
            except asyncpg.exceptions.DeadlockDetectedError:
                # Two sources' batches locked rows in opposite orders: PostgreSQL rolled this
                # one back (its checkpoint with it), so it is applied again from the start.
                if attempt == DEADLOCK_RETRIES:
                    raise
                log.info("projection batch of %s deadlocked with another source's; applying it again", source)
        raise AssertionError("unreachable")

    async def _apply_once(self, source: str, envelopes: Sequence[Envelope], partnership: str | None) -> int:
        applied = 0
        async with self._pool.acquire() as conn, conn.transaction():
            # FOR UPDATE: two runner instances sharing the durable consumer take turns here.
            checkpoint = await conn.fetchval(
                f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1 FOR UPDATE",
                source,
            )
            # The read models show personal texts opened, or `[erased]` once their key is gone.
            envelopes = await open_envelopes(conn, envelopes)
            statements = _Statements(conn, self.schema)
            for envelope in sorted(envelopes, key=lambda e: e.position or 0):
                position = envelope.position or 0
                if position <= checkpoint:
                    continue
                if position > checkpoint + 1:  # a gap: what lies between is read from the store
                    # (for one partnership's records, only its own events lie between)
                    between = await self._sources[source].read_all(
                        after=checkpoint, limit=position - checkpoint - 1, partnership=partnership
                    )
                    missing = await open_envelopes(conn, [e for e in between if (e.position or 0) < position])
                    for earlier in missing:
                        await self._apply_one(statements, earlier)  # type: ignore[arg-type]
                        applied += 1
                await self._apply_one(statements, envelope)  # type: ignore[arg-type]
                applied += 1
                checkpoint = position
            await statements.flush()
            await conn.execute(
                f"UPDATE {self.schema}.checkpoints SET position = $2 WHERE source = $1",
                source,
                checkpoint,
            )
        return applied

    async def _apply_one(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        for projection in self._projections:
            await projection.apply(conn, self.schema, envelope)

    async def behind(self) -> dict[str, int]:
        """How many events each source's store holds past this runner's checkpoint."""
        return {source: max(0, await store.head() - await self.checkpoint(source)) for source, store in self._sources.items()}

    async def catch_up(
        self,
        *,
        recorded_until: datetime | None = None,
        batch_size: int = 2000,
        progress: Progress | None = None,
        partnership: str | None = None,
    ) -> int:
        """Apply everything the stores hold past the checkpoints, or only what they held
        at a past moment (each store's prefix up to its last event recorded by then), and
        with `partnership` only that partnership's events (its records as of a past day
        need none of the other partnerships' events).

        The sources are caught up side by side, each on its own connection, as the live
        consumers apply them: a rebuild is bound by round trips, not by either core, so
        the reviews and events stores overlap (no projection relies on an order between
        sources, which live delivery never gave)."""
        sources = [
            asyncio.create_task(self._catch_up_source(source, store, recorded_until, batch_size, progress, partnership))
            for source, store in self._sources.items()
        ]
        try:
            return sum(await asyncio.gather(*sources))
        finally:  # one source failed (or we were cancelled): the others stop too, releasing their connections
            for task in sources:
                task.cancel()
            await asyncio.gather(*sources, return_exceptions=True)

    async def _catch_up_source(
        self,
        source: str,
        store: PostgresEventStore,
        recorded_until: datetime | None,
        batch_size: int,
        progress: Progress | None,
        partnership: str | None = None,
    ) -> int:
        total = 0
        head = await store.head(recorded_until, partnership)
        after = await self.checkpoint(source)
        # The next batch is read (and parsed) while this one is applied.
        reading = (
            asyncio.create_task(store.read_all(after=after, limit=min(batch_size, head - after), partnership=partnership))
            if after < head
            else None
        )
        try:
            while reading is not None:
                # The prefix ends at head: one partnership's events are sparse, so a batch may
                # run past it into events recorded after the moment.
                batch = [e for e in await reading if (e.position or 0) <= head]
                reading = None
                if not batch:
                    break
                after = batch[-1].position or 0
                if after < head:
                    reading = asyncio.create_task(store.read_all(after=after, limit=min(batch_size, head - after), partnership=partnership))
                total += await self.apply(source, batch, traced=False, partnership=partnership)
                if progress:
                    progress(source, after, head)
        finally:
            if reading is not None:
                reading.cancel()
                await asyncio.gather(reading, return_exceptions=True)
        return total

    async def reset(self) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            for projection in self._projections:
                for table in projection.tables():
                    await conn.execute(f"TRUNCATE {self.schema}.{table}")
            await conn.execute(f"UPDATE {self.schema}.checkpoints SET position = 0")

    async def drop(self) -> None:
        await self._pool.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    async def rebuild(
        self,
        *,
        recorded_until: datetime | None = None,
        progress: Progress | None = None,
        partnership: str | None = None,
        batch_size: int = 2000,
    ) -> int:
        """Drop and rebuild every projection from the stores (not from NATS): every
        partnership's events, or only `partnership`'s."""
        await self.drop()
        await self.setup()
        return await self.catch_up(
            recorded_until=recorded_until, progress=progress, partnership=partnership, batch_size=batch_size
        )


@lru_cache(maxsize=1024)
def _tables(schema: str, query: str) -> frozenset[str] | None:
    """The schema's tables a statement names; None if it names none (then it is a barrier)."""
    found = frozenset(re.findall(rf"(?<![\w.]){re.escape(schema)}\.(\w+)", query))
    return found or None


@dataclass
class _Group:
    query: str
    tables: frozenset[str]
    args: list[tuple[Any, ...]] = field(default_factory=list)


class _Statements:
    """Stands in for the connection while a batch is applied, so a batch costs a few
    round trips rather than one per statement.

    `execute` with arguments is queued; a queued statement joins the last group of the
    same statement text if no statement queued since touches any of its tables, so it
    only ever moves ahead of statements on other tables, and each group runs as one
    pipelined `executemany`, in order. Anything else (a read, a statement without
    arguments or naming none of the schema's tables) first runs everything queued, so
    it sees every earlier event applied."""

    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self._conn = conn
        self._schema = schema
        self._groups: list[_Group] = []
        self._last: dict[str, int] = {}  # table -> index of the last group touching it
        self._direct = 0  # inside a projection's own (nested) transaction: nothing is queued

    async def execute(self, query: str, *args: Any, **options: Any) -> str:
        tables = _tables(self._schema, query) if args and not options and not self._direct else None
        if tables is None:
            await self.flush()
            return await self._conn.execute(query, *args, **options)
        last = max((self._last.get(table, -1) for table in tables), default=-1)
        if last >= 0 and self._groups[last].query == query:
            self._groups[last].args.append(args)
            return ""
        self._groups.append(_Group(query, tables, [args]))
        for table in tables:
            self._last[table] = len(self._groups) - 1
        return ""

    async def flush(self) -> None:
        groups, self._groups, self._last = self._groups, [], {}
        for group in groups:
            if len(group.args) == 1:
                await self._conn.execute(group.query, *group.args[0])
            else:
                await self._conn.executemany(group.query, group.args)

    def transaction(self, **options: Any) -> "_Nested":
        return _Nested(self, self._conn.transaction(**options))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._conn, name)
        if not callable(attribute) or name in ("is_closed", "get_server_version"):
            return attribute

        async def after_queued(*args: Any, **kwargs: Any) -> Any:
            await self.flush()
            return await attribute(*args, **kwargs)

        return after_queued


class _Nested:
    """A projection's own savepoint: what was queued runs before it, and what it does runs in it."""

    def __init__(self, statements: _Statements, transaction: Any) -> None:
        self._statements, self._transaction = statements, transaction

    async def __aenter__(self) -> Any:
        await self._statements.flush()
        self._statements._direct += 1
        return await self._transaction.__aenter__()

    async def __aexit__(self, *exc: Any) -> Any:
        self._statements._direct -= 1
        return await self._transaction.__aexit__(*exc)
