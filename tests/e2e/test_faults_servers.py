"""NATS, then PostgreSQL, stopped and started again (same port, same data directory)
while agencies' returns flow to the four services running as processes.

The services are not restarted: they reconnect by themselves, the outbox relay
publishes what was committed meanwhile, and the durable pull consumers (reporting's
projections, the events service's reaction to call-ins) resume where they were. The
agencies' clients resend the same request id after a timeout or an `unavailable`
answer. Afterwards each return is stored once, projected once, each call-in reacted to
once, and the read models equal a fresh rebuild from the stores.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from shared.messaging.subjects import Subjects
from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres
from shared.waiting import eventually
from tests.support.resending import Resender
from tests.support.returns_flow import (
    TOTAL,
    assert_each_return_once,
    cycles,
    returns,
    start_platform,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "own-nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedPostgres, str]]:
    server = EmbeddedPostgres(tmp_path / "own-pg", durable=False)
    server.start()
    try:
        yield server, await server.ensure_database("scrutiny")
    finally:
        server.stop()


async def test_nats_then_postgresql_stopped_and_started_again_mid_stream(
    own_nats: EmbeddedNats, own_postgres: tuple[EmbeddedPostgres, str], tmp_path: Path
) -> None:
    postgres, database = own_postgres
    platform = await start_platform(own_nats.url, database, tmp_path)
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    try:
        subjects = Subjects(platform.settings.namespace)
        await Resender(own_nats.url).run(cycles(subjects))
        sender = Resender(own_nats.url)
        nc = await sender.connect()
        messages = returns(subjects)
        third = TOTAL // 3
        flowing = [asyncio.create_task(sender.run_on(nc, messages[:third]))]

        # NATS away for longer than an agency waits for an answer, stopped while returns are
        # in flight; the next third is sent while it is away, so requests certainly time out
        # and are sent again (none can be answered before it is back).
        await eventually(lambda: sender.accepted >= 50, timeout=60, interval=0.01, what="the first returns accepted")
        port = own_nats.port
        await asyncio.to_thread(own_nats.stop)
        nats_stopped_at = sender.accepted
        flowing.append(asyncio.create_task(sender.run_on(nc, messages[third:2 * third])))
        await eventually(lambda: sender.retried, timeout=30, what="an agency's request to time out")
        await asyncio.to_thread(own_nats.start)
        assert own_nats.port == port
        await asyncio.gather(*flowing)

        # Then PostgreSQL, stopped while the last third is sent: answers are `unavailable` or
        # time out until it is back, and are sent again.
        retried_before = sum(sender.retried.values())
        port = postgres.port
        await asyncio.to_thread(postgres.stop)
        last = asyncio.create_task(sender.run_on(nc, messages[2 * third:]))
        await eventually(
            lambda: sum(sender.retried.values()) > retried_before, timeout=60,
            what="an agency's request to meet PostgreSQL away",
        )
        await asyncio.to_thread(postgres.start)
        assert postgres.port == port
        await pool.expire_connections()
        await last
        await nc.close()

        assert nats_stopped_at < TOTAL
        await assert_each_return_once(platform, pool, sender)
    finally:
        await pool.close()
        platform.stop()
