"""kill -9 of the events and of the reviews service while their commands flow (section11
and reporting are killed in test_crash.py), then a restart: every accepted command is
stored exactly once and the read models equal a fresh rebuild from the stores."""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from uuid import NAMESPACE_URL, uuid5

import asyncpg
import pytest

from services.platform.supervisor import Platform
from shared.messaging.subjects import Subjects
from shared.waiting import eventually
from tests.support.consistency import caught_up, differences_from_rebuild
from tests.support.platform import PARTNERSHIP
from tests.support.resending import Resender
from tests.support.today import days_from_today

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOTAL = 800


@dataclass(frozen=True)
class Flow:
    service: str
    command: str
    body: Callable[[int], dict[str, object]]
    event_type: str
    read_model: str  # reporting table with one row per command


FLOWS = {
    "events": Flow(
        "events", "conclude",
        lambda n: {
            "assurance_event_id": f"thematic-{n}", "activity_type": "thematic-assurance-event",
            "title": f"Thematic assurance event {n}", "held_on": days_from_today(-7), "theme": "neglect",
            "recorded_by": "business unit",
        },
        "AssuranceEventConcluded", "assurance_events",
    ),
    "reviews": Flow(
        "reviews", "raise-action",
        lambda n: {
            "action_id": f"act-{n}", "title": f"Action {n}", "owner_agency_id": "humberside-police",
            "due_on": days_from_today(200), "source_type": "other", "source_id": "kill-test", "raised_by": "business unit",
        },
        "ActionRaised", "actions",
    ),
}


def messages(flow: Flow, subjects: Subjects) -> list[tuple[str, bytes]]:
    subject = subjects.operator_command(flow.service, flow.command, PARTNERSHIP)
    return [
        (subject, json.dumps(
            {"request_id": str(uuid5(NAMESPACE_URL, f"faults/{subjects.namespace}/{flow.service}/{n}"))} | flow.body(n)
        ).encode())
        for n in range(TOTAL)
    ]


async def test_events_and_reviews_killed_in_turn_mid_stream_store_each_command_once_and_project_it_once(
    subprocess_platform: Platform, pool: asyncpg.Pool
) -> None:
    subjects = Subjects(subprocess_platform.settings.namespace)
    senders = {name: Resender(subprocess_platform.servers.nats_url) for name in FLOWS}
    flowing = {name: asyncio.create_task(senders[name].run(messages(flow, subjects))) for name, flow in FLOWS.items()}

    killed_at = {}
    for name, flow in FLOWS.items():  # each in turn, while both flows run
        stored = _stored(flow)
        await eventually(lambda sql=stored: _at_least(pool, sql, 150), timeout=60, interval=0.01, what=f"{name}'s first commands")
        subprocess_platform.kill(name)
        killed_at[name] = await pool.fetchval(stored)
        subprocess_platform.spawn(name)
    for name in FLOWS:
        await subprocess_platform.wait_healthy(name)

    for name, flow in FLOWS.items():
        replies = await flowing[name]
        assert killed_at[name] < TOTAL, f"{name} was killed after its flow ended"
        assert senders[name].retried, f"no request to {name} had to be sent again"
        assert await pool.fetchval(_stored(flow)) == TOTAL
        assert await pool.fetchval(
            f"SELECT count(DISTINCT stream_id) FROM {name}.events WHERE event_type = '{flow.event_type}'"
        ) == TOTAL
        # Every reply names events in the store: a resend was answered with the first append's.
        event_ids = [e["event_id"] for reply in replies for e in reply["events"]]
        assert len(set(event_ids)) == len(event_ids) == TOTAL
        assert await pool.fetchval(
            f"SELECT count(*) FROM {name}.events WHERE event_id::text = ANY($1::text[])", event_ids
        ) == TOTAL

    await eventually(lambda: caught_up(pool), timeout=60, what="reporting to apply everything stored")
    for flow in FLOWS.values():
        assert await pool.fetchval(f"SELECT count(*) FROM reporting.{flow.read_model}") == TOTAL
    assert await differences_from_rebuild(pool) == {}


def _stored(flow: Flow) -> str:
    return f"SELECT count(*) FROM {flow.service}.events WHERE event_type = '{flow.event_type}'"


async def _at_least(pool: asyncpg.Pool, sql: str, count: int) -> bool:
    return await pool.fetchval(sql) >= count
