"""Agencies' Section 11 returns sent while a fault happens, and what must hold afterwards
(the server restart and cluster tests share them)."""

import json
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import asyncpg

from services.platform.supervisor import Platform
from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.waiting import eventually
from tests.support import backends
from tests.support.consistency import caught_up, differences_from_rebuild
from tests.support.platform import PARTNERSHIP
from tests.support.platform import test_settings as settings_for
from tests.support.resending import Resender
from tests.support.returns import answers

PROFILE = load_builtin(PARTNERSHIP)
AGENCIES = [a.id for a in PROFILE.agencies]
TOTAL = 30 * len(AGENCIES)  # 690 returns: each agency's in 30 cycles
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

    # The call-ins just opened are still on their way to reporting: wait for it to apply them too,
    # then the read models must equal a fresh rebuild (a lasting difference fails at the deadline).
    async def same_as_rebuild() -> bool:
        return await differences_from_rebuild(pool) == {}

    await eventually(same_as_rebuild, timeout=90, interval=0.5, what="the read models to equal a fresh rebuild")
    for name, process in platform.processes.items():
        assert process.poll() is None, f"{name} died"
