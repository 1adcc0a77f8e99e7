"""A live batch's personal texts opened in the JSON it arrived in (`shared.projections.opening`,
through `shared.messaging.inbound.readable`) give the same events as opening them once built
(`open_envelopes`, the way before): for events of every type in the catalogue made at random,
sealed by the real store and sent as the relay sends them; for an event recorded at an older
version (upcast when built, so opened after); and an event that cannot be read is parked as
it arrived, its reason never quoting a text opened for a moment."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.aio.msg import Msg

from bench.dataset import STORES
from services.reporting.adapters.sources import projection_runner
from shared.catalogue.section11 import Answer, SubmissionReceived
from shared.envelope import Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes, row_to_wire
from shared.messaging.deadletters import DeadLetters
from shared.messaging.inbound import readable
from shared.messaging.subjects import Subjects
from shared.personal_data import PREFIX, open_envelopes
from tests.support.random_events import random_events

pytestmark = pytest.mark.integration

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)


class Delivered(Msg):
    """A message as JetStream delivers it, noting its acknowledgement."""

    def __init__(self, subject: str, data: bytes) -> None:
        super().__init__(_client=None, subject=subject, data=data)  # type: ignore[arg-type]
        self.acknowledged = False

    async def ack(self) -> None:
        self.acknowledged = True


class Parked(DeadLetters):
    """The dead letters, kept in a list."""

    def __init__(self) -> None:
        self.parked: list[tuple[str, bytes, str, str]] = []

    async def park(self, original_subject: str, data: bytes, code: str, reason: str, *, replay_of: str | None = None) -> None:
        self.parked.append((original_subject, data, code, reason))


async def _sent(pool: asyncpg.Pool, store: str) -> list[Delivered]:
    """The store's events as the relay publishes them."""
    rows = await pool.fetch(f"SELECT * FROM {store}.events ORDER BY position")
    subjects = Subjects("t")
    return [
        Delivered(subjects.event(r["partnership_id"], store, r["event_type"]), row_to_wire(r, store)[0]) for r in rows
    ]


async def test_texts_opened_in_the_json_give_the_events_opened_once_built(pool: asyncpg.Pool) -> None:
    for name in STORES:
        await PostgresEventStore(pool, name).create_schema()
    store = PostgresEventStore(pool, "reviews")
    streams: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for partnership, stream, event in random_events(1500, 7):
        streams[stream].append((partnership, event))
    for stream, history in streams.items():
        await store.append(stream, 0, [
            envelope
            for version, (partnership, event) in enumerate(history)
            for envelope in new_envelopes(
                stream, version, [event], Metadata(partnership_id=partnership, actor="someone", correlation_id=uuid.uuid4()),
                AT + timedelta(minutes=version),
            )
        ])
    await store.close()
    opener = projection_runner(pool, "live").opener()
    messages = await _sent(pool, "reviews")
    assert sum(PREFIX in m.data.decode() for m in messages) > 300  # plenty of sealed texts to open

    dead_letters = Parked()
    opened = await readable(messages, dead_letters, opener=opener)
    built = await readable(messages, dead_letters)
    assert dead_letters.parked == []
    assert [envelope for _, envelope in opened] == await open_envelopes(pool, [e for _, e in built], only=opener.only)
    read = [e for _, e in opened if opener.only is None or e.event_type in opener.only]
    assert len(read) > 500 and all(PREFIX not in json.dumps(e.payload()) for e in read)  # what a projection reads is open

    # Past the runners' checkpoint only: those at or before it are left sealed. A runner whose
    # checkpoint is behind that line after all (set back by a reset) opens them itself, and
    # its tables are those of a runner handed the batch sealed.
    middle = messages[len(messages) // 2]
    floor = json.loads(middle.data)["position"]
    partly = [e for _, e in await readable(messages, dead_letters, opener=opener.past(floor))]
    assert partly[len(partly) // 2 + 1:] == [e for _, e in opened][len(partly) // 2 + 1:]
    assert any(PREFIX in json.dumps(e.payload()) for e in partly if (e.position or 0) <= floor)
    fed, sealed = projection_runner(pool, "fed"), projection_runner(pool, "sealed")
    for runner in (fed, sealed):
        await runner.setup()
    assert await fed.apply("reviews", partly, opened_above=floor) == len(partly)
    assert await sealed.apply("reviews", [e for _, e in built]) == len(partly)
    for table in await pool.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'fed'"):
        name = table["table_name"]
        rows = sorted(str(tuple(r)) for r in await pool.fetch(f"SELECT * FROM fed.{name}"))
        assert rows == sorted(str(tuple(r)) for r in await pool.fetch(f"SELECT * FROM sealed.{name}")), name
        assert not any(PREFIX in row for row in rows), name


async def test_an_older_version_is_opened_once_built_and_poison_is_parked_as_it_arrived(pool: asyncpg.Pool) -> None:
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    event = SubmissionReceived(
        submission_id="s-1", agency_id="humberside-police", cycle_id="2026-27", domain_ratings={"leadership": 3},
        submitted_by="Alex Example (invented)",
        answers={"culture": Answer(rating=2, narrative="a practice note naming Alex Example")},
    )
    metadata = Metadata(partnership_id="north-lincolnshire", actor="agency:test", correlation_id=uuid.uuid4())
    await store.append("section11-return-1", 0, new_envelopes("section11-return-1", 0, [event], metadata, AT))
    await store.close()
    [sent] = await _sent(pool, "section11")
    body = json.loads(sent.data)
    assert body["payload"]["submitted_by"].startswith(PREFIX)

    # v1 rated domains directly and had no answers: upcast when built, then opened.
    older = body | {"event_id": str(uuid.uuid4()), "schema_version": 1, "payload": {
        k: v for k, v in body["payload"].items() if k not in ("answers", "due_on", "late", "also_submitted_to")
    }}
    # An answer with no rating: building it fails, and pydantic's message quotes the answer.
    poison = body | {"event_id": str(uuid.uuid4())}
    poison["payload"] = json.loads(json.dumps(body["payload"]))
    del poison["payload"]["answers"]["culture"]["rating"]
    messages = [sent, Delivered(sent.subject, json.dumps(older).encode()), Delivered(sent.subject, json.dumps(poison).encode())]

    dead_letters = Parked()
    opener = projection_runner(pool, "live").opener()
    events = await readable(messages, dead_letters, opener=opener)
    assert [e.event.submitted_by for _, e in events] == ["Alex Example (invented)"] * 2
    assert events[0][1].event.answers["culture"].narrative == "a practice note naming Alex Example"
    assert events[1][1].schema_version == 2 and events[1][1].event.answers == {}
    [(subject, data, code, reason)] = dead_letters.parked
    assert (subject, data, code) == (sent.subject, messages[2].data, "invalid_event")
    assert "rating" in reason and "Alex" not in reason
    assert [m.acknowledged for m in messages] == [False, False, True]  # the readable two after they are applied
