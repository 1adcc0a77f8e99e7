"""Append rate: scrutiny's PostgreSQL event store against the `eventsourcing` library's
PostgreSQL application recorder, on the same PostgreSQL server in the same run.

Both keep positions in commit order with the table's EXCLUSIVE lock (the library's
`notification_id`, our `position`), so they are alike in what they promise. The
workload is many writers each appending one event to a new stream, as agencies'
requests do: `WRITERS` at once (asyncio tasks calling `PostgresEventStore.append`;
threads calling `PostgresApplicationRecorder.insert_events`, with a connection pool
as large as the writers), then one writer alone. The event is the same
SubmissionReceived payload for both (about 1 KiB of JSON); ours also extends the
hash chain and writes the outbox row. Each gets its own database.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import asyncpg

from bench.results import Result
from bench.servers import Servers

WRITERS = 32


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool as the services make it (shared/runtime/host.py): no RESET ALL round trip
    on every release, which asyncpg's default would add to each of our appends."""


def _event() -> tuple[object, bytes]:
    from shared.catalogue.section11 import Answer, SubmissionReceived

    event = SubmissionReceived(
        submission_id=str(uuid.uuid4()), agency_id="nlc-public-health", cycle_id="2030-31",
        domain_ratings={f"domain-{k}": 3 for k in range(6)}, submitted_by="s11-lead",
        answers={f"standard-{k}": Answer(rating=3, narrative="multi-agency practice " * 3, evidence=["doc-1"]) for k in range(14)},
    )
    return event, json.dumps(event.model_dump(mode="json"), separators=(",", ":")).encode()


async def bench_scrutiny_append(servers: Servers, tag: str, events: int, writers: int) -> Result:
    from shared.envelope import Metadata
    from shared.eventstore.postgres import PostgresEventStore
    from shared.mapper import new_envelopes

    url = await servers.database(f"bench{tag}_append{writers}")
    pool = await asyncpg.create_pool(url, min_size=2, max_size=20, reset=_keep_session)
    store = PostgresEventStore(pool, "bench")
    try:
        await store.create_schema()
        event, _ = _event()
        metadata = Metadata(partnership_id="north-lincolnshire", actor="bench", correlation_id=uuid.uuid4())
        now = datetime.now(UTC)
        appends = [(f"s11-return:bench:{n}", new_envelopes(f"s11-return:bench:{n}", 0, [event], metadata, now)) for n in range(events)]  # type: ignore[list-item]
        work = iter(appends)

        async def writer() -> None:
            for stream_id, envelopes in work:
                await store.append(stream_id, 0, envelopes)

        start = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        seconds = time.perf_counter() - start
        stored = await pool.fetchval("SELECT count(*) FROM bench.events")
        if stored != events:
            raise RuntimeError(f"scrutiny append: {stored} of {events} stored")
    finally:
        await store.close()
        await pool.close()
    await servers.settle(url)
    return Result(f"scrutiny append x{writers}", events, seconds, f"{writers} concurrent writers, one event per append (group commit)")


def _eventsourcing_append(url: str, events: int, writers: int) -> float:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    parts = urlsplit(url)
    # The embedded server's URL names its socket folder, percent-encoded, as the host.
    host = unquote(parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[0]) if "%2F" in parts.netloc else parts.hostname
    datastore = PostgresDatastore(
        dbname=parts.path.lstrip("/"), host=host or "127.0.0.1", port=parts.port or 5432,
        user=parts.username or "postgres", password=parts.password or "", pool_size=writers,
    )
    try:
        recorder = PostgresApplicationRecorder(datastore, events_table_name="stored_events")
        recorder.create_table()
        _, state = _event()
        stored = [
            StoredEvent(
                originator_id=uuid.uuid4(), originator_version=1, topic="shared.catalogue.section11:SubmissionReceived", state=state
            )
            for _ in range(events)
        ]
        work = iter(stored)
        lock = threading.Lock()
        failures: list[BaseException] = []

        def writer() -> None:
            while True:
                with lock:
                    item = next(work, None)
                if item is None:
                    return
                try:
                    recorder.insert_events([item])
                except BaseException as error:  # noqa: BLE001 - reported after the run
                    failures.append(error)
                    return

        threads = [threading.Thread(target=writer) for _ in range(writers)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        if failures:
            raise RuntimeError(f"eventsourcing append failed: {failures[0]!r}")
        count = recorder.max_notification_id()
        if count != events:
            raise RuntimeError(f"eventsourcing append: {count} of {events} stored")
        return seconds
    finally:
        datastore.close()


async def bench_eventsourcing_append(servers: Servers, tag: str, events: int, writers: int) -> Result:
    url = await servers.database(f"bench{tag}_es{writers}")
    seconds = await asyncio.to_thread(_eventsourcing_append, url, events, writers)
    await servers.settle(url)
    return Result(
        f"eventsourcing append x{writers}", events, seconds,
        f"PostgresApplicationRecorder.insert_events, {writers} threads, pool of {writers}",
    )


async def bench_append(servers: Servers, tag: str, events: int, writers: int = WRITERS) -> list[Result]:
    """Both stores, concurrent writers then one writer (a tenth of the events)."""
    results = []
    await servers.checkpoint()
    for count, n in ((writers, events), (1, max(100, events // 10))):
        # Each settles its database after it (bench.servers.Servers.settle).
        results.append(await bench_eventsourcing_append(servers, tag, n, count))
        results.append(await bench_scrutiny_append(servers, tag, n, count))
    return results
