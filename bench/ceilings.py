"""The ceilings: raw JetStream, raw PostgreSQL, and the naive pipeline doing the same durable steps one event at a time."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
import nats
from nats.js.api import ConsumerConfig, StorageType, StreamConfig

from bench.results import Result
from bench.servers import Servers, jetstream

PG_BATCH = 500
PAYLOAD_TEMPLATE = '{{"n":{n},"agency_id":"bench-agency","rating":3}}'


def payload(n: int) -> bytes:
    return PAYLOAD_TEMPLATE.format(n=n).encode()




async def bench_jetstream(servers: Servers, tag: str, events: int) -> Result:
    stream, subject = f"BENCH{tag.upper()}_RAW", f"bench{tag}.raw"
    async with jetstream(servers.nats_url) as js:
        await js.add_stream(StreamConfig(name=stream, subjects=[subject], storage=StorageType.FILE))
        bodies = [payload(n) for n in range(events)]
        futures = []
        start = time.perf_counter()
        for body in bodies:
            futures.append(await js.publish_async(subject, body))
        await js.publish_async_completed()
        seconds = time.perf_counter() - start
        failed = sum(1 for f in futures if f.exception() is not None)
        stored = (await js.stream_info(stream)).state.messages
        if failed or stored != events:
            raise RuntimeError(f"jetstream: {failed} publishes failed, {stored} of {events} stored")
        await js.delete_stream(stream)
    return Result("jetstream publish_async", events, seconds, "file storage, 1 replica")



EVENT_TABLE = """
CREATE TABLE {table} (
    event_id uuid PRIMARY KEY,
    event_type text NOT NULL,
    payload jsonb NOT NULL
)"""


async def bench_postgres(servers: Servers, tag: str, events: int) -> Result:
    url = await servers.database(f"bench{tag}_raw")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(EVENT_TABLE.format(table="raw_events"))
        rows = [(uuid.uuid4(), "SubmissionReceived", payload(n).decode()) for n in range(events)]
        insert = (
            "INSERT INTO raw_events (event_id, event_type, payload)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])"
        )
        start = time.perf_counter()
        for i in range(0, events, PG_BATCH):
            ids, types, bodies = zip(*rows[i : i + PG_BATCH], strict=True)
            await conn.execute(insert, ids, types, bodies)  # one transaction per batch
        seconds = time.perf_counter() - start
        stored = await conn.fetchval("SELECT count(*) FROM raw_events")
        if stored != events:
            raise RuntimeError(f"postgres: {stored} of {events} rows stored")
    finally:
        await conn.close()
    return Result(
        "postgres batched insert", events, seconds, f"{PG_BATCH} rows per transaction (unnest)"
    )




async def bench_naive(servers: Servers, tag: str, events: int) -> Result:
    """The same three durable steps per event as the real pipeline, done the plain way."""
    url = await servers.database(f"bench{tag}_naive")
    stream, subject = f"BENCH{tag.upper()}_NAIVE", f"bench{tag}.naive"
    producer_db = await asyncpg.connect(url)
    consumer_db = await asyncpg.connect(url)
    try:
        await producer_db.execute(EVENT_TABLE.format(table="events"))
        await producer_db.execute(EVENT_TABLE.format(table="projection"))
        async with jetstream(servers.nats_url) as js:
            await js.add_stream(
                StreamConfig(name=stream, subjects=[subject], storage=StorageType.FILE)
            )
            sub = await js.pull_subscribe(
                subject, durable="projection", stream=stream, config=ConsumerConfig(ack_wait=30)
            )
            projected = 0
            done = asyncio.Event()

            async def consume() -> None:
                nonlocal projected
                while projected < events:
                    try:
                        msgs = await sub.fetch(batch=100, timeout=1)
                    except nats.errors.TimeoutError:
                        continue
                    for msg in msgs:
                        event = json.loads(msg.data)
                        await consumer_db.execute(
                            "INSERT INTO projection VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            uuid.UUID(event["event_id"]),
                            event["event_type"],
                            json.dumps(event["payload"]),
                        )
                        await msg.ack()
                        projected += 1
                done.set()

            async def produce() -> None:
                for n in range(events):
                    event_id = uuid.uuid4()
                    body = payload(n).decode()
                    await producer_db.execute(
                        "INSERT INTO events VALUES ($1, $2, $3)",
                        event_id,
                        "SubmissionReceived",
                        body,
                    )
                    message = {
                        "event_id": str(event_id),
                        "event_type": "SubmissionReceived",
                        "payload": json.loads(body),
                    }
                    await js.publish(subject, json.dumps(message).encode(), stream=stream)

            start = time.perf_counter()
            consumer = asyncio.create_task(consume())
            try:
                await produce()
                await asyncio.wait_for(done.wait(), timeout=max(60.0, events / 20))
            finally:
                consumer.cancel()
                await asyncio.gather(consumer, return_exceptions=True)
            seconds = time.perf_counter() - start
            stored = await producer_db.fetchval("SELECT count(*) FROM projection")
            if stored != events:
                raise RuntimeError(f"naive: {stored} of {events} projected")
            await sub.unsubscribe()
            await js.delete_stream(stream)
    finally:
        await producer_db.close()
        await consumer_db.close()
    return Result(
        "naive pipeline", events, seconds, "insert + publish (ack) per event, pull consumer inserts"
    )
