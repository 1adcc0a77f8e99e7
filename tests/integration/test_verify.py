"""`scrutiny verify` checks the hash chain and names the event a hand-made SQL change broke."""

import os
import subprocess
import sys
from uuid import uuid4

import asyncpg
import pytest

from shared.eventstore.postgres import PostgresEventStore
from shared.eventstore.verify import verify_store
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


async def _store_with_events(pool: asyncpg.Pool) -> PostgresEventStore:
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    for n in range(6):
        stream = f"s-{n}-{uuid4()}"
        await store.append(stream, 0, envelopes(stream, 0, 1, partnership=f"p{n % 2}"))
    return store


def _scrutiny_verify(database: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SCRUTINY_DATABASE_URL": database, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "verify"], env=env, capture_output=True, text=True, timeout=120
    )


async def test_intact_chain_verifies(pool: asyncpg.Pool, database: str) -> None:
    await _store_with_events(pool)
    async with pool.acquire() as conn:
        report = await verify_store(conn, "section11")
    assert report.intact and report.events_checked == 6
    result = _scrutiny_verify(database)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "section11 (Section 11 cycles and returns): 6 events, chain intact" in result.stdout


async def test_an_update_by_hand_is_named(pool: asyncpg.Pool, database: str) -> None:
    await _store_with_events(pool)
    await pool.execute(
        "UPDATE section11.events SET payload = jsonb_set(payload, '{submitted_by}', '\"someone else\"') WHERE position = 4"
    )
    async with pool.acquire() as conn:
        report = await verify_store(conn, "section11")
    assert [b.position for b in report.breaks][:1] == [4]
    assert "altered" in report.breaks[0].problem
    result = _scrutiny_verify(database)
    assert result.returncode == 1
    assert "section11 position 4" in result.stdout


async def test_a_delete_by_hand_is_named(pool: asyncpg.Pool) -> None:
    await _store_with_events(pool)
    await pool.execute("DELETE FROM section11.outbox WHERE position = 3")
    await pool.execute("DELETE FROM section11.events WHERE position = 3")
    async with pool.acquire() as conn:
        report = await verify_store(conn, "section11")
    assert report.breaks[0].position == 4
    assert "positions 3 are missing" in report.breaks[0].problem


async def test_deleting_the_newest_event_is_caught_by_the_recorded_head(pool: asyncpg.Pool) -> None:
    await _store_with_events(pool)
    await pool.execute("DELETE FROM section11.outbox WHERE position = 6")
    await pool.execute("DELETE FROM section11.events WHERE position = 6")
    async with pool.acquire() as conn:
        report = await verify_store(conn, "section11")
    assert not report.intact
    assert "does not end at its recorded head" in report.breaks[-1].problem
