"""A partnership's view read from the read models is kept while its records stand still,
whatever other partnerships record, and read again as soon as a batch of its own events is
applied, its position written again with the same value, a rebuild ends where the last one
did (an erasure's), or it is read from another schema (an as-of day's); read models made
before the partnerships' positions were are keyed by every checkpoint; twenty readers at
once read it once; a kept view is let go by age and by count; and the page cache keys a
kept view by its content, worked out once (services/reporting/adapters/kept_views.py).
The projection runner's side (each batch writes its partnerships' positions) is held by
tests/integration/test_projection_runner.py."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.reporting.adapters.kept_views import VIEWS, KeptViews
from services.reporting.adapters.render_cache import KeptContent, RenderCache, to_minute

pytestmark = pytest.mark.integration

MOMENT = datetime(2026, 12, 7, 9, 30, 15, tzinfo=UTC)


@dataclass(frozen=True)
class View:
    rows: int
    as_of: datetime


class Reader:
    """Reads a view of the schema's one table, counting its readings."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self.pool, self.schema, self.readings = pool, schema, 0

    async def __call__(self) -> View:
        self.readings += 1
        return View(await self.pool.fetchval(f"SELECT count(*) FROM {self.schema}.facts WHERE partnership_id = $1", P), MOMENT)


P = "north-lincolnshire"


@dataclass(frozen=True)
class Profile:
    id: str


PROFILE = Profile(P)


def _tables(schema: str, positions: bool = True) -> str:
    made = (
        f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.checkpoints (source text PRIMARY KEY, position bigint NOT NULL);"
        f" CREATE TABLE {schema}.facts (partnership_id text, n int); INSERT INTO {schema}.checkpoints VALUES ('a', 0), ('b', 0);"
    )
    if positions:  # the partnership's first batch applied (of no facts)
        made += (
            f" CREATE TABLE {schema}.partnership_positions (partnership_id text, source text, position bigint,"
            f" PRIMARY KEY (partnership_id, source)); INSERT INTO {schema}.partnership_positions VALUES ('{P}', 'a', 0)"
        )
    return made


async def _schema(pool: asyncpg.Pool, positions: bool = True) -> str:
    schema = f"kept_{uuid.uuid4().hex[:8]}"
    await pool.execute(_tables(schema, positions))
    return schema


async def _apply(pool: asyncpg.Pool, schema: str, source: str, position: int, facts: int = 1, partnership: str = P) -> None:
    """As the projection runner does: rows, the checkpoint and the partnership's position in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.executemany(f"INSERT INTO {schema}.facts VALUES ($1, $2)", [(partnership, n) for n in range(facts)])
        await conn.execute(f"UPDATE {schema}.checkpoints SET position = $2 WHERE source = $1", source, position)
        if await conn.fetchval("SELECT to_regclass($1)", f"{schema}.partnership_positions"):
            await conn.execute(
                f"INSERT INTO {schema}.partnership_positions VALUES ($1, $2, $3)"
                " ON CONFLICT (partnership_id, source) DO UPDATE SET position = excluded.position",
                partnership, source, position,
            )


async def test_a_view_is_kept_until_a_checkpoint_is_written(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool)
    read = Reader(pool, schema)
    first = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is first and read.readings == 1

    await _apply(pool, schema, "a", 1)
    second = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert (first.rows, second.rows, read.readings) == (0, 1, 2)

    # The same position written again (as a reset or rebuild may): another transaction wrote it.
    await _apply(pool, schema, "a", 1, facts=0)
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is not second and read.readings == 3

    # Other arguments, and the same arguments over another schema, are other views.
    await views.view(pool, schema, PROFILE, ("w",), MOMENT, read)
    other = await _schema(pool)
    await views.view(pool, other, PROFILE, ("v",), MOMENT, Reader(pool, other))
    assert read.readings == 4


async def test_a_partnership_with_no_position_yet_is_read_every_time(pool: asyncpg.Pool) -> None:
    """Read models made before the positions were written, or reset since: a reset, or a
    rebuild that has not reached the partnership, would mark no change."""
    views, schema = KeptViews(), await _schema(pool)
    await pool.execute(f"TRUNCATE {schema}.partnership_positions")
    read = Reader(pool, schema)
    await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert read.readings == 2
    await _apply(pool, schema, "a", 1)
    first = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is first and read.readings == 3


async def test_other_partnerships_records_leave_a_partnerships_view_kept(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool)
    read = Reader(pool, schema)
    first = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    await _apply(pool, schema, "a", 1, facts=3, partnership="elsewhere")
    await _apply(pool, schema, "b", 1, facts=3, partnership="elsewhere")
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is first and read.readings == 1
    await _apply(pool, schema, "b", 2, facts=1)
    assert (await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)).rows == 1 and read.readings == 2


async def test_read_models_made_before_the_positions_are_keyed_by_every_checkpoint(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool, positions=False)
    read = Reader(pool, schema)
    first = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is first
    await _apply(pool, schema, "a", 1, facts=0, partnership="elsewhere")
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is not first and read.readings == 2


async def test_a_rebuild_that_ends_where_the_last_ended_is_read_again(pool: asyncpg.Pool) -> None:
    """An erasure rebuilds the read models to the same positions, with `[erased]` in them."""
    views, schema = KeptViews(), await _schema(pool)
    read = Reader(pool, schema)
    await _apply(pool, schema, "a", 5, facts=3)
    before = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    await pool.execute(f"DROP SCHEMA {schema} CASCADE")
    await pool.execute(_tables(schema))
    await _apply(pool, schema, "a", 5, facts=2)
    after = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert (before.rows, after.rows, read.readings) == (3, 2, 2)


async def test_a_view_read_at_a_later_state_or_minute_takes_the_place_of_the_one_before(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool)
    read = Reader(pool, schema)
    first = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    other = await views.view(pool, schema, PROFILE, ("w",), MOMENT, read)
    await _apply(pool, schema, "a", 1)
    second = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert not views.is_kept(first) and views.is_kept(second) and views.is_kept(other)
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT.replace(second=59), read) is second  # the same minute
    third = await views.view(pool, schema, PROFILE, ("v",), MOMENT + timedelta(minutes=1), read)
    assert third is not second and not views.is_kept(second) and read.readings == 4


async def test_readers_at_once_read_a_view_once(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool)
    started, release = asyncio.Event(), asyncio.Event()
    readings = 0

    async def slow() -> View:
        nonlocal readings
        readings += 1
        started.set()
        await release.wait()
        return View(readings, MOMENT)

    first = asyncio.create_task(views.view(pool, schema, PROFILE, ("v",), MOMENT, slow))
    await started.wait()
    others = [asyncio.create_task(views.view(pool, schema, PROFILE, ("v",), MOMENT, slow)) for _ in range(19)]
    release.set()
    got = await asyncio.gather(first, *others)
    assert readings == 1 and all(view is got[0] for view in got)


async def test_a_failed_reading_keeps_nothing_and_the_next_reader_reads(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool)

    async def failing() -> View:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await views.view(pool, schema, PROFILE, ("v",), MOMENT, failing)
    read = Reader(pool, schema)
    await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert read.readings == 1


async def test_kept_views_are_let_go_by_age_and_by_count(pool: asyncpg.Pool) -> None:
    now = [0.0]
    views, schema = KeptViews(keep=2, max_age=60, clock=lambda: now[0]), await _schema(pool)
    read = Reader(pool, schema)
    first = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert views.is_kept(first)
    now[0] = 59
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is first  # used since, but kept at 0
    now[0] = 61
    second = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert second is not first and not views.is_kept(first) and read.readings == 2
    await views.view(pool, schema, PROFILE, ("w",), MOMENT, read)
    await views.view(pool, schema, PROFILE, ("x",), MOMENT, read)  # a third: the least recently used goes
    assert not views.is_kept(second)
    assert await views.view(pool, schema, PROFILE, ("v",), MOMENT, read) is not second and read.readings == 5


async def test_the_page_cache_keys_a_kept_view_by_its_content_worked_out_once(pool: asyncpg.Pool) -> None:
    """The same kept view is the same page; an equal view read at another state is too (one
    rendering); a changed one is rendered again. (The process's own kept views: their keys
    hold this test's pool, which no other test's reading shares.)"""
    views, schema = VIEWS, await _schema(pool)
    pages, renders = RenderCache(), []
    read = Reader(pool, schema)

    def render() -> str:
        renders.append(1)
        return "<p>page</p>"

    view = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert isinstance(to_minute(view, "as_of"), KeptContent)
    pages.rendered(("t.html", to_minute(view, "as_of")), render)
    pages.rendered(("t.html", to_minute(await views.view(pool, schema, PROFILE, ("v",), MOMENT, read), "as_of")), render)
    await _apply(pool, schema, "b", 1, facts=0)
    again = await views.view(pool, schema, PROFILE, ("v",), MOMENT, read)
    assert again == view and again is not view
    pages.rendered(("t.html", to_minute(again, "as_of")), render)
    assert len(renders) == 1 and read.readings == 2
    await _apply(pool, schema, "b", 2, facts=1)
    pages.rendered(("t.html", to_minute(await views.view(pool, schema, PROFILE, ("v",), MOMENT, read), "as_of")), render)
    assert len(renders) == 2


async def test_a_kept_views_digest_is_worked_out_once(pool: asyncpg.Pool) -> None:
    views, schema = KeptViews(), await _schema(pool)
    view, worked = await views.view(pool, schema, PROFILE, ("v",), MOMENT, Reader(pool, schema)), []

    def work_out() -> bytes:
        worked.append(1)
        return b"digest"

    assert views.digest(view, ("as_of",), work_out) == views.digest(view, ("as_of",), work_out) == b"digest"
    assert len(worked) == 1
    views.digest(View(0, MOMENT), ("as_of",), work_out)  # equal, but not the kept one
    assert len(worked) == 2
