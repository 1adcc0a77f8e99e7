"""Resident memory of each service after it has carried a national year of events.

The four services run as processes (`Platform`, as `scrutiny up` runs them) on a
database whose stores already hold the events (`bench.dataset`, with their outbox
rows). So the three services' relays (and the reporting service's, for its own
records) publish every event to JetStream, the reporting service receives every
one of them on its durable consumers, and the deadline watchers read their
stores. With `reproject` the read models are dropped first and the reporting
service projects every event live; without it (the default, to keep a run of
1,000,000 events within the hour on this machine) it finds the read models the
rebuild step made, and skips each event at its checkpoint after reading it. When every projection checkpoint has reached its
store's head, a burst of
agency requests goes through as well; then each process's VmRSS (and VmHWM, its
peak) is read from /proc/PID/status.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats

from bench.dataset import PROFILE, STORES
from bench.results import FullPipelineStats
from bench.servers import Servers, delete_streams
from shared.waiting import eventually


def proc_memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


@dataclass
class MemoryReport:
    events: int
    seconds_to_project: float
    at_start: dict[str, int] = field(default_factory=dict)  # KiB
    after: dict[str, tuple[int, int]] = field(default_factory=dict)  # KiB (rss, peak)

    def lines(self) -> list[str]:
        out = [f"{'service':<12} {'RSS at start':>13} {'RSS after':>10} {'peak RSS':>9}"]
        for name, (rss, peak) in self.after.items():
            out.append(f"{name:<12} {self.at_start.get(name, 0) / 1024:>10.0f} MB {rss / 1024:>7.0f} MB {peak / 1024:>6.0f} MB")
        return out


async def bench_memory(servers: Servers, url: str, tag: str, requests: int = 2000, reproject: bool = False) -> MemoryReport:
    from bench.requests import _drive
    from bench.scrutiny import submission
    from services.platform.supervisor import Platform
    from shared.config import Settings
    from shared.messaging.subjects import Subjects
    from shared.profiles import load_builtin

    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    namespace = f"bench{tag}m"
    if reproject:
        await pool.execute("DROP SCHEMA IF EXISTS reporting CASCADE")
    heads = {s: await pool.fetchval(f"SELECT coalesce(max(position), 0) FROM {s}.events") for s in STORES}
    sources = {"section11": "section11", "events": "events", "reviews": "reviews", "reporting_records": "reporting"}
    settings = Settings(
        nats_url=servers.nats_url, database_url=url, namespace=namespace, profiles=[PROFILE], dashboard_port=0,
        data_dir=Path(tempfile.mkdtemp(prefix="scrutiny-bench-")),
    )
    platform = Platform(settings)
    nc = await nats.connect(servers.nats_url, max_reconnect_attempts=2)
    try:
        await platform.start()
        report = MemoryReport(sum(heads.values()), 0.0)
        report.at_start = {name: proc_memory(p.pid)[0] for name, p in platform.processes.items()}
        start = time.perf_counter()

        js = nc.jetstream()
        subjects = Subjects(namespace)

        async def projected() -> bool:
            """Every outbox relayed, every event received and acknowledged by reporting."""
            try:
                rows = await pool.fetch("SELECT source, position FROM reporting.checkpoints")
            except asyncpg.UndefinedTableError:
                return False
            done = {r["source"]: r["position"] for r in rows}
            if not all(done.get(sources[s], 0) >= head for s, head in heads.items()):
                return False
            for store, source in sources.items():
                if await pool.fetchval(f"SELECT count(*) FROM {store}.outbox"):
                    return False
                try:
                    info = await js.consumer_info(subjects.stream(source), f"reporting-{source}")
                except nats.js.errors.NotFoundError:
                    return False
                if info.num_pending or info.num_ack_pending:
                    return False
            return True

        await eventually(projected, timeout=max(600.0, report.events / 500), interval=1.0, what="reporting to project every event")
        report.seconds_to_project = time.perf_counter() - start
        # Then agencies' requests on top: the command path's own caches and buffers.
        profile = load_builtin(PROFILE)
        agencies = [a.id for a in profile.agencies]
        answers = {s.id: {"rating": 3} for s in profile.section11.standards}
        for k in range(-(-requests // len(agencies))):
            body = {"request_id": str(uuid.uuid4()), "cycle_id": f"mem-{k}", "opened_on": "2026-10-01", "due_on": "2027-03-31"}
            reply = json.loads(
                (
                    await nc.request(subjects.operator_command("section11", "open-cycle", PROFILE), json.dumps(body).encode(), timeout=60)
                ).data
            )
            assert reply["status"] == "accepted", reply
        work = [
            (subjects.agency_command("section11", "submit", PROFILE, agencies[n % len(agencies)]),
             submission(agencies[n % len(agencies)], answers, str(uuid.uuid4()), f"mem-{n // len(agencies)}"))
            for n in range(requests)
        ]
        await _drive(nc, work, 64, FullPipelineStats())
        report.after = {name: proc_memory(p.pid) for name, p in platform.processes.items()}
        return report
    finally:
        platform.stop()
        shutil.rmtree(settings.data_dir, ignore_errors=True)
        await nc.close()
        await pool.close()
        with contextlib.suppress(Exception):
            await delete_streams(servers.nats_url, namespace.upper() + "_")
