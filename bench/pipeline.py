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
   tests do; agencies send SubmitReturn requests (request/reply,
   ``CONCURRENCY`` in flight), each making one SubmissionReceived event that
   goes store -> outbox -> JetStream -> reporting projection. Timed until
   reporting's checkpoint of the section11 store is N events on (then
   ``reporting.s11_submissions`` is checked to hold the N rows).

Servers: embedded NATS and durable PostgreSQL in a temporary directory, or the
ones named by SCRUTINY_NATS_URL / SCRUTINY_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import platform
import statistics
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

from bench.ceilings import bench_jetstream, bench_naive, bench_postgres
from bench.results import FullPipelineStats, Result
from bench.scrutiny import CONCURRENCY, bench_scrutiny
from bench.servers import Servers


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
