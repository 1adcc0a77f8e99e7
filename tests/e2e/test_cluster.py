"""A three-node JetStream cluster on loopback, every stream replicated three times, and
the node every service is connected to killed (SIGKILL) while returns flow: the
services fail over to the other two nodes, and nothing JetStream acknowledged is lost
(each stored event is in its stream exactly once, and projected exactly once)."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats
import pytest

from services.platform.supervisor import Platform
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import SERVICES, Subjects
from shared.runtime.nats_cluster import EmbeddedNatsCluster
from shared.waiting import eventually
from tests.support import backends
from tests.support.platform import test_settings as settings_for
from tests.support.resending import Resender
from tests.support.returns_flow import TOTAL, assert_each_return_once, at_least, cycles, returns

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[EmbeddedNatsCluster]:
    nodes = EmbeddedNatsCluster(tmp_path)
    nodes.start()
    try:
        yield nodes
    finally:
        nodes.stop()


async def replicated_streams(url: str, subjects: Subjects) -> bool:
    """Declare the streams with three replicas once the cluster has elected its meta leader."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        await ensure_streams(js, subjects, replicas=3)
        for service in SERVICES:
            info = await js.stream_info(subjects.stream(service))
            if info.config.num_replicas != 3 or len(info.cluster.replicas or []) != 2:
                return False
        return True
    finally:
        await nc.close()


async def test_one_node_of_three_killed_under_load_loses_nothing_acknowledged(
    cluster: EmbeddedNatsCluster, database: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    seed, *others = cluster.nodes
    subjects = Subjects(backends.new_namespace())
    await eventually(
        lambda: replicated_streams(seed.url, subjects), timeout=180, interval=0.2,
        ignore=(Exception,), what="the cluster to hold three replicas of every stream",
    )
    settings = settings_for(seed.url, database, subjects.namespace).model_copy(
        update={"data_dir": tmp_path, "deadline_interval_seconds": 1.0, "stream_replicas": 3}
    )
    platform = await Platform(settings).start()  # every service connects to the seed node
    try:
        await Resender(seed.url).run(cycles(subjects))
        sender = Resender(others[0].url)  # the agencies' side stays up; the services' node goes
        flowing = asyncio.create_task(sender.run(returns(subjects)))
        await eventually(lambda: at_least(pool, 100), timeout=180, interval=0.01, what="the first returns projected")

        cluster.kill(seed)
        killed_at = await pool.fetchval("SELECT count(*) FROM reporting.s11_submissions")
        await flowing
        assert killed_at < TOTAL

        await eventually(
            lambda: _outbox_empty(pool), timeout=180, what="every committed event relayed to the surviving nodes"
        )
        nc = await nats.connect(others[1].url)
        try:
            js = nc.jetstream()
            for service in ("section11", "events"):
                # The events service may still be appending call-ins as it reacts to the last
                # returns (and relaying them): wait until the stream holds every stored event once.
                # A lost or doubled event never evens out, and fails at the deadline.
                async def holds_each_once(service: str = service) -> bool:
                    stored = await pool.fetchval(f"SELECT count(*) FROM {service}.events")
                    return (await js.stream_info(subjects.stream(service))).state.messages == stored

                # A JetStream API request can time out while the cluster settles after the kill:
                # asked again, not failed on (a lost or doubled event still fails at the deadline).
                await eventually(
                    holds_each_once, timeout=60, ignore=(nats.errors.TimeoutError,),
                    what=f"{service}: the stream to hold each stored event once",
                )
                assert (await js.stream_info(subjects.stream(service))).cluster.leader != seed.name
        finally:
            await nc.close()
        await assert_each_return_once(platform, pool, sender)
    finally:
        platform.stop()


async def _outbox_empty(pool: asyncpg.Pool) -> bool:
    return not await pool.fetchval(
        "SELECT (SELECT count(*) FROM section11.outbox) + (SELECT count(*) FROM events.outbox)"
    )
