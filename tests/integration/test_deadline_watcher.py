"""The deadline watcher raises time-driven events from the injectable clock, deterministically."""

from datetime import UTC, date, datetime, timedelta
from uuid import NAMESPACE_URL, uuid4, uuid5

import asyncpg
import pytest

from services.reviews.domain.actions import overdue_from
from services.reviews.domain.commands import RaiseAction
from services.reviews.handlers import ReviewsHandlers, deadlines_for
from shared.clock import ManualClock
from shared.deadlines import DeadlineWatcher
from shared.eventstore.postgres import PostgresEventStore
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from tests.support.events import metadata

pytestmark = pytest.mark.integration


async def _watcher(pool: asyncpg.Pool, clock: ManualClock) -> tuple[ReviewsHandlers, DeadlineWatcher, PostgresEventStore]:
    store = PostgresEventStore(pool, "reviews", clock)
    await store.create_schema()
    handlers = ReviewsHandlers(store, Partnerships({"north-lincolnshire": load_builtin("north-lincolnshire")}), clock)
    watcher = DeadlineWatcher(pool, store, clock, deadlines_for, handlers.on_deadline)
    await watcher.setup()
    return handlers, watcher, store


def _raise(due: date) -> RaiseAction:
    return RaiseAction(
        request_id=uuid4(), action_id="act-1", title="Refresh escalation guidance", owner_agency_id="humberside-police",
        due_on=due, source_type="review", source_id="rr-1", raised_by="business unit",
    )


async def test_an_action_becomes_overdue_at_its_deadline_and_only_once(pool: asyncpg.Pool) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    handlers, watcher, store = await _watcher(pool, clock)
    await handlers.raise_action(_raise(date(2026, 11, 10)), metadata())
    deadline = overdue_from(date(2026, 11, 10))

    clock.set(deadline - timedelta(seconds=1))
    assert await watcher.tick() == []

    clock.set(deadline + timedelta(days=2))  # the watcher was down for two days
    [overdue] = await watcher.tick()
    assert overdue.event_type == "ActionOverdue"
    assert overdue.occurred_at == deadline  # when it happened, not when it was noticed
    assert await watcher.tick() == []
    await store.close()


async def test_forgetting_and_relearning_the_deadlines_raises_nothing_twice(pool: asyncpg.Pool) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    handlers, watcher, store = await _watcher(pool, clock)
    await handlers.raise_action(_raise(date(2026, 11, 10)), metadata())
    clock.advance(timedelta(days=30))
    [first] = await watcher.tick()

    await pool.execute("TRUNCATE reviews.deadlines; UPDATE reviews.deadline_checkpoint SET position = 0")
    again = await watcher.tick()  # the same deadline again gets the same answer, appends nothing
    assert [e.event_id for e in again] == [first.event_id]
    assert [e.event_type for e in await store.read_stream(first.stream_id)] == ["ActionRaised", "ActionOverdue"]
    await store.close()


async def test_replaying_history_raises_the_same_deadline_events(pool: asyncpg.Pool) -> None:
    """Two independent runs of the same history, ticking at different moments, raise identical events."""
    raised = []
    for schema, ticks in (("reviews", [10, 30]), ("reviews_replay", [45])):
        clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
        store = PostgresEventStore(pool, schema, clock)
        await store.create_schema()
        handlers = ReviewsHandlers(store, Partnerships({"north-lincolnshire": load_builtin("north-lincolnshire")}), clock)
        watcher = DeadlineWatcher(pool, store, clock, deadlines_for, handlers.on_deadline)
        await watcher.setup()
        command = _raise(date(2026, 11, 10)).model_copy(update={"request_id": uuid5(NAMESPACE_URL, "replay")})
        await handlers.raise_action(command, metadata())
        events = []
        for days in ticks:
            clock.set(datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(days=days))
            events += await watcher.tick()
        raised.append([(e.event_id, e.event_type, e.occurred_at) for e in events])
        await store.close()
    assert raised[0] == raised[1]
    assert raised[0][0][2] == overdue_from(date(2026, 11, 10))


async def test_a_watcher_learns_its_own_commits_in_memory_and_reads_another_processs_from_the_store(pool: asyncpg.Pool) -> None:
    """The store hands the watcher what this process committed; an action raised by a second
    process on the same store leaves a gap in that, which the watcher reads from the store."""
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    handlers, watcher, store = await _watcher(pool, clock)
    store.on_appended(watcher.learn)
    other = PostgresEventStore(pool, "reviews", clock)
    elsewhere = ReviewsHandlers(other, Partnerships({"north-lincolnshire": load_builtin("north-lincolnshire")}), clock)
    await handlers.raise_action(_raise(date(2026, 11, 10)), metadata())
    await elsewhere.raise_action(_raise(date(2026, 11, 12)).model_copy(update={"action_id": "act-2"}), metadata())
    await handlers.raise_action(_raise(date(2026, 11, 14)).model_copy(update={"action_id": "act-3"}), metadata())

    clock.advance(timedelta(days=30))
    raised = await watcher.tick()
    overdue = sorted(e.stream_id for e in raised if e.event_type == "ActionOverdue")
    assert len(overdue) == 3 and len(set(overdue)) == 3
    assert await watcher.tick() == []  # its own overdue events, learnt in memory, settle nothing twice
    await other.close()
    await store.close()
