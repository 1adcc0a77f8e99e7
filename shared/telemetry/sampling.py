"""The gauges that need a query, sampled by each service process every few seconds.

Why a periodic task rather than collectors that query when scraped: the queries are
async (the process's asyncpg pool, its NATS connection) while prometheus_client collects
synchronously on the scraping thread; sampled in the event loop, each query runs once an
interval however many Prometheus servers (or people at the front door's `/metrics`) scrape, with
a timeout, and a scrape never waits on a database that is away. A gauge is at most one
interval old; a probe that fails leaves its gauges as they were and counts
`scrutiny_metrics_sample_failures_total` (a stalled sample shows as a failure, not as
good news).

What is sampled belongs to the process that runs it. Live components say so themselves
(`watched`: the outbox relay and the deadline watcher while their loops run, keyed by
the pool they use, which is their host's); the host adds what bootstrap wired
(`ServiceHost.watch`: the live projection runners). Every probe is a few indexed queries.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import asyncpg

from shared.clock import Clock
from shared.telemetry.metrics import (
    DEADLINE_OVERDUE_SECONDS,
    DEADLINE_TICK_AGE,
    DEADLINES_OVERDUE,
    OLDEST_UNPROJECTED,
    OUTBOX_PENDING,
    PROJECTION_LAG,
    SAMPLE_FAILURES,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Probe:
    kind: str  # the `probe` label of a failure: outbox, projection, deadlines, dead_letters
    name: str  # unique within its process's probes (a schema)
    sample: Callable[[], Awaitable[None]]


# Probes of live components, by the pool they use (their host's): id(pool) -> name -> probe.
_live: dict[int, dict[str, Probe]] = {}


@contextmanager
def watched(owner: object, probe: Probe) -> Iterator[None]:
    """While the block runs, the sampler of the host whose pool is `owner` samples `probe`."""
    probes = _live.setdefault(id(owner), {})
    probes[probe.name] = probe
    try:
        yield
    finally:
        if probes.get(probe.name) is probe:
            del probes[probe.name]
        if not probes:
            _live.pop(id(owner), None)


@dataclass
class Sampler:
    service: str
    owner: object  # the host's pool
    interval: float = 5.0
    probes: list[Probe] = field(default_factory=list)

    def current(self) -> list[Probe]:
        return [*self.probes, *_live.get(id(self.owner), {}).values()]

    async def sample_once(self) -> None:
        timeout = max(0.5, min(self.interval, 5.0))
        for probe in self.current():
            failures = SAMPLE_FAILURES.labels(self.service, probe.kind)  # at 0 from the start: rate() sees the first
            try:
                async with asyncio.timeout(timeout):
                    await probe.sample()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database or NATS away: the gauges keep their last values
                failures.inc()
                log.debug("sampling %s %s failed: %r", probe.kind, probe.name, error)

    async def run(self) -> None:
        while True:
            await self.sample_once()
            await asyncio.sleep(self.interval)


def outbox_probe(pool: asyncpg.Pool, schema: str) -> Probe:
    """Rows of the store's outbox: events committed and not yet relayed."""

    async def sample() -> None:
        OUTBOX_PENDING.labels(store=schema).set(await pool.fetchval(f"SELECT count(*) FROM {schema}.outbox"))

    return Probe("outbox", f"outbox:{schema}", sample)


def projection_probe(pool: asyncpg.Pool, projection: str, sources: Mapping[str, str], clock: Clock) -> Probe:
    """For each source (its name -> its store's schema): how far the store's head is past
    the projection's checkpoint, and how old the first event past the checkpoint is."""

    async def sample() -> None:
        for source, store in sources.items():
            try:
                row = await pool.fetchrow(
                    f"SELECT c.position AS done,"
                    f" (SELECT coalesce(max(position), 0) FROM {store}.events) AS head,"
                    f" (SELECT recorded_at FROM {store}.events e WHERE e.position > c.position"
                    f"  ORDER BY e.position LIMIT 1) AS oldest"
                    f" FROM {projection}.checkpoints c WHERE c.source = $1",
                    source,
                )
            except asyncpg.UndefinedTableError:  # a store nothing was recorded in yet
                row = None
            lag = max(0, row["head"] - row["done"]) if row else 0
            age = (clock.now() - row["oldest"]).total_seconds() if row and row["oldest"] and lag else 0.0
            PROJECTION_LAG.labels(projection, source).set(lag)
            OLDEST_UNPROJECTED.labels(projection, source).set(max(0.0, age))

    return Probe("projection", f"projection:{projection}", sample)


def deadline_probe(
    pool: asyncpg.Pool, schema: str, service: str, clock: Clock, last_tick: Callable[[], float]
) -> Probe:
    """The deadlines past due and not raised (how many, and since when the oldest), and
    the seconds since the watcher's last completed tick (`last_tick`: a monotonic time)."""

    async def sample() -> None:
        DEADLINE_TICK_AGE.labels(service).set(max(0.0, time.monotonic() - last_tick()))
        now = clock.now()
        row = await pool.fetchrow(
            f"SELECT count(*) AS due, min(due_at) AS oldest FROM {schema}.deadlines"
            " WHERE NOT raised AND due_at <= $1",
            now,
        )
        DEADLINES_OVERDUE.labels(service).set(row["due"])
        DEADLINE_OVERDUE_SECONDS.labels(service).set((now - row["oldest"]).total_seconds() if row["oldest"] else 0.0)

    return Probe("deadlines", f"deadlines:{schema}", sample)
