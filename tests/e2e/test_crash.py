"""kill -9 in the middle of 10,000 agency returns: nothing lost, nothing counted twice.

A longer run: `SCRUTINY_CRASH_RETURNS=50000 .venv/bin/pytest tests/e2e/test_crash.py`
(docs/operations.md records one)."""

import asyncio
import os

import asyncpg
import pytest

from services.platform.supervisor import Platform
from shared.messaging.subjects import Subjects
from shared.waiting import eventually
from tests.e2e.agencies import Crowd

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOTAL = int(os.environ.get("SCRUTINY_CRASH_RETURNS", "10000"))


async def _store_count(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'")


async def _projected(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM reporting.s11_submissions")


async def _assert_exactly_once(pool: asyncpg.Pool) -> None:
    assert await _store_count(pool) == TOTAL
    assert await pool.fetchval(
        "SELECT count(DISTINCT payload->>'submission_id') FROM section11.events WHERE event_type = 'SubmissionReceived'"
    ) == TOTAL
    await eventually(lambda: _projected_all(pool), timeout=180, what="reporting to project every stored return")
    assert await _projected(pool) == await _store_count(pool)
    assert await pool.fetchval("SELECT count(DISTINCT event_id) FROM reporting.s11_submissions") == TOTAL


async def _projected_all(pool: asyncpg.Pool) -> bool:
    return await _projected(pool) >= TOTAL


async def _prepared_crowd(platform: Platform, pool: asyncpg.Pool) -> Crowd:
    """The cycles are opened and relayed before the returns, and the kills, begin."""
    crowd = Crowd(platform.servers.nats_url, Subjects(platform.settings.namespace), TOTAL)
    await crowd.prepare()
    await eventually(
        lambda: _outbox_empty(pool), timeout=180, what="the opened cycles to be relayed"
    )
    return crowd


async def _outbox_empty(pool: asyncpg.Pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM section11.outbox") == 0


async def test_reporting_killed_mid_stream_projects_each_event_once(subprocess_platform: Platform, pool: asyncpg.Pool) -> None:
    crowd = await _prepared_crowd(subprocess_platform, pool)
    flowing = asyncio.create_task(crowd.run())
    await eventually(lambda: _projected(pool), timeout=180, interval=0.01, what="reporting to project the first returns")
    subprocess_platform.kill("reporting")
    killed_at = await _projected(pool)
    assert killed_at < TOTAL
    subprocess_platform.spawn("reporting")
    await subprocess_platform.wait_healthy("reporting")
    await flowing
    await _assert_exactly_once(pool)


async def test_section11_killed_between_append_and_publish_loses_nothing(subprocess_platform: Platform, pool: asyncpg.Pool) -> None:
    crowd = await _prepared_crowd(subprocess_platform, pool)
    flowing = asyncio.create_task(crowd.run())
    stranded = 0
    for _ in range(10):  # kill at a moment when committed events still wait in the outbox
        await eventually(
            lambda: pool.fetchval("SELECT count(*) FROM section11.outbox"), timeout=60, interval=0.005,
            what="committed returns waiting to be relayed",
        )
        subprocess_platform.kill("section11")
        stranded = await pool.fetchval("SELECT count(*) FROM section11.outbox")
        subprocess_platform.spawn("section11")
        await subprocess_platform.wait_healthy("section11")
        if stranded:
            break
    assert stranded > 0, "never caught section11 between append and publish"
    await flowing
    assert crowd.retries > 0
    await _assert_exactly_once(pool)
