from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.platform.supervisor import Platform
from tests.support.platform import test_settings


@pytest.fixture
async def subprocess_platform(nats_url: str, database: str, namespace: str, tmp_path: Path) -> AsyncIterator[Platform]:
    """All four services as separate processes (so one can be killed), on the suite's servers."""
    settings = test_settings(nats_url, database, namespace).model_copy(
        update={"data_dir": tmp_path, "deadline_interval_seconds": 1.0}
    )
    platform = await Platform(settings).start()
    try:
        yield platform
    finally:
        platform.stop()


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()
