"""Keeps projections up to date, from JetStream or straight from the event stores.

Each event is applied and its checkpoint advanced in one transaction, so a
redelivered event (position at or below the checkpoint) is skipped, and a
crash between apply and ack loses nothing and doubles nothing. If JetStream
hands over an event past a gap (the relay re-sent after an outage), the gap is
filled from the source's event store first: the store, not the bus, is the record.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg
from opentelemetry import trace

from shared.ddl import apply_ddl
from shared.envelope import Envelope
from shared.eventstore.postgres import PostgresEventStore
from shared.projections.projection import Projection
from shared.telemetry.tracing import links_to

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("scrutiny.projections")

Progress = Callable[[str, int, int], None]  # source, applied so far, head position


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

    async def checkpoint(self, source: str) -> int:
        return await self._pool.fetchval(
            f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1", source
        ) or 0

    async def apply(self, source: str, envelopes: Sequence[Envelope], *, traced: bool = True) -> int:
        """Apply a batch from one source in position order; returns how many were new.

        A live batch's span links to the trace of each request behind its events; a
        rebuild (`traced=False`) was caused by no request and skips the links."""
        if not traced:
            return await self._apply(source, envelopes)
        links = links_to([e.trace_context for e in envelopes])
        with _tracer.start_as_current_span(
            f"project {source}", links=links, attributes={"scrutiny.events": len(envelopes)}
        ):
            return await self._apply(source, envelopes)

    async def _apply(self, source: str, envelopes: Sequence[Envelope]) -> int:
        applied = 0
        async with self._pool.acquire() as conn, conn.transaction():
            # FOR UPDATE: two runner instances sharing the durable consumer take turns here.
            checkpoint = await conn.fetchval(
                f"SELECT position FROM {self.schema}.checkpoints WHERE source = $1 FOR UPDATE",
                source,
            )
            for envelope in sorted(envelopes, key=lambda e: e.position or 0):
                position = envelope.position or 0
                if position <= checkpoint:
                    continue
                if position > checkpoint + 1:
                    missing = await self._sources[source].read_all(
                        after=checkpoint, limit=position - checkpoint - 1
                    )
                    for earlier in missing:
                        await self._apply_one(conn, earlier)
                        applied += 1
                await self._apply_one(conn, envelope)
                applied += 1
                checkpoint = position
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
    ) -> int:
        """Apply everything the stores hold past the checkpoints, or only what they held
        at a past moment (each store's prefix up to its last event recorded by then)."""
        total = 0
        for source, store in self._sources.items():
            head = await store.head(recorded_until)
            while True:
                after = await self.checkpoint(source)
                if after >= head:
                    break
                batch = await store.read_all(after=after, limit=min(batch_size, head - after))
                if not batch:
                    break
                total += await self.apply(source, batch, traced=False)
                if progress:
                    progress(source, batch[-1].position or 0, head)
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
        self, *, recorded_until: datetime | None = None, progress: Progress | None = None
    ) -> int:
        """Drop and rebuild every projection from the stores (not from NATS)."""
        await self.drop()
        await self.setup()
        return await self.catch_up(recorded_until=recorded_until, progress=progress)
