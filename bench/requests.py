"""Many agencies sending single durable requests at once: accepted per second and reply latency.

- ``raw durable reply`` (the ceiling): a nats-py responder that, like the store's
  group commit, INSERTs every request waiting into one transaction (durable:
  fsync on), then replies to each. What NATS request/reply and a durable commit
  allow from one Python process on this machine.
- ``scrutiny requests``: the four services as processes (`Platform`, as `scrutiny
  up` runs them); agencies send `SubmitReturn` over request/reply, each its own
  return, each reply `accepted` after the event is committed. Only the replies are
  timed (the pipeline benchmark times the way to the projection).

Each agency keeps one request in flight; `concurrency` agencies send at once. The
latency is from the first send to the accepted reply, including any resend (a
`conflict` is sent again with the same request id, as an agency would). Beside the
rate, the CPU each service process spent per request during the measurement (from
/proc, Linux): a figure other work on the machine changes much less than the rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import nats

from bench.results import FullPipelineStats, Result
from bench.scrutiny import PARTNERSHIP, submission
from bench.servers import Servers, delete_streams

CONCURRENCY = 64
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU of a process so far (None where /proc has no such process)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def _drive(nc: nats.NATS, make: list[tuple[str, bytes]], concurrency: int, stats: FullPipelineStats) -> float:
    work = iter(make)

    async def agency() -> None:
        for subject, body in work:
            start = time.perf_counter()
            for attempt in range(1, 11):
                try:
                    reply = json.loads((await nc.request(subject, body, timeout=60)).data)
                except nats.errors.TimeoutError:
                    reply = {"status": "no reply", "error": {"code": "timeout"}}
                if reply.get("status") == "accepted":
                    break
                stats.refusals[reply.get("error", {}).get("code", "?")] += 1
                if attempt == 10:
                    raise RuntimeError(f"refused 10 times: {reply}")
                stats.retries += 1
                await asyncio.sleep(0.005 * attempt)
            stats.latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(agency() for _ in range(concurrency)))
    return time.perf_counter() - start


async def bench_raw_requests(servers: Servers, tag: str, requests: int, concurrency: int, stats: FullPipelineStats) -> Result:
    url = await servers.database(f"bench{tag}_rawreq")
    subject = f"bench{tag}.rawreq"
    db = await asyncpg.connect(url)
    nc = await nats.connect(servers.nats_url, max_reconnect_attempts=2)
    responder_nc = await nats.connect(servers.nats_url, max_reconnect_attempts=2)
    pending: list[tuple[str, bytes]] = []
    wakeup = asyncio.Event()

    async def on_request(msg: nats.aio.msg.Msg) -> None:
        pending.append((msg.reply, msg.data))
        wakeup.set()

    async def writer() -> None:
        while True:
            await wakeup.wait()
            wakeup.clear()
            while pending:
                batch = pending[:1000]
                del pending[:1000]
                ids = [uuid.uuid4() for _ in batch]
                await db.execute(
                    "INSERT INTO requests SELECT * FROM unnest($1::uuid[], $2::jsonb[])", ids, [body.decode() for _, body in batch]
                )
                for (reply, _), request_id in zip(batch, ids, strict=True):
                    await responder_nc.publish(reply, json.dumps({"status": "accepted", "id": str(request_id)}).encode())

    try:
        await db.execute("CREATE TABLE requests (id uuid PRIMARY KEY, body jsonb NOT NULL)")
        sub = await responder_nc.subscribe(subject, cb=on_request)
        await responder_nc.flush()  # the server has the subscription before the first request is sent on the other connection
        task = asyncio.create_task(writer())
        bodies = [(subject, submission(f"agency-{n % 23}", {"s": {"rating": 3}}, str(uuid.uuid4()), "c")) for n in range(requests)]
        try:
            await _drive(nc, bodies[: min(requests, 500)], concurrency, FullPipelineStats())  # warm-up
            seconds = await _drive(nc, bodies, concurrency, stats)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await sub.unsubscribe()
    finally:
        await nc.close()
        await responder_nc.close()
        await db.close()
    return Result("raw durable reply", requests, seconds, f"{concurrency} in flight, group-committed INSERT then reply (the ceiling)")


async def bench_scrutiny_requests(servers: Servers, tag: str, requests: int, concurrency: int, stats: FullPipelineStats) -> Result:
    from services.platform.supervisor import Platform
    from shared.config import Settings
    from shared.messaging.subjects import Subjects
    from shared.profiles import load_builtin

    url = await servers.database(f"bench{tag}_req")
    namespace = f"bench{tag}r"
    settings = Settings(
        nats_url=servers.nats_url, database_url=url, namespace=namespace, profiles=[PARTNERSHIP], dashboard_port=0,
        data_dir=Path(tempfile.mkdtemp(prefix="scrutiny-bench-")),
    )
    profile = load_builtin(PARTNERSHIP)
    agencies = [a.id for a in profile.agencies]
    answers = {s.id: {"rating": 3} for s in profile.section11.standards}
    subjects = Subjects(namespace)
    platform = Platform(settings)
    nc = await nats.connect(servers.nats_url, max_reconnect_attempts=2)
    try:
        await platform.start()
        cycles = -(-(requests + len(agencies)) // len(agencies))
        for k in range(cycles):
            body = {"request_id": str(uuid.uuid4()), "cycle_id": f"c-{k}", "opened_on": "2026-10-01", "due_on": "2027-03-31"}
            reply = json.loads(
                (
                    await nc.request(
                        subjects.operator_command("section11", "open-cycle", PARTNERSHIP), json.dumps(body).encode(), timeout=60
                    )
                ).data
            )
            assert reply["status"] == "accepted", reply

        def work(first: int, count: int) -> list[tuple[str, bytes]]:
            out = []
            for n in range(first, first + count):
                agency = agencies[n % len(agencies)]
                out.append((subjects.agency_command("section11", "submit", PARTNERSHIP, agency),
                            submission(agency, answers, str(uuid.uuid4()), f"c-{n // len(agencies)}")))
            return out

        await _drive(nc, work(0, len(agencies)), concurrency, FullPipelineStats())  # warm-up: one per agency
        pids = {name: process.pid for name, process in platform.processes.items()}
        before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        seconds = await _drive(nc, work(len(agencies), requests), concurrency, stats)
        after = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        cpu = {name: 1000 * (after[name] - was) / requests for name, was in before.items() if was is not None and after[name] is not None}
    finally:
        platform.stop()
        shutil.rmtree(settings.data_dir, ignore_errors=True)
        await nc.close()
        with contextlib.suppress(Exception):
            await delete_streams(servers.nats_url, namespace.upper() + "_")
    spent = ", ".join(f"{name} {ms:.2f}" for name, ms in sorted(cpu.items(), key=lambda item: -item[1]))
    return Result(
        "scrutiny requests", requests, seconds,
        f"{concurrency} agencies in flight, SubmitReturn, services as processes; CPU ms per request: {spent or 'not measured'}",
    )
