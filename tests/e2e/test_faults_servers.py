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
import json
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import asyncpg
import pytest

from services.platform.supervisor import Platform
from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres
from shared.waiting import eventually
from tests.support import backends
from tests.support.consistency import caught_up, differences_from_rebuild
from tests.support.platform import PARTNERSHIP
from tests.support.platform import test_settings as settings_for
from tests.support.resending import Resender
from tests.support.returns import answers

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROFILE = load_builtin(PARTNERSHIP)
AGENCIES = [a.id for a in PROFILE.agencies]
TOTAL = 40 * len(AGENCIES)  # 920 returns: each agency's in 40 cycles
LOW = {"culture-and-challenge": 1}  # every tenth return proposes a call-in


def cycles(subjects: Subjects) -> list[tuple[str, bytes]]:
    subject = subjects.operator_command("section11", "open-cycle", PARTNERSHIP)
    return [
        (subject, json.dumps({
            "request_id": str(uuid5(NAMESPACE_URL, f"faults/{subjects.namespace}/cycle/{c}")),
            "cycle_id": f"c{c}", "opened_on": "2026-10-01", "due_on": "2027-03-31",
        }).encode())
        for c in range(TOTAL // len(AGENCIES))
    ]


def returns(subjects: Subjects) -> list[tuple[str, bytes]]:
    messages = []
    for n in range(TOTAL):
        agency = AGENCIES[n % len(AGENCIES)]
        body = {
            "request_id": str(uuid5(NAMESPACE_URL, f"faults/{subjects.namespace}/return/{n}")),
            "agency_id": agency, "cycle_id": f"c{n // len(AGENCIES)}",
            "answers": answers(PROFILE, LOW if n % 10 == 0 else None), "submitted_by": "faults",
        }
        messages.append((subjects.agency_command("section11", "submit", PARTNERSHIP, agency), json.dumps(body).encode()))
    return messages


async def start_platform(nats_url: str, database_url: str, data_dir: Path) -> Platform:
    settings = settings_for(nats_url, database_url, backends.new_namespace()).model_copy(
        update={"data_dir": data_dir, "deadline_interval_seconds": 1.0}
    )
    return await Platform(settings).start()


async def projected(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM reporting.s11_submissions")


async def at_least(pool: asyncpg.Pool, count: int) -> bool:
    return await projected(pool) >= count


async def assert_each_return_once(platform: Platform, pool: asyncpg.Pool, sender: Resender) -> None:
    assert sender.accepted == TOTAL
    assert await pool.fetchval(
        "SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'"
    ) == TOTAL
    assert await pool.fetchval(
        "SELECT count(DISTINCT payload->>'submission_id') FROM section11.events WHERE event_type = 'SubmissionReceived'"
    ) == TOTAL
    await eventually(lambda: caught_up(pool), timeout=90, what="reporting to apply everything stored")
    assert await projected(pool) == TOTAL
    assert await pool.fetchval("SELECT count(DISTINCT event_id) FROM reporting.s11_submissions") == TOTAL

    # The events service's durable consumer resumed too: each call-in proposed was reacted to.
    proposed = await pool.fetchval("SELECT count(*) FROM section11.events WHERE event_type = 'CallInProposed'")
    assert proposed >= TOTAL // 10

    async def reacted() -> bool:
        return await pool.fetchval(
            "SELECT count(DISTINCT causation_id) FROM events.events WHERE causation_id IN"
            " (SELECT event_id FROM section11.events WHERE event_type = 'CallInProposed')"
        ) == proposed

    await eventually(reacted, timeout=60, what="the events service to react to every call-in proposed")
    assert await differences_from_rebuild(pool) == {}
    for name, process in platform.processes.items():
        assert process.poll() is None, f"{name} died"


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
        flowing = asyncio.create_task(sender.run(returns(subjects)))

        # NATS away for longer than an agency waits for an answer: requests time out and are sent again.
        await eventually(lambda: at_least(pool, 100), timeout=60, interval=0.01, what="the first returns projected")
        port = own_nats.port
        await asyncio.to_thread(own_nats.stop)
        nats_stopped_at = await projected(pool)
        await eventually(lambda: sender.retried, timeout=30, what="an agency's request to time out")
        await asyncio.to_thread(own_nats.start)
        assert own_nats.port == port

        # Then PostgreSQL: answers are `unavailable` or time out, and are sent again.
        await eventually(
            lambda: at_least(pool, nats_stopped_at + 200), timeout=90, interval=0.01,
            what="returns projected again after NATS came back",
        )
        retried_before = sum(sender.retried.values())
        port = postgres.port
        await asyncio.to_thread(postgres.stop)
        await asyncio.to_thread(postgres.start)
        assert postgres.port == port
        await pool.expire_connections()

        await flowing
        assert nats_stopped_at < TOTAL
        assert sum(sender.retried.values()) > retried_before, "PostgreSQL came back too soon to matter"
        await assert_each_return_once(platform, pool, sender)
    finally:
        await pool.close()
        platform.stop()
