"""Schema changes, serialised across processes.

Services start together and each declares its tables idempotently; PostgreSQL's
IF NOT EXISTS is not safe under concurrency (two CREATE SCHEMAs can still
collide), so every declaration takes the same transaction-scoped advisory lock.
"""

import asyncpg

_DDL_LOCK = 7_340_001  # any fixed number; shared by every scrutiny process


async def apply_ddl(pool: asyncpg.Pool, sql: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _DDL_LOCK)
        await conn.execute(sql)
