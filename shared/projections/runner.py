"""Keeps projections up to date, from JetStream or straight from the event stores.

Each event is applied and its checkpoint advanced in one transaction, so a
redelivered event (position at or below the checkpoint) is skipped, and a
crash between apply and ack loses nothing and doubles nothing. If JetStream
hands over an event past a gap (the relay re-sent after an outage), the gap is
filled from the source's event store first: the store, not the bus, is the record.
With the checkpoint, each batch writes the last position of each partnership it held
events of (`partnership_positions`): the state a partnership's kept views are keyed by.

It is one module of under 400 lines because the live batch, the rebuild's fold
and the catch-up share those rules (the checkpoint read, the gap filled, the write); split,
each part would have to restate them.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import asyncpg
from opentelemetry import trace

from shared.clock import Clock
from shared.ddl import apply_ddl
from shared.envelope import Envelope
from shared.eventstore.postgres import PostgresEventStore
from shared.personal_data import open_envelopes, open_rows
from shared.projections.collections_paused import batch_folded, collections_paused
from shared.projections.opening import Opener
from shared.projections.projection import Projection
from shared.projections.rows import Rows
from shared.projections.statements import Statements
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
        # The event types whose personal texts are opened: those some projection acts on.
        reads = [p.reads for p in self._projections]
        self._opens: frozenset[str] | None = None if None in reads else frozenset().union(*reads)  # type: ignore[arg-type]
        self._by_type: dict[tuple[str, bool | None], list[Projection]] = {}

    def _acting(self, event_type: str, folds: bool | None = None) -> list[Projection]:
        """The projections that act on an event of this type (all that read it, or only those
        that fold, or only those that do not), in their order: worked out once a type."""
        key = (event_type, folds)
        acting = self._by_type.get(key)
        if acting is None:
            acting = self._by_type[key] = [
                p for p in self._projections
                if (p.reads is None or event_type in p.reads) and (folds is None or p.folds == folds)
            ]
        return acting

    async def setup(self) -> None:
        await apply_ddl(
            self._pool,
            f"CREATE SCHEMA IF NOT EXISTS {self.schema};"
            f" CREATE TABLE IF NOT EXISTS {self.schema}.checkpoints ("
            " source text PRIMARY KEY, position bigint NOT NULL DEFAULT 0);"
            # Each partnership's last event applied from each source, written with the
            # checkpoint: what a partnership's pages show changes only when its row does.
            f" CREATE TABLE IF NOT EXISTS {self.schema}.partnership_positions ("
            " partnership_id text NOT NULL, source text NOT NULL, position bigint NOT NULL,"
            " PRIMARY KEY (partnership_id, source));"
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

    def opener(self) -> Opener:
        """What opens a live batch's texts for this runner before its events are built
        (`shared.projections.opening`); the batch is then applied with `opened_above`."""
        return Opener(self._pool, self._opens)

    @property
    def source_names(self) -> list[str]:
        return list(self._sources)

    async def checkpoint(self, source: str, conn: asyncpg.Connection | None = None) -> int:
        """The source's checkpoint; on `conn` where the caller holds one (a batch never waits
        for a second connection while it holds one, which a small pool could never give)."""
        return await (conn or self._pool).fetchval(
            f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1", source
        ) or 0

    async def apply(
        self, source: str, envelopes: Sequence[Envelope], *, traced: bool = True, partnership: str | None = None,
        opened_above: int | None = None,
    ) -> int:
        """Apply a batch from one source in position order; returns how many were new.

        A live batch's span links to the trace of each request behind its events; a
        rebuild (`traced=False`) was caused by no request and skips the links. With
        `partnership`, the records are that partnership's alone: the positions between its
        events are other partnerships' and are not gaps. `opened_above`: the texts of its events
        past that position are opened already, by `opener()` (those at or before it are
        opened here, should they be new: a checkpoint set back by a reset)."""
        if not traced:
            return await self._apply(source, envelopes, partnership, opened_above=opened_above)
        links = links_to([e.trace_context for e in envelopes])
        with _tracer.start_as_current_span(
            f"project {source}", links=links, attributes={"scrutiny.events": len(envelopes)}
        ):
            return await self._apply(source, envelopes, partnership, opened_above=opened_above)

    async def _apply(
        self, source: str, envelopes: Sequence[Envelope], partnership: str | None, rows: Rows | None = None, *,
        from_store: bool = False, opened_above: int | None = None,
    ) -> int:
        """`from_store`: the envelopes are a batch read from the store (`_read`): all it holds
        after the checkpoint, up to the last of them, their texts opened. `opened_above`:
        the texts of those past it are opened (a live batch, by `opener()`)."""
        if rows is not None:
            return await self._fold(source, envelopes, partnership, rows, from_store)
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            try:
                return await self._apply_once(source, envelopes, partnership, from_store, opened_above)
            except asyncpg.exceptions.DeadlockDetectedError:
                # Two sources' batches locked rows in opposite orders: PostgreSQL rolled this
                # one back (its checkpoint with it), so it is applied again from the start.
                if attempt == DEADLOCK_RETRIES:
                    raise
                log.info("projection batch of %s deadlocked with another source's; applying it again", source)
        raise AssertionError("unreachable")

    async def _apply_once(
        self, source: str, envelopes: Sequence[Envelope], partnership: str | None, from_store: bool,
        opened_above: int | None = None,
    ) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            # FOR UPDATE: two runner instances sharing the durable consumer take turns here.
            checkpoint = await conn.fetchval(
                f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1 FOR UPDATE", source
            )
            todo = await self._new(conn, source, envelopes, partnership, checkpoint, from_store, opened_above)
            if todo:
                await self._write(conn, source, todo)
            return len(todo)

    async def _fold(self, source: str, envelopes: Sequence[Envelope], partnership: str | None, rows: Rows, from_store: bool) -> int:
        """A rebuild's batch (one writer per source, tables that started empty): the folding
        projections' rows change in memory, once, and are written in the batch's transaction
        with the other projections' statements and the checkpoint."""
        async with self._pool.acquire() as conn:
            checkpoint = await self.checkpoint(source, conn)
            todo = await self._new(conn, source, envelopes, partnership, checkpoint, from_store)
            if not todo:
                return 0
            for envelope in todo:
                for projection in self._acting(envelope.event_type, folds=True):
                    projection.fold(rows, envelope)
            writes = rows.take()
            for attempt in range(1, DEADLOCK_RETRIES + 1):
                try:
                    async with conn.transaction():
                        if await conn.fetchval(
                            f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1 FOR UPDATE", source
                        ) != checkpoint:
                            raise RuntimeError(f"{self.schema}: the checkpoint of {source} moved during its rebuild")
                        await self._write(conn, source, todo, lambda: rows.write(conn, writes))
                    return len(todo)
                except asyncpg.exceptions.DeadlockDetectedError:
                    if attempt == DEADLOCK_RETRIES:
                        raise
                    log.info("rebuild batch of %s deadlocked with another source's; writing it again", source)
        raise AssertionError("unreachable")

    async def _new(
        self,
        conn: asyncpg.Connection,
        source: str,
        envelopes: Sequence[Envelope],
        partnership: str | None,
        checkpoint: int,
        from_store: bool,
        opened_above: int | None = None,
    ) -> list[Envelope]:
        """The batch's events past the checkpoint, in position order, with any gap before one
        filled from the store (for one partnership's records, only its own events lie between),
        their personal texts opened: the read models show them opened, or `[erased]` once their
        key is gone. A batch read from the store (`from_store`) has no gap to fill, and its
        texts are opened already; for one partnership, the positions between its events are
        other partnerships', which a read of its own would only find empty, event by event."""
        todo: list[Envelope] = []
        sealed: list[int] = []  # where in todo an envelope still sealed is
        for envelope in sorted(envelopes, key=lambda e: e.position or 0):
            position = envelope.position or 0
            if position <= checkpoint:
                continue
            if position > checkpoint + 1 and not from_store:  # a gap: what lies between is read from the store
                between = await self._read(
                    source, after=checkpoint, limit=position - checkpoint - 1, partnership=partnership, conn=conn
                )
                todo.extend(e for e in between if (e.position or 0) < position)
            if not from_store and (opened_above is None or position <= opened_above):
                sealed.append(len(todo))
            todo.append(envelope)
            checkpoint = position
        if sealed:
            for i, envelope in zip(sealed, await open_envelopes(conn, [todo[i] for i in sealed], only=self._opens), strict=True):
                todo[i] = envelope
        return todo

    async def _read(
        self, source: str, *, after: int, limit: int, partnership: str | None, conn: asyncpg.Connection | None = None
    ) -> list[Envelope]:
        """The store's events after a position, their personal texts opened as they are built;
        on `conn` if the caller holds one (a batch filling a gap), so that it never waits for
        a second connection while holding one."""
        store = self._sources[source]
        rows = await store.read_rows(after=after, limit=limit, partnership=partnership, conn=conn)
        return await open_rows(conn or self._pool, rows, store.schema, only=self._opens)

    async def _write(
        self,
        conn: asyncpg.Connection,
        source: str,
        todo: list[Envelope],
        rows_written: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Inside the batch's transaction: each event applied as SQL by each projection that
        reads it (those that fold, unless their folded rows are written by `rows_written`),
        and the checkpoint advanced to the batch's last event, with each partnership's
        position (the state its pages are kept under: services/reporting/adapters/kept_views.py)."""
        statements = Statements(conn, self.schema)
        folds = None if rows_written is None else False
        for envelope in todo:
            for projection in self._acting(envelope.event_type, folds):
                await projection.apply(statements, self.schema, envelope)  # type: ignore[arg-type]
        await statements.flush()
        if rows_written is not None:
            await rows_written()
        last = {envelope.partnership_id: envelope.position for envelope in todo}
        await conn.execute(  # one statement, one round trip
            f"WITH checkpoint AS (UPDATE {self.schema}.checkpoints SET position = $2 WHERE source = $1)"
            f" INSERT INTO {self.schema}.partnership_positions"
            " SELECT partnership_id, $1, position FROM unnest($3::text[], $4::bigint[]) AS x(partnership_id, position)"
            " ON CONFLICT (partnership_id, source) DO UPDATE SET position = excluded.position",
            source, todo[-1].position, list(last), list(last.values()),
        )

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
        rows: Rows | None = None,
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
            asyncio.create_task(self._catch_up_source(source, store, recorded_until, batch_size, progress, partnership, rows))
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
        rows: Rows | None = None,
    ) -> int:
        total = 0
        head = await store.head(recorded_until, partnership)
        after = await self.checkpoint(source)
        # The next batch is read (and parsed) while this one is applied.
        reading = (
            asyncio.create_task(self._read(source, after=after, limit=min(batch_size, head - after), partnership=partnership))
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
                    reading = asyncio.create_task(
                        self._read(source, after=after, limit=min(batch_size, head - after), partnership=partnership)
                    )
                total += await self._apply(source, batch, partnership, rows, from_store=True)
                if rows is not None:
                    batch_folded()
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
            await conn.execute(f"TRUNCATE {self.schema}.partnership_positions")

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
        partnership's events, or only `partnership`'s. The tables start empty and this is
        their one writer, so the projections that fold do so in memory (`shared.projections.rows`);
        if it stops part way, `catch_up` goes on from the checkpoints the live way."""
        await self.drop()
        await self.setup()
        folding = [p for p in self._projections if p.folds]
        rows = None
        if folding:
            async with self._pool.acquire() as conn:
                rows = await Rows.load(
                    conn, self.schema, [t for p in folding for t in p.tables()], [t for p in folding for t in p.append_only]
                )
        with collections_paused():
            return await self.catch_up(
                recorded_until=recorded_until, progress=progress, partnership=partnership, batch_size=batch_size, rows=rows
            )
