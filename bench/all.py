"""Every benchmark of issue 8 in one run, each beside its ceiling, with the targets.

`python -m bench.all` (see bench/README.md): on one pair of servers (embedded
NATS and durable PostgreSQL unless SCRUTINY_NATS_URL / SCRUTINY_DATABASE_URL name
others), in this order:

1. pipeline: the naive pipeline and scrutiny's (bench.ceilings, bench.scrutiny);
2. requests: concurrent single durable requests (bench.requests);
3. append: against the `eventsourcing` library's recorder (bench.append_vs_eventsourcing);
4. national: a year of events for ~160 partnerships written into the stores (bench.dataset);
5. rebuild: every projection from those stores (bench.rebuild);
6. boardpack: a year's board pack from those read models (bench.board_pack);
7. web: the front door's pages on those read models, 20 signed-in people at once (bench.web);
8. memory: the services as processes carrying those events (bench.memory).

Each step prints its lines as it ends, with the load average around it; the
summary at the end holds every target.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import platform
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.pipeline import LOG_COUNTS, percentile
from bench.results import FullPipelineStats, Result
from bench.servers import Servers
from bench.web import PEOPLE as WEB_PEOPLE

STEPS = ("pipeline", "requests", "append", "national", "asof", "rebuild", "boardpack", "web", "memory")


@dataclass
class Target:
    what: str
    target: str
    measured: str
    met: bool
    ceiling: str = ""
    load: str = ""


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def line(r: Result) -> str:
    return f"  {r.name:<28} {r.events:>9} {r.seconds:>9.2f} s {r.rate:>10.0f} /s  {r.notes}"


def latency(stats: FullPipelineStats) -> tuple[float, float, float]:
    ms = sorted(x * 1000 for x in stats.latencies)
    return percentile(ms, 50), percentile(ms, 99), ms[-1]


async def run(args: argparse.Namespace) -> list[Target]:
    from bench.append_vs_eventsourcing import bench_append
    from bench.as_of import bench_as_of
    from bench.board_pack import bench_board_pack
    from bench.ceilings import bench_naive
    from bench.dataset import load as load_dataset
    from bench.memory import bench_memory
    from bench.rebuild import bench_projection_rebuild, bench_raw_rebuild
    from bench.requests import bench_raw_requests, bench_scrutiny_requests
    from bench.scrutiny import bench_scrutiny
    from bench.web import bench_web

    steps = set(args.only or STEPS)
    tag = uuid.uuid4().hex[:8]
    servers = Servers(prefix=f"bench{tag}")
    targets: list[Target] = []
    pool: asyncpg.Pool | None = None

    def begin(step: str) -> str:
        before = load()
        print(f"\n[{dt.datetime.now():%H:%M:%S}] {step} (load average {before})", flush=True)
        return before

    try:
        await servers.start()
        print(f"servers: {servers.description}")
        if "pipeline" in steps:
            before = begin("pipeline")
            await servers.checkpoint()
            naive = await bench_naive(servers, tag, args.pipeline_events)
            await servers.checkpoint()
            stats = FullPipelineStats()
            full = await bench_scrutiny(servers, tag, args.pipeline_events, stats)
            p50, p99, _ = latency(stats)
            for r in (naive, full):
                print(line(r))
            ratio = full.rate / naive.rate
            print(f"  ratio scrutiny/naive {ratio:.2f}; scrutiny latency p50 {p50:.0f} ms, p99 {p99:.0f} ms")
            targets.append(Target("full pipeline / naive pipeline", ">= 1.0", f"{ratio:.2f} ({full.rate:.0f} vs {naive.rate:.0f} events/s)",
                                  ratio >= 1.0, f"naive {naive.rate:.0f}/s", f"{before} -> {load()}"))
        if "requests" in steps:
            before = begin("requests")
            await servers.checkpoint()
            raw_stats, stats = FullPipelineStats(), FullPipelineStats()
            raw = await bench_raw_requests(servers, tag, args.requests, args.concurrency, raw_stats)
            await servers.checkpoint()
            ours = await bench_scrutiny_requests(servers, tag, args.requests, args.concurrency, stats)
            for r, s in ((raw, raw_stats), (ours, stats)):
                p50, p99, top = latency(s)
                print(line(r) + f"; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {top:.0f} ms, resent {s.retries}")
            p50, p99, _ = latency(stats)
            targets.append(
                Target(
                    f"durable requests ({args.concurrency} in flight)",
                    ">= 3000/s, p99 < 20 ms",
                    f"{ours.rate:.0f}/s, p99 {p99:.1f} ms",
                    ours.rate >= 3000 and p99 < 20,
                    f"raw {raw.rate:.0f}/s, p99 {latency(raw_stats)[1]:.1f} ms; ratio {ours.rate / raw.rate:.2f}",
                    f"{before} -> {load()}",
                )
            )
        if "append" in steps:
            before = begin("append")
            results = await bench_append(servers, tag, args.append_events, args.writers)
            for r in results:
                print(line(r))
            es, ours, es1, ours1 = results
            print(
                f"  ratio scrutiny/eventsourcing: {ours.rate / es.rate:.2f} with {args.writers} writers, "
                f"{ours1.rate / es1.rate:.2f} with one"
            )
            targets.append(
                Target(
                    f"append vs eventsourcing ({args.writers} writers)",
                    ">= 3x",
                    f"{ours.rate / es.rate:.2f}x ({ours.rate:.0f} vs {es.rate:.0f}/s)",
                    ours.rate / es.rate >= 3,
                    f"one writer: {ours1.rate / es1.rate:.2f}x",
                    f"{before} -> {load()}",
                )
            )
        national_url = ""
        if steps & {"national", "asof", "rebuild", "boardpack", "web", "memory"}:
            before = begin(f"national: loading about {args.events} events")
            national_url = await servers.database(f"bench{tag}_national")
            pool = await asyncpg.create_pool(national_url, min_size=2, max_size=20)
            start = time.perf_counter()
            counts = await load_dataset(pool, args.events)
            seconds = time.perf_counter() - start
            total = sum(counts.values())
            print(f"  loaded {total} events in {seconds:.0f} s ({total / seconds:.0f}/s, batch append): {counts}")
            await servers.checkpoint()
            async with pool.acquire() as conn:
                await conn.execute("VACUUM ANALYZE")
        if "asof" in steps:
            before = begin("asof")
            assert pool is not None
            times = await bench_as_of(pool, whole=args.whole_as_of)
            print("  " + times.describe())
            targets.append(Target("as-of dashboard of a past day, one partnership: first view", "< 2 s", f"{times.first:.2f} s",
                                  times.first < 2, times.describe(), f"{before} -> {load()}"))
            targets.append(Target("the same, a later view of that day", "< 0.2 s", f"{times.later * 1000:.0f} ms",
                                  times.later < 0.2, "", f"{before} -> {load()}"))
        if steps & {"rebuild", "boardpack", "web"}:
            before = begin("rebuild")
            assert pool is not None
            raw = await bench_raw_rebuild(pool)
            ours = await bench_projection_rebuild(pool)
            for r in (raw, ours):
                print(line(r))
            targets.append(
                Target(
                    "rebuild all projections",
                    ">= 50000 events/s",  # issue 18 (issue 8 asked 100,000)
                    f"{ours.rate:.0f} events/s ({ours.events} in {ours.seconds:.0f} s)",
                    ours.rate >= 50_000,
                    f"raw read + COPY {raw.rate:.0f}/s; ratio {ours.rate / raw.rate:.2f}",
                    f"{before} -> {load()}",
                )
            )
        if "boardpack" in steps:
            before = begin("boardpack")
            assert pool is not None
            async with pool.acquire() as conn:
                await conn.execute("VACUUM ANALYZE")
            times = await bench_board_pack(pool)
            print("  " + times.describe())
            targets.append(
                Target(
                    "board pack HTML (a year, national store)",
                    "< 5 s",
                    f"{times.html_total:.2f} s",
                    times.html_total < 5,
                    "",
                    f"{before} -> {load()}",
                )
            )
            targets.append(
                Target("board pack PDF", "< 15 s", f"{times.pdf_total:.2f} s", times.pdf_total < 15, "", f"{before} -> {load()}")
            )
        if "web" in steps:
            before = begin(f"web: {sum(n for _, n in WEB_PEOPLE)} people at once, {args.web_rounds} rounds of their pages")
            assert pool is not None
            async with pool.acquire() as conn:
                await conn.execute("VACUUM ANALYZE")
            web = await bench_web(servers, national_url, tag, args.web_rounds, changes=args.web_changes, tree=args.web_tree)
            after = load()
            changed = f", the partnership's records marked changed {web.changes} times" if web.changes else ""
            rate = f"{web.requests} pages in {web.seconds:.0f} s ({web.requests / web.seconds:.1f}/s)"
            print(f"  {rate}{changed}, load average {before} -> {after}")
            print(f"  the reporting process after the walk: RSS {web.memory[0] / 1024:.0f} MB, peak {web.memory[1] / 1024:.0f} MB")
            for text in web.lines():
                print("  " + text)
            kind, p95 = web.worst
            failed = sum(web.failures.values())
            targets.append(Target("web pages, 20 signed-in people at once", "p95 < 300 ms for every page",
                                  f"worst p95 {p95:.0f} ms ({kind})" + (f", {failed} not 200" if failed else ""),
                                  p95 < 300 and not failed, f"{len(web.times)} pages, {web.requests} requests", f"{before} -> {after}"))
        if "memory" in steps:
            before = begin("memory")
            if pool is not None:
                await pool.close()
                pool = None
            report = await bench_memory(servers, national_url, tag, reproject=args.reproject)
            how = "projected live" if args.reproject or "rebuild" not in steps else "relayed and received (read models already built)"
            print(
                f"  {report.events} events {how} in {report.seconds_to_project:.0f} s ({report.events / report.seconds_to_project:.0f}/s)"
            )
            for text in report.lines():
                print("  " + text)
            worst = max(rss for rss, _ in report.after.values()) / 1024
            targets.append(
                Target(
                    "RSS of each service after the events",
                    "< 200 MB",
                    ", ".join(f"{n} {rss / 1024:.0f} MB" for n, (rss, _) in report.after.items()),
                    worst < 200,
                    "peak " + ", ".join(f"{peak / 1024:.0f}" for _, peak in report.after.values()),
                    f"{before} -> {load()}",
                )
            )
    finally:
        if pool is not None:
            await pool.close()
        await servers.stop()
    return targets


def summary(targets: list[Target]) -> str:
    lines = [
        "",
        f"scrutiny bench.all - {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        f"{'measurement':<44} {'target':<24} {'measured':<44} {'met':<4} {'load (1/5/15 min)':<30} ceiling",
    ]
    for t in targets:
        lines.append(f"{t.what:<44} {t.target:<24} {t.measured:<44} {'yes' if t.met else 'NO':<4} {t.load:<30} {t.ceiling}")
    if LOG_COUNTS.counts:
        lines.append(f"warnings logged (not shown): {dict(LOG_COUNTS.counts)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=STEPS,
        help="run only this step (repeatable; rebuild, boardpack and memory load the national data)",
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the national store (default 1,000,000)")
    parser.add_argument("--pipeline-events", type=int, default=5000, help="events through the pipelines (default 5000)")
    parser.add_argument("--requests", type=int, default=10_000, help="durable requests (default 10,000)")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight (default 64)")
    parser.add_argument("--append-events", type=int, default=20_000, help="appends per store (default 20,000)")
    parser.add_argument(
        "--whole-as-of", action="store_true", help="asof: also build the whole platform's day (the comparison; minutes at national scale)"
    )
    parser.add_argument(
        "--reproject", action="store_true", help="memory: drop the read models first, so the reporting service projects every event live"
    )
    parser.add_argument("--web-rounds", type=int, default=5, help="web: times each person walks their pages (default 5)")
    parser.add_argument(
        "--web-changes", type=float, default=0.0,
        help="web: times a second the partnership's records are marked changed during the walk (its kept views read again; default 0)",
    )
    parser.add_argument("--web-tree", type=Path, default=None, help="web: run the reporting service from this checkout (old against new)")
    parser.add_argument("--writers", type=int, default=32, help="concurrent appenders (default 32)")
    args = parser.parse_args()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(LOG_COUNTS)
        root.setLevel(logging.WARNING)
    print(f"load average at start: {load()}")
    print(summary(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
