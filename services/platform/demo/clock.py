"""The demo's clock and its timeline: the year played in date order, on the platform's clock.

Every service of a demo's platform runs on the moment the demo holds it at
(`shared.runtime.demo_clock`). The chapters (Section 11, assurance events, reviews,
actions) each run as a coroutine that says, before each step, on which day of the year
it happens (`Timeline.on`). The timeline lets one step run at a time, the earliest day
first (a day's steps in the order they asked for it), and moves the platform's clock only
when every chapter waits for a later day: to each deadline on the way first (nine o'clock
reminders, a return late from midnight), so each deadline watcher raises what falls due
on its day, then to ten o'clock of the step's day (never past the base clock: the year
ends by now). After each move it waits until the platform is quiet: every event relayed,
every reaction to it handled, every deadline due raised. So each fact is recorded on the
day it happens in the year, whatever the speed of the machine, and the same seed plays
the same steps in the same order."""

import asyncio
import heapq
import itertools
import json
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime, time
from typing import Any

import asyncpg
import nats
from nats.js.kv import KeyValue

from shared.clock import Clock
from shared.london import LONDON
from shared.messaging.subjects import SERVICES, Subjects
from shared.runtime.demo_clock import clock_bucket, clock_subject, read_moment, write_moment
from shared.waiting import eventually

STORES = ("section11", "events", "reviews")
"""The services' event stores, each in its own schema, each with a deadline watcher."""

STEP_TIME = time(10, 0)
"""When a day's steps happen (London): after the day's nine o'clock reminders."""


class NotOnTheDemoClock(RuntimeError):
    """The platform's services do not follow the demo's clock (started without SCRUTINY_DEMO_CLOCK)."""


class DemoClock(Clock):
    """The moment the demo holds the platform at (what every service reads), else `base`
    (the wall clock): the demo's year ends by `base`'s now, and hands back to it."""

    def __init__(self, nc: nats.NATS, subjects: Subjects, base: Clock) -> None:
        self._nc, self._subjects, self.base = nc, subjects, base
        self._kv: KeyValue | None = None
        self._moment: datetime | None = None

    def now(self) -> datetime:
        return self._moment if self._moment is not None else self.base.now()

    @property
    def held(self) -> bool:
        """Whether the platform is held at a moment of the demo's (rather than on its own clock)."""
        return self._moment is not None

    async def start(self) -> None:
        self._kv = await clock_bucket(self._nc.jetstream(), self._subjects)
        self._moment = await read_moment(self._kv)

    async def move_to(self, moment: datetime | None) -> None:
        """Hold every service at `moment` (None: hand them back to their own clocks), and
        wait until each says it reads it."""
        assert self._kv is not None, "start() first"
        await write_moment(self._kv, moment)
        for service in SERVICES:
            try:
                reply = await self._nc.request(clock_subject(self._subjects, service), b"", timeout=10)
            except nats.errors.NoRespondersError:
                raise NotOnTheDemoClock(
                    f"the {service} service does not follow the demo's clock: start the platform with SCRUTINY_DEMO_CLOCK=true"
                ) from None
            read = datetime.fromisoformat(json.loads(reply.data)["now"])
            if moment is not None and read != moment:
                raise NotOnTheDemoClock(f"the {service} service's clock reads {read.isoformat()}, not {moment.isoformat()}")
        self._moment = moment


class StepOutOfOrder(RuntimeError):
    """A chapter asked for a day before the one the platform is already on."""


class Timeline:
    """Runs the chapters' coroutines one step at a time, in date order, moving the clock between days."""

    def __init__(self, first_day: date, advance: Callable[[date], Awaitable[None]]) -> None:
        self.day = first_day
        self._advance = advance
        self._queue: list[tuple[date, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._turn_over = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._failure: BaseException | None = None

    def spawn(self, day: date, chapter: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Start `chapter` on `day` (its first step), once the steps before it have run."""
        waiting = self._wait_in_line(day)

        async def run() -> None:
            try:
                await waiting
                await chapter()
            except asyncio.CancelledError:
                raise
            except BaseException as error:  # noqa: BLE001 - handed to run(), which raises it
                self._failure = self._failure or error
            finally:
                self._turn_over.set()

        self._tasks.append(asyncio.create_task(run()))

    def _wait_in_line(self, day: date) -> asyncio.Future[None]:
        if day < self.day:
            raise StepOutOfOrder(f"a step on {day.isoformat()} after the demo's clock reached {self.day.isoformat()}")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (day, next(self._order), turn))
        return turn

    async def on(self, day: date) -> None:
        """Wait (giving way to every step of an earlier day, and to those already waiting
        for this one) until the platform's clock is on `day`."""
        turn = self._wait_in_line(day)
        self._turn_over.set()
        await turn

    async def run(self) -> None:
        """Play every step spawned (and every one they spawn), then return."""
        try:
            while self._queue and self._failure is None:
                day, _, turn = heapq.heappop(self._queue)
                if day > self.day:
                    await self._advance(day)
                    self.day = day
                self._turn_over.clear()
                turn.set_result(None)
                await self._turn_over.wait()
            if self._failure is not None:
                raise self._failure
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)


def step_moment(day: date) -> datetime:
    return datetime.combine(day, STEP_TIME, tzinfo=LONDON)


class Quiet:
    """Whether the platform has done everything the last moment asked of it."""

    def __init__(self, nc: nats.NATS, pool: asyncpg.Pool, subjects: Subjects) -> None:
        self._js, self._pool, self._subjects = nc.jetstream(), pool, subjects

    async def _heads(self) -> list[int]:
        return [(await self._js.stream_info(self._subjects.stream(s))).state.last_seq for s in SERVICES]

    async def _outboxes_empty(self) -> bool:
        for store in STORES:
            if await self._pool.fetchval(f"SELECT EXISTS (SELECT 1 FROM {store}.outbox)"):
                return False
        return True

    async def _consumed(self) -> bool:
        for service in SERVICES:
            for consumer in await self._js.consumers_info(self._subjects.stream(service)):
                if consumer.num_pending or consumer.num_ack_pending:
                    return False
        return True

    async def watchers_idle(self, now: datetime) -> bool:
        for store in STORES:
            row = await self._pool.fetchrow(
                f"SELECT (SELECT position FROM {store}.deadline_checkpoint) AS seen,"
                f" (SELECT coalesce(max(position), 0) FROM {store}.events) AS head,"
                f" EXISTS (SELECT 1 FROM {store}.deadlines WHERE NOT raised AND due_at <= $1) AS due",
                now,
            )
            if row["seen"] < row["head"] or row["due"]:
                return False
        return True

    async def quiet(self, now: datetime) -> bool:
        """Nothing left to relay, to react to, or to raise; and nothing published meanwhile."""
        heads = await self._heads()
        return (
            await self._outboxes_empty()
            and await self._consumed()
            and await self.watchers_idle(now)
            and await self._outboxes_empty()
            and await self._heads() == heads
        )

    async def next_deadline(self, after: datetime, until: datetime) -> datetime | None:
        """The first deadline still to be raised after `after`, by `until`."""
        due = [
            await self._pool.fetchval(
                f"SELECT min(due_at) FROM {store}.deadlines WHERE NOT raised AND due_at > $1 AND due_at <= $2", after, until,
            )
            for store in STORES
        ]
        return min((d for d in due if d is not None), default=None)

    async def wait(self, now: datetime) -> None:
        await eventually(lambda: self.quiet(now), timeout=120, interval=0.01, what="the platform to record what the day brought")


async def move_through(clock: DemoClock, quiet: Quiet, target: datetime) -> None:
    """Move the platform's clock forward to `target`, stopping at each deadline on the way
    so that each is raised, and recorded, at its own moment; quiet after each move."""
    while clock.now() < target:
        moment = await quiet.next_deadline(clock.now(), target) or target
        await clock.move_to(moment)
        await quiet.wait(moment)


def step_target(clock: DemoClock, day: date) -> datetime:
    """When the steps of `day` happen: ten o'clock, or now if the year ends today before then."""
    return min(step_moment(day), clock.base.now())
