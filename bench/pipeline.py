"""Events per second: raw JetStream, raw PostgreSQL, a naive pipeline, and scrutiny itself.

A benchmark, not a test: `make bench`, `scrutiny bench --events N` or
`python -m bench.pipeline --events N`. See bench/README.md and docs/performance.md.

Four measurements, each on its own database and JetStream stream:

1. ``jetstream publish_async`` - N small messages published with
   ``js.publish_async`` to a fresh file-storage stream, until every ack is in.
2. ``postgres batched insert`` - N event-shaped rows (uuid, text, jsonb) in
   batches of 500 with ``INSERT ... SELECT unnest(...)``, one transaction each.
3. ``naive pipeline`` - per event, one after the other: INSERT it (its own
   transaction), publish it to JetStream awaiting the ack; meanwhile a
   JetStream pull consumer INSERTs each message into a projection table. Timed
   until the projection holds N rows.
4. ``scrutiny pipeline`` - the four services started in this process as the
   tests do; agencies send SubmitSelfAssessment requests (request/reply,
   ``CONCURRENCY`` in flight), each making one SubmissionReceived event that
   goes store -> outbox -> JetStream -> reporting projection. Timed until
   ``reporting.s11_submissions`` holds N rows.

Servers: embedded NATS and durable PostgreSQL in a temporary directory, or the
ones named by SCRUTINY_NATS_URL / SCRUTINY_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg
import nats
from nats.js.api import ConsumerConfig, StorageType, StreamConfig
from nats.js.errors import NotFoundError

PARTNERSHIP = "north-lincolnshire"
SERVICES = ("section11", "events", "reviews", "reporting")
PG_BATCH = 500
CONCURRENCY = 200  # requests in flight in the scrutiny measurement
POLL_SECONDS = 0.02
PAYLOAD_TEMPLATE = '{{"n":{n},"agency_id":"bench-agency","rating":3}}'

log = logging.getLogger("bench")


@dataclass
class Result:
    name: str
    events: int
    seconds: float
    notes: str = ""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


@dataclass
class FullPipelineStats:
    latencies: list[float] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    retries: int = 0


# ----------------------------------------------------------------------- servers


@dataclass
class Servers:
    """Embedded servers in a temporary directory, unless URLs are given."""

    prefix: str  # of every database and JetStream stream the benchmark creates
    nats_url: str = ""
    pg_server_url: str = ""  # a superuser connection, used to create the databases
    nats_embedded: bool = False
    pg_embedded: bool = False
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _stops: list[Callable[[], None]] = field(default_factory=list)
    _databases: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        nats_kind = "embedded NATS" if self.nats_embedded else "external NATS"
        pg_kind = "embedded durable PostgreSQL" if self.pg_embedded else "external PostgreSQL"
        return f"{nats_kind} + {pg_kind}"

    async def start(self) -> Servers:
        """Start what is not given by URL; on failure, `stop` still cleans up."""
        nats_url = os.environ.get("SCRUTINY_NATS_URL")
        database_url = os.environ.get("SCRUTINY_DATABASE_URL")
        if not (nats_url and database_url):
            from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres

            self._tmp = tempfile.TemporaryDirectory(prefix="scrutiny-bench-")
            data = Path(self._tmp.name)
            if not nats_url:
                server = EmbeddedNats(data)
                self._stops.append(server.stop)
                nats_url = server.start()
                self.nats_embedded = True
            if not database_url:
                pg = EmbeddedPostgres(data, durable=True)
                self._stops.append(pg.stop)
                pg.start()
                database_url = pg.url
                self.pg_embedded = True
        self.nats_url = nats_url
        self.pg_server_url = database_url
        return self

    async def database(self, name: str) -> str:
        """A fresh database on the server (dropped again by `stop`); returns its URL."""
        conn = await asyncpg.connect(self.pg_server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._databases.append(name)
        return urlsplit(self.pg_server_url)._replace(path="/" + quote(name, safe="")).geturl()

    async def checkpoint(self) -> None:
        """Flush dirty pages so one measurement's writes are not paid for by the next."""
        conn = await asyncpg.connect(self.pg_server_url)
        try:
            await conn.execute("CHECKPOINT")
        except asyncpg.PostgresError as error:  # not a superuser on an external server
            log.info("CHECKPOINT refused: %s", error)
        finally:
            await conn.close()

    async def stop(self) -> None:
        if self.nats_url and not self.nats_embedded:
            try:
                await delete_streams(self.nats_url, self.prefix.upper())
            except Exception as error:
                log.warning("deleting the benchmark's streams failed: %s", error)
        if self._databases and not self.pg_embedded:
            with contextlib.suppress(Exception):
                conn = await asyncpg.connect(self.pg_server_url)
                try:
                    for name in self._databases:
                        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await conn.close()
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception as error:
                log.warning("stopping a server failed: %s", error)
        if self._tmp is not None:
            self._tmp.cleanup()


@contextlib.asynccontextmanager
async def jetstream(url: str, **options: object) -> AsyncIterator[nats.js.JetStreamContext]:
    nc = await nats.connect(url, max_reconnect_attempts=2)
    try:
        yield nc.jetstream(**options)
    finally:
        await nc.close()


async def delete_streams(nats_url: str, prefix: str) -> None:
    async with jetstream(nats_url) as js:
        names: list[str] = []
        offset = 0
        while page := await js.streams_info(offset=offset):
            offset += len(page)
            names += [s.config.name for s in page if (s.config.name or "").startswith(prefix)]
        for name in names:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)


def payload(n: int) -> bytes:
    return PAYLOAD_TEMPLATE.format(n=n).encode()


# ------------------------------------------------------------------ 1. JetStream


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


# ----------------------------------------------------------------- 2. PostgreSQL

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


# ------------------------------------------------------------------- 3. naive


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


# ------------------------------------------------------------------ 4. scrutiny


def submission(
    agency_id: str, ratings: dict[str, int], request_id: str, cycle_id: str = "bench"
) -> bytes:
    return json.dumps(
        {
            "request_id": request_id,
            "agency_id": agency_id,
            "cycle_id": cycle_id,
            "domain_ratings": ratings,
            "submitted_by": "bench",
        }
    ).encode()


async def _wait_for_rows(
    pool: asyncpg.Pool, table: str, rows: int, within: float, what: Callable[[], str]
) -> None:
    deadline = time.monotonic() + within
    while True:
        count = await pool.fetchval(f"SELECT count(*) FROM {table}")
        if count >= rows:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{table} holds {count} of {rows} rows after {within:.0f}s; {what()}"
            )
        await asyncio.sleep(POLL_SECONDS)


async def bench_scrutiny(
    servers: Servers,
    tag: str,
    events: int,
    stats: FullPipelineStats,
    concurrency: int = CONCURRENCY,
    hot_streams: bool = False,
) -> Result:
    from services.platform.supervisor import Platform
    from shared.config import Settings
    from shared.messaging.subjects import Subjects
    from shared.profiles import load_builtin

    url = await servers.database(f"bench{tag}_full")
    namespace = f"bench{tag}"
    settings = Settings(
        nats_url=servers.nats_url,
        database_url=url,
        namespace=namespace,
        profiles=[PARTNERSHIP],
        dashboard_port=0,
        data_dir=Path(tempfile.mkdtemp(prefix="scrutiny-bench-")),
    )
    profile = load_builtin(PARTNERSHIP)
    agencies = [a.id for a in profile.agencies]
    domains = [d.id for d in profile.section11.domains]
    subjects = Subjects(namespace)

    platform = Platform(settings)
    nc = await nats.connect(servers.nats_url, max_reconnect_attempts=2)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        # Each service in its own process, as `scrutiny up` runs them.
        await platform.start()

        async def send(n: int, cycle_id: str, record: bool) -> None:
            agency = agencies[n % len(agencies)]
            if not hot_streams:  # each return its own stream, as many agencies' returns are
                cycle_id = f"{cycle_id}-{n}"
            ratings = {d: 3 + (n + i) % 2 for i, d in enumerate(domains)}  # 3 or 4: never a risk
            body = submission(agency, ratings, str(uuid.uuid4()), cycle_id)
            subject = subjects.agency_command("section11", "submit", PARTNERSHIP, agency)
            start = time.perf_counter()
            for attempt in range(1, 11):
                try:
                    reply = json.loads((await nc.request(subject, body, timeout=120)).data)
                except nats.errors.TimeoutError:
                    reply = {"status": "no reply", "error": {"code": "timeout"}}
                if reply.get("status") == "accepted":
                    break
                # Same request id: a resend is safe, and what an agency would do.
                code = reply.get("error", {}).get("code", "?")
                stats.refusals[code] += 1
                if attempt == 10:
                    raise RuntimeError(f"request {n} refused 10 times: {reply}")
                stats.retries += 1
                await asyncio.sleep(0.01 * attempt)
            if record:
                stats.latencies.append(time.perf_counter() - start)

        async def agencies_send(count: int, cycle_id: str, record: bool) -> None:
            numbers = iter(range(count))

            async def worker() -> None:
                for n in numbers:
                    await send(n, cycle_id, record)

            await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))

        # Warm-up: one submission per agency (pools, consumers, first-time code paths).
        await agencies_send(len(agencies), "warmup", record=False)
        table = "reporting.s11_submissions"
        await _wait_for_rows(pool, table, len(agencies), 60, lambda: "during warm-up")
        stats.refusals.clear()
        stats.retries = 0
        baseline = await pool.fetchval(f"SELECT count(*) FROM {table}")

        start = time.perf_counter()
        sender = asyncio.create_task(agencies_send(events, "bench", record=True))
        waiting = asyncio.create_task(
            _wait_for_rows(
                pool,
                table,
                baseline + events,
                max(120.0, events / 10),
                lambda: f"{len(stats.latencies)} replies accepted, refusals {dict(stats.refusals)}",
            )
        )
        try:
            done, _ = await asyncio.wait({sender, waiting}, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # a failed sender or a timeout ends the measurement
            await waiting
            await sender
        finally:
            for task in (sender, waiting):
                task.cancel()
            await asyncio.gather(sender, waiting, return_exceptions=True)
        seconds = time.perf_counter() - start
    finally:
        platform.stop()
        await pool.close()
        await nc.close()
        with contextlib.suppress(Exception):
            await delete_streams(servers.nats_url, namespace.upper() + "_")
    streams = f"all on {len(agencies)} agencies' streams" if hot_streams else "a stream per return"
    return Result(
        "scrutiny pipeline",
        events,
        seconds,
        f"{concurrency} requests in flight, {streams}, services as processes",
    )


# ----------------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


class CountingHandler(logging.Handler):
    """Counts warnings and errors by logger instead of printing them over the table."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] += 1


LOG_COUNTS = CountingHandler()


def report(results: list[Result], stats: FullPipelineStats, servers: Servers) -> str:
    lines = [
        f"scrutiny bench - {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, " + servers.description,
        "",
        f"{'measurement':<26} {'events':>8} {'seconds':>9} {'events/s':>10}  notes",
        f"{'-' * 26} {'-' * 8} {'-' * 9} {'-' * 10}  {'-' * 5}",
    ]
    for r in results:
        lines.append(f"{r.name:<26} {r.events:>8} {r.seconds:>9.2f} {r.rate:>10.0f}  {r.notes}")
    by_name = {r.name: r for r in results}
    if "naive pipeline" in by_name and "scrutiny pipeline" in by_name:
        ratio = by_name["scrutiny pipeline"].rate / by_name["naive pipeline"].rate
        lines += ["", f"ratio scrutiny/naive: {ratio:.2f}  (target >= 0.5 now, >= 1.0 later)"]
    if stats.latencies:
        ms = sorted(x * 1000 for x in stats.latencies)
        lines.append(
            f"scrutiny request/reply latency: p50 {percentile(ms, 50):.0f} ms, "
            f"p99 {percentile(ms, 99):.0f} ms, max {ms[-1]:.0f} ms ({len(ms)} requests)"
        )
    if stats.refusals:
        lines.append(f"refused and resent: {stats.retries} ({dict(stats.refusals)})")
    if LOG_COUNTS.counts:
        lines.append(f"warnings logged (not shown): {dict(LOG_COUNTS.counts)}")
    return "\n".join(lines)


async def run(
    events: int,
    only: set[str] | None = None,
    concurrency: int = CONCURRENCY,
    hot_streams: bool = False,
) -> str:
    tag = uuid.uuid4().hex[:8]
    servers = Servers(prefix=f"bench{tag}")
    stats = FullPipelineStats()
    results: list[Result] = []
    steps: list[tuple[str, Callable[[], Awaitable[Result]]]] = [
        ("jetstream", lambda: bench_jetstream(servers, tag, events)),
        ("postgres", lambda: bench_postgres(servers, tag, events)),
        ("naive", lambda: bench_naive(servers, tag, events)),
        (
            "scrutiny",
            lambda: bench_scrutiny(servers, tag, events, stats, concurrency, hot_streams),
        ),
    ]
    try:
        await servers.start()
        for name, step in steps:
            if only and name not in only:
                continue
            await servers.checkpoint()
            print(f"running {name} ({events} events)...", flush=True)
            results.append(await step())
    finally:
        await servers.stop()
    return report(results, stats, servers)


MEASUREMENTS = ("jetstream", "postgres", "naive", "scrutiny")


def main(
    events: int = 5000,
    *,
    only: set[str] | None = None,
    concurrency: int = CONCURRENCY,
    hot_streams: bool = False,
) -> None:
    """Run the measurements with `events` events each and print the table."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(LOG_COUNTS)
        root.setLevel(logging.WARNING)
    print(asyncio.run(run(events, only, concurrency, hot_streams)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=5000, help="events per measurement (default 5000)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=MEASUREMENTS,
        help="run only this measurement (repeatable)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY,
        help="scrutiny requests in flight (default 200)",
    )
    parser.add_argument(
        "--hot-streams",
        action="store_true",
        help="diagnostic: every return to one cycle, so requests pile onto 23 agencies' streams",
    )
    args = parser.parse_args()
    main(
        args.events,
        only=set(args.only) if args.only else None,
        concurrency=args.concurrency,
        hot_streams=args.hot_streams,
    )
