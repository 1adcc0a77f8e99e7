"""Rebuilding every reporting projection from the four stores, against a raw read-and-copy.

Both read each store's events in position order, 2,000 at a time:

- ``raw read + COPY`` (the ceiling): fetches the rows and COPYs three of their
  columns into a scratch table. No parsing, no projection: what moving the bytes
  through Python costs on this machine.
- ``projection rebuild``: `services.reporting.bootstrap.projection_runner(pool,
  schema).rebuild()`, what `scrutiny replay` does: drop the schema, create the
  read models, and apply every event (parsed and upcast into its model) with the
  checkpoint advanced per batch.
"""

from __future__ import annotations

import time

import asyncpg

from bench.dataset import STORES
from bench.results import Result

BATCH = 2000


async def bench_raw_rebuild(pool: asyncpg.Pool) -> Result:
    async with pool.acquire() as conn:
        await conn.execute("DROP TABLE IF EXISTS public.bench_rebuild_raw")
        await conn.execute("CREATE TABLE public.bench_rebuild_raw (event_id uuid, event_type text, payload jsonb)")
        total = 0
        start = time.perf_counter()
        for store in STORES:
            after = 0
            while True:
                rows = await conn.fetch(
                    f"SELECT * FROM {store}.events WHERE position > $1 ORDER BY position LIMIT $2", after, BATCH
                )
                if not rows:
                    break
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        "bench_rebuild_raw",
                        schema_name="public",
                        records=[(r["event_id"], r["event_type"], r["payload"]) for r in rows],
                    )
                after = rows[-1]["position"]
                total += len(rows)
        seconds = time.perf_counter() - start
        await conn.execute("DROP TABLE public.bench_rebuild_raw")
    return Result("raw read + COPY", total, seconds, f"{BATCH} rows a batch, no parsing (the ceiling)")


async def bench_projection_rebuild(pool: asyncpg.Pool, schema: str = "reporting") -> Result:
    from services.reporting.adapters.sources import projection_runner

    runner = projection_runner(pool, schema)
    start = time.perf_counter()
    applied = await runner.rebuild()
    seconds = time.perf_counter() - start
    return Result("projection rebuild", applied, seconds, f"every reporting projection into schema {schema}")
