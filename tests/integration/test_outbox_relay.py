"""The outbox relay: every committed event reaches JetStream once, even across failures."""

import asyncio
import json
from pathlib import Path
from uuid import uuid4

import asyncpg
import nats
import pytest

from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import MSG_ID_HEADER, from_wire
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import Subjects
from shared.outbox import OutboxRelay
from shared.personal_data import PREFIX
from shared.runtime.embedded import EmbeddedNats
from shared.waiting import eventually
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


async def _append(store: PostgresEventStore, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        stream = f"s-{uuid4()}"
        [event] = await store.append(stream, 0, envelopes(stream, 0, 1))
        ids.append(str(event.event_id))
    return ids


async def test_relays_in_position_order_with_the_event_id_as_message_id(pool: asyncpg.Pool, nats_url: str, namespace: str) -> None:
    subjects = Subjects(namespace)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, subjects)
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    ids = await _append(store, 5)

    assert await OutboxRelay(pool, "section11", js, subjects).drain() == 5
    stream = subjects.stream("section11")
    messages = [await js.get_msg(stream, seq) for seq in range(1, 6)]
    assert [m.headers[MSG_ID_HEADER] for m in messages] == ids
    assert [from_wire(m.data).position for m in messages] == [1, 2, 3, 4, 5]
    assert await pool.fetchval("SELECT count(*) FROM section11.outbox") == 0

    # A relay killed after publishing but before deleting its rows publishes them again:
    # JetStream drops them as duplicates, so the stream still holds each event once.
    await pool.execute("INSERT INTO section11.outbox SELECT position FROM section11.events")
    assert await OutboxRelay(pool, "section11", js, subjects).drain() == 5
    assert (await js.stream_info(stream)).state.messages == 5
    await store.close()
    await nc.close()


async def test_survives_nats_being_down_and_catches_up(pool: asyncpg.Pool, tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path)
    url = server.start()
    subjects = Subjects(f"t{uuid4().hex[:8]}")
    nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    js = nc.jetstream()
    await ensure_streams(js, subjects)
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    relay = OutboxRelay(pool, "section11", js, subjects, ack_timeout_seconds=1.0)
    store.on_committed(relay.wake)
    running = asyncio.create_task(relay.run())
    try:
        await _append(store, 3)
        stream = subjects.stream("section11")
        await eventually(lambda: _messages(js, stream, 3), what="the first events relayed")

        server.kill()
        await _append(store, 4)  # committed while NATS is down: they wait in the outbox
        assert await pool.fetchval("SELECT count(*) FROM section11.outbox") >= 1
        server.restart()

        await eventually(lambda: _messages(js, stream, 7), timeout=30, what="the relay to catch up after NATS came back")
        await eventually(lambda: _outbox_empty(pool), timeout=10, what="the outbox to drain")
        assert (await js.stream_info(stream)).state.messages == 7
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await store.close()
        await nc.close()
        server.stop()


async def _messages(js: nats.js.JetStreamContext, stream: str, expected: int) -> bool:
    try:
        return (await js.stream_info(stream)).state.messages >= expected
    except Exception:
        return False


async def _outbox_empty(pool: asyncpg.Pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM section11.outbox") == 0


class CountingRelay(OutboxRelay):
    """The real relay, counting its reads of the outbox."""

    reads = 0

    async def _outbox_rows(self):  # type: ignore[no-untyped-def]
        self.reads += 1
        return await super()._outbox_rows()


async def test_its_own_commits_are_published_from_memory_and_another_process_s_read_from_the_outbox(
    pool: asyncpg.Pool, nats_url: str, namespace: str
) -> None:
    """Rows this process commits reach the relay as inserted (`on_rows`) and are published
    without being read back; where memory has a gap (a commit of another process, here a
    second store on the same tables) the relay reads the outbox. JetStream holds every event
    once, in position order, and each message from memory reads as the one from the row."""
    subjects = Subjects(namespace)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, subjects)
    ours, theirs = PostgresEventStore(pool, "section11"), PostgresEventStore(pool, "section11")
    await ours.create_schema()
    relay = CountingRelay(pool, "section11", js, subjects)
    ours.on_rows(relay.learn)
    try:
        ids = await _append(ours, 3) + await _append(theirs, 2) + await _append(ours, 4)
        # 1-3 from memory; at 4 memory has a gap (another process's commit): 4-9 from the outbox.
        assert [await relay.relay_once(), relay.reads] == [3, 0]
        assert [await relay.relay_once(), relay.reads] == [6, 1]
        assert [await relay.relay_once(), relay.reads] == [0, 2]  # nothing more
        ids += await _append(ours, 3)
        assert [await relay.relay_once(), relay.reads] == [3, 2]  # 10-12 from memory
        stream = subjects.stream("section11")
        messages = [await js.get_msg(stream, seq) for seq in range(1, 13)]
        assert [m.headers[MSG_ID_HEADER] for m in messages] == ids
        assert [from_wire(m.data).position for m in messages] == list(range(1, 13))
        # As stored: the name sealed (tests.support.events' "lead (invented)"), never in the clear.
        assert all(PREFIX in m.data.decode() and "invented" not in m.data.decode() for m in messages)
        await relay.drain()
        assert await pool.fetchval("SELECT count(*) FROM section11.outbox") == 0

        # The same events read back and published by a relay with no memory: the same messages.
        await pool.execute("INSERT INTO section11.outbox SELECT position FROM section11.events")
        again = Subjects(f"{namespace}b")
        await ensure_streams(js, again)
        assert await OutboxRelay(pool, "section11", js, again).drain() == 12
        for seq, sent in enumerate(messages, start=1):
            read_back = await js.get_msg(again.stream("section11"), seq)
            assert json.loads(read_back.data) == json.loads(sent.data)
            expected = "Nats-Expected-Stream"  # the stream each was published to
            assert {k: v for k, v in read_back.headers.items() if k != expected} == {
                k: v for k, v in sent.headers.items() if k != expected
            }
            assert from_wire(read_back.data) == from_wire(sent.data)
    finally:
        await ours.close()
        await theirs.close()
        await nc.close()
