from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from shared.clock import ManualClock
from tests.support.platform import RunningPlatform, running_platform, test_settings


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database, min_size=1, max_size=10)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
async def platform(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    async with running_platform(test_settings(nats_url, database, namespace), clock) as running:
        yield running
