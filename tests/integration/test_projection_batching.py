"""The projection runner's statement queue: a batch applied with pipelined statements
leaves the tables exactly as applying each statement in turn would."""

import asyncpg
import pytest

from shared.projections.statements import Statements as _Statements

pytestmark = pytest.mark.integration


async def _tables(conn: asyncpg.Connection) -> tuple[list[tuple[int, int]], list[int]]:
    return (
        [tuple(r) for r in await conn.fetch("SELECT k, v FROM batching.t ORDER BY k")],
        [r["k"] for r in await conn.fetch("SELECT k FROM batching.u ORDER BY k")],
    )


async def test_queued_statements_end_as_statements_run_in_turn(pool: asyncpg.Pool) -> None:
    statements = [
        ("INSERT INTO batching.t VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = 0", (1, 1)),
        ("INSERT INTO batching.u VALUES ($1)", (1,)),
        ("UPDATE batching.t SET v = v + $2 WHERE k = $1", (1, 10)),
        ("INSERT INTO batching.t VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = 0", (1, 5)),  # resets k=1
        ("UPDATE batching.t SET v = v + $2 WHERE k = $1", (1, 3)),
        ("INSERT INTO batching.u VALUES ($1)", (2,)),
        ("INSERT INTO batching.t VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = 0", (2, 2)),
    ]
    results = []
    async with pool.acquire() as conn:
        for queued in (False, True):
            await conn.execute(
                "DROP SCHEMA IF EXISTS batching CASCADE; CREATE SCHEMA batching;"
                " CREATE TABLE batching.t (k int PRIMARY KEY, v int); CREATE TABLE batching.u (k int)"
            )
            async with conn.transaction():
                target = _Statements(conn, "batching") if queued else conn
                for sql, args in statements:
                    await target.execute(sql, *args)
                if queued:
                    # A read sees every statement queued before it.
                    assert await target.fetchval("SELECT v FROM batching.t WHERE k = 1") == 3
                    # A projection's own savepoint holds what it did, and only that.
                    await target.execute("INSERT INTO batching.u VALUES ($1)", 3)
                    with pytest.raises(RuntimeError):
                        async with target.transaction():
                            await target.execute("INSERT INTO batching.u VALUES ($1)", 4)
                            raise RuntimeError("rolled back")
                    await target.flush()
                else:
                    await conn.execute("INSERT INTO batching.u VALUES ($1)", 3)
            results.append(await _tables(conn))
        await conn.execute("DROP SCHEMA batching CASCADE")
    assert results[0] == results[1] == ([(1, 3), (2, 2)], [1, 2, 3])
