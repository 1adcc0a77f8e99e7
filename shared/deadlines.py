"""The deadline watcher: turns the passing of time into events, from an injectable clock.

It tails its own service's store (with a checkpoint, in one transaction with
its deadline table) to learn which deadlines exist and which were settled, and
on each tick raises the events for those now due. The raised events carry the
deadline's own moment as `occurred_at` and ids derived from the deadline, so a
replay, a duplicate tick or two watchers raise exactly the same events.

A deadline's request id is derived from the installation's secret (`keys.platform_secrets`,
made once at random, readable by the platform's roles alone), never from public facts alone: an agency
that computed the ids of another agency's reminders and sent them as its own request
ids once silenced them (docs/security.md). Its events are also the watcher's own
(`shared.decisions.request_key` scopes every request to its sender).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from shared.clock import Clock, SharedClock
from shared.ddl import apply_ddl
from shared.envelope import Envelope, Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.eventstore.remembered import Remembered
from shared.personal_data import SCHEMA as KEYS
from shared.telemetry.sampling import deadline_probe, watched
from shared.waiting import woken_or_timed_out

log = logging.getLogger(__name__)


WATCHER = "deadline-watcher"  # the actor of every event a deadline raises


@dataclass(frozen=True)
class Deadline:
    stream_id: str
    kind: str
    due_at: datetime
    partnership_id: str
    # Set by the watcher from its secret when the deadline falls due.
    request_id: UUID | None = None

    @property
    def key(self) -> UUID:
        """The request id its events are raised under: the watcher's, or (a deadline built
        by hand, in a unit test) one derived from the deadline alone."""
        return self.request_id or uuid5(NAMESPACE_URL, self._name)

    @property
    def _name(self) -> str:
        return f"{self.partnership_id}/{self.stream_id}/{self.kind}/{self.due_at.astimezone(UTC).isoformat()}"

    @property
    def metadata(self) -> Metadata:
        """Who raises what the deadline's passing causes: the watcher, in one correlation per stream."""
        return Metadata(
            partnership_id=self.partnership_id, actor=WATCHER, correlation_id=uuid5(NAMESPACE_URL, self.stream_id)
        )

    def with_secret(self, secret: UUID) -> "Deadline":
        return replace(self, request_id=uuid5(secret, self._name))


@dataclass(frozen=True)
class Settled:
    """The deadline of this kind on this stream no longer applies (e.g. the action was done)."""

    stream_id: str
    kind: str


BATCH = 1000  # events tracked a transaction
# The least time between two ticks that appends woke. Under load each group commit woke a
# tick of its own: a transaction of the deadline table (a commit, a flush of the WAL,
# competing with the appends' own) and a query of what is due. Deadlines fall due days
# after they are set, so what commits within this time joins the next tick; a clock moved
# (a demo, a replay) wakes one at once.
TICK_GAP_SECONDS = 0.25
RECENT_LIMIT = 20_000  # envelopes remembered before giving up on memory

Schedule = Callable[[Envelope], Sequence[Deadline | Settled]]
OnDue = Callable[[Deadline], Awaitable[Sequence[Envelope]]]


class DeadlineWatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        store: PostgresEventStore,
        clock: Clock,
        schedule: Schedule,
        on_due: OnDue,
    ) -> None:
        self._pool = pool
        self._store = store
        self._clock = clock
        self._schedule = schedule
        self._on_due = on_due
        self._schema = store.schema
        self._wakeup = asyncio.Event()
        self._clock_moved = False
        if isinstance(clock, SharedClock):  # a demo moving the clock: look for what fell due
            clock.on_moved(self._on_clock_moved)
        self._secret: UUID | None = None
        # Committed envelopes this process appended, by position, not yet tracked: read
        # from here rather than back from the store (a profile found that reading a
        # twelfth of the section11 process's CPU). Anything missing is read from the store.
        self._recent: Remembered[Envelope] = Remembered(RECENT_LIMIT)
        # When its last tick completed (monotonic): what `scrutiny_deadline_watcher_last_tick_age_seconds` counts from.
        self.last_tick = time.monotonic()

    async def setup(self) -> None:
        s = self._schema
        await apply_ddl(
            self._pool,
            f"""
            CREATE TABLE IF NOT EXISTS {s}.deadlines (
                stream_id text NOT NULL, kind text NOT NULL, due_at timestamptz NOT NULL,
                partnership_id text NOT NULL, raised boolean NOT NULL DEFAULT false,
                PRIMARY KEY (stream_id, kind));
            CREATE INDEX IF NOT EXISTS deadlines_due ON {s}.deadlines (due_at) WHERE NOT raised;
            CREATE TABLE IF NOT EXISTS {s}.deadline_checkpoint (
                one boolean PRIMARY KEY DEFAULT true CHECK (one), position bigint NOT NULL);
            INSERT INTO {s}.deadline_checkpoint VALUES (true, 0) ON CONFLICT DO NOTHING;
            """,
        )
        await self._pool.execute(f"INSERT INTO {KEYS}.platform_secrets (name) VALUES ('deadlines') ON CONFLICT DO NOTHING")
        self._secret = await self._pool.fetchval(f"SELECT secret FROM {KEYS}.platform_secrets WHERE name = 'deadlines'")

    def _on_clock_moved(self) -> None:
        self._clock_moved = True
        self._wakeup.set()

    def learn(self, envelopes: Sequence[Envelope]) -> None:
        """The store's `on_appended` reader: note what was committed, and wake."""
        self._recent.learn((e.position, e) for e in envelopes if e.position)
        self._wakeup.set()

    async def track(self) -> None:
        """Learn the deadlines set or settled by events committed since the last look."""
        s = self._schema
        while True:
            after = await self._pool.fetchval(f"SELECT position FROM {s}.deadline_checkpoint")
            batch = self._recent.run_after(after, BATCH) or await self._store.read_all(after=after, limit=BATCH)
            if not batch:
                return
            set_rows: dict[tuple[str, str], Deadline] = {}
            settled: set[tuple[str, str]] = set()
            for envelope in batch:
                for item in self._schedule(envelope):
                    key = (item.stream_id, item.kind)
                    if isinstance(item, Deadline):
                        set_rows[key] = item
                        settled.discard(key)
                    else:
                        set_rows.pop(key, None)
                        settled.add(key)
            # One statement each way per batch: opening a cycle for forty agencies sets
            # a hundred deadlines, and a busy day settles thousands.
            async with self._pool.acquire() as conn, conn.transaction():
                if settled:
                    await conn.execute(
                        f"DELETE FROM {s}.deadlines d USING unnest($1::text[], $2::text[]) AS x(stream_id, kind)"
                        " WHERE d.stream_id = x.stream_id AND d.kind = x.kind",
                        [k[0] for k in settled], [k[1] for k in settled],
                    )
                if set_rows:
                    items = list(set_rows.values())
                    await conn.execute(
                        f"INSERT INTO {s}.deadlines (stream_id, kind, due_at, partnership_id)"
                        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])"
                        " ON CONFLICT (stream_id, kind) DO UPDATE SET due_at = excluded.due_at, raised = false",
                        [d.stream_id for d in items], [d.kind for d in items],
                        [d.due_at for d in items], [d.partnership_id for d in items],
                    )
                await conn.execute(
                    f"UPDATE {s}.deadline_checkpoint SET position = $1", batch[-1].position
                )

    async def tick(self) -> list[Envelope]:
        """Raise every deadline due by the clock's now; returns the events raised."""
        await self.track()
        now = self._clock.now()
        rows = await self._pool.fetch(
            f"SELECT * FROM {self._schema}.deadlines WHERE NOT raised AND due_at <= $1"
            " ORDER BY due_at, stream_id",
            now,
        )
        raised: list[Envelope] = []
        for row in rows:
            deadline = Deadline(row["stream_id"], row["kind"], row["due_at"], row["partnership_id"])
            if self._secret is not None:
                deadline = deadline.with_secret(self._secret)
            raised.extend(await self._on_due(deadline))
            await self._pool.execute(
                f"UPDATE {self._schema}.deadlines SET raised = true"
                " WHERE stream_id = $1 AND kind = $2 AND due_at = $3",
                deadline.stream_id, deadline.kind, deadline.due_at,
            )
        return raised

    async def run(self, interval_seconds: float = 5.0) -> None:
        """Tick until cancelled; meanwhile its host samples the deadlines past due and the
        time since its last tick (`shared.telemetry.sampling.deadline_probe`)."""
        probe = deadline_probe(self._pool, self._schema, self._schema, self._clock, lambda: self.last_tick)
        with watched(self._pool, probe):
            while True:
                started = time.monotonic()
                self._clock_moved = False
                try:
                    await self.tick()
                    self.last_tick = time.monotonic()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning("deadline watcher tick failed, will retry: %s", error)
                await woken_or_timed_out(self._wakeup, interval_seconds)
                if not self._clock_moved:  # woken by appends: let those of the next moments join
                    await asyncio.sleep(max(0.0, started + TICK_GAP_SECONDS - time.monotonic()))
