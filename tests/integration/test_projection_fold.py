"""A rebuild folds rows in memory (`shared.projections.rows`) where the live path applies each
event as SQL: for a partnership's year of every service's events (the benchmark's national data
at the scale of one partnership, with actions, incidents, audits, assurance events, Section 11
cycles, indicator ratings and risks), every table of every projection is the same row for row,
and so is one partnership's rebuild (the as-of path) of its rows."""

from __future__ import annotations

import asyncpg
import pytest

from bench.dataset import PROFILE, load
from services.reporting.adapters.projections import all_projections
from services.reporting.adapters.sources import projection_runner

pytestmark = pytest.mark.integration


async def _tables(pool: asyncpg.Pool, schema: str, partnership: str | None = None) -> dict[str, list[dict[str, object]]]:
    tables = {}
    for projection in all_projections():
        for table in projection.tables():
            rows = [dict(r) for r in await pool.fetch(f"SELECT * FROM {schema}.{table}")]
            if partnership is not None:
                rows = [r for r in rows if r["partnership_id"] == partnership]
            tables[table] = sorted(rows, key=lambda r: [str(v) for v in r.values()])
    return tables


async def test_a_rebuild_folds_the_same_rows_as_the_live_path_applies(pool: asyncpg.Pool) -> None:
    counts = await load(pool, 14_000)  # two partnerships
    live = projection_runner(pool, "live")
    await live.setup()
    applied = await live.catch_up(batch_size=500)  # the live path: each event as SQL
    assert applied == sum(counts.values())
    folded = projection_runner(pool, "folded")
    assert await folded.rebuild(batch_size=700) == applied
    expected = await _tables(pool, "live")
    assert sum(len(rows) for rows in expected.values()) > 10_000
    got = await _tables(pool, "folded")
    for table, rows in expected.items():
        assert got[table] == rows, table
    assert {s: await folded.checkpoint(s) for s in folded.source_names} == {s: await live.checkpoint(s) for s in live.source_names}

    one = projection_runner(pool, "one")
    await one.rebuild(partnership=PROFILE, batch_size=300)
    mine = await _tables(pool, "one")
    for table, rows in (await _tables(pool, "live", PROFILE)).items():
        assert mine[table] == rows, table
