"""After a fault: the read models must equal a fresh rebuild from the event stores."""

import asyncpg

from services.reporting.adapters.areas import all_projections
from services.reporting.adapters.sources import projection_runner

CHECK_SCHEMA = "reporting_check"


async def differences_from_rebuild(pool: asyncpg.Pool, live: str = "reporting") -> dict[str, tuple[int, int]]:
    """Rebuild every projection into `reporting_check` from the stores, then compare each
    table with the live one as multisets of rows; returns {table: (only live, only rebuilt)}
    for the tables that differ (empty when they are all equal)."""
    await projection_runner(pool, CHECK_SCHEMA).rebuild()
    differing: dict[str, tuple[int, int]] = {}
    for projection in all_projections():
        for table in projection.tables():
            rows = "SELECT to_jsonb(t) AS r FROM {schema}.{table} t"
            live_rows = rows.format(schema=live, table=table)
            rebuilt_rows = rows.format(schema=CHECK_SCHEMA, table=table)
            only_live = await pool.fetchval(f"SELECT count(*) FROM ({live_rows} EXCEPT ALL {rebuilt_rows}) d")
            only_rebuilt = await pool.fetchval(f"SELECT count(*) FROM ({rebuilt_rows} EXCEPT ALL {live_rows}) d")
            if only_live or only_rebuilt:
                differing[table] = (only_live, only_rebuilt)
    await pool.execute(f"DROP SCHEMA IF EXISTS {CHECK_SCHEMA} CASCADE")
    return differing


async def caught_up(pool: asyncpg.Pool, live: str = "reporting") -> bool:
    """The live projections have applied everything each store holds."""
    return not any((await projection_runner(pool, live).behind()).values())
