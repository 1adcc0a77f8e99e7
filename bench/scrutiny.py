"""The scrutiny pipeline: agencies' requests through the four services to the projection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import nats

from bench.results import FullPipelineStats, Result
from bench.servers import Servers, delete_streams
from shared.waiting import eventually

PARTNERSHIP = "north-lincolnshire"
CONCURRENCY = 200  # requests in flight in the scrutiny measurement
POLL_SECONDS = 0.02

log = logging.getLogger("bench")




def submission(agency_id: str, answers: dict, request_id: str, cycle_id: str) -> bytes:
    return json.dumps(
        {"request_id": request_id, "agency_id": agency_id, "cycle_id": cycle_id, "answers": answers, "submitted_by": "bench"}
    ).encode()


def amendment(agency_id: str, answers: dict, request_id: str, cycle_id: str) -> bytes:
    return json.dumps(
        {
            "request_id": request_id, "agency_id": agency_id, "cycle_id": cycle_id, "answers": answers,
            "reason": "bench amendment", "amended_by": "bench",
        }
    ).encode()


async def _wait_for_checkpoint(pool: asyncpg.Pool, position: int, within: float, what: Callable[[], str]) -> None:
    """Until reporting's checkpoint of the section11 store reaches `position`: one row read a
    poll. Counting the table's rows instead (`_wait_for_rows`) scanned the growing table 50
    times a second, PostgreSQL work the naive pipeline's observer (an in-process event) does
    not add to the two cores."""

    async def reached() -> bool:
        return await pool.fetchval("SELECT position FROM reporting.checkpoints WHERE source = 'section11'") >= position

    await eventually(reached, timeout=within, interval=POLL_SECONDS, what=f"reporting's checkpoint at {position} ({what()})")


async def _wait_for_rows(
    pool: asyncpg.Pool, table: str, rows: int, within: float, what: Callable[[], str]
) -> None:
    async def enough() -> bool:
        return await pool.fetchval(f"SELECT count(*) FROM {table}") >= rows

    await eventually(enough, timeout=within, interval=POLL_SECONDS, what=f"{rows} rows in {table} ({what()})")


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
    standards = [s.id for s in profile.section11.standards]
    subjects = Subjects(namespace)

    platform = Platform(settings)
    nc = await nats.connect(servers.nats_url, max_reconnect_attempts=2)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        # Each service in its own process, as `scrutiny up` runs them.
        await platform.start()

        async def open_cycles(prefix: str, count: int) -> None:
            for k in range(count):
                body = {"request_id": str(uuid.uuid4()), "cycle_id": f"{prefix}-{k}", "opened_on": "2026-10-01", "due_on": "2027-03-31"}
                reply = json.loads(
                    (
                        await nc.request(
                            subjects.operator_command("section11", "open-cycle", PARTNERSHIP), json.dumps(body).encode(), timeout=60
                        )
                    ).data
                )
                assert reply["status"] == "accepted", reply

        async def send(n: int, cycle_id: str, record: bool, amend: bool = False) -> None:
            agency = agencies[n % len(agencies)]
            # Every rating 3 or 4: never a risk, so each request makes exactly one event.
            answers = {s: {"rating": 3 + (n + i) % 2} for i, s in enumerate(standards)}
            if amend:  # --hot-streams: every request lands on one of the agencies' returns
                body = amendment(agency, answers, str(uuid.uuid4()), f"{cycle_id}-0")
                subject = subjects.agency_command("section11", "amend", PARTNERSHIP, agency)
            else:  # each return its own stream, as many agencies' returns are
                body = submission(agency, answers, str(uuid.uuid4()), f"{cycle_id}-{n // len(agencies)}")
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

        async def agencies_send(count: int, cycle_id: str, record: bool, amend: bool = False) -> None:
            numbers = iter(range(count))

            async def worker() -> None:
                for n in numbers:
                    await send(n, cycle_id, record, amend)

            await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))

        # Warm-up: one submission per agency (pools, consumers, first-time code paths).
        await open_cycles("warmup", 1)
        await agencies_send(len(agencies), "warmup", record=False)
        table = "reporting.s11_submissions"
        await _wait_for_rows(pool, table, len(agencies), 60, lambda: "during warm-up")
        stats.refusals.clear()
        stats.retries = 0
        if hot_streams:
            table = "reporting.s11_amendments"
        else:
            await open_cycles("bench", -(-events // len(agencies)))
        baseline = await pool.fetchval(f"SELECT count(*) FROM {table}")
        # Each request makes one event (every rating 3 or 4: no risk raised), so the store's
        # events are all projected once reporting's checkpoint is this far; the rows are
        # counted after (and waited for, should anything else have been appended meanwhile).
        last = await pool.fetchval("SELECT coalesce(max(position), 0) FROM section11.events")

        start = time.perf_counter()
        sender = asyncio.create_task(
            agencies_send(events, "warmup" if hot_streams else "bench", record=True, amend=hot_streams)
        )
        def progress() -> str:
            return f"{len(stats.latencies)} replies accepted, refusals {dict(stats.refusals)}"

        async def projected() -> None:
            within = max(120.0, events / 10)
            await _wait_for_checkpoint(pool, last + events, within, progress)
            await _wait_for_rows(pool, table, baseline + events, within, progress)

        waiting = asyncio.create_task(projected())
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
        shutil.rmtree(settings.data_dir, ignore_errors=True)
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
