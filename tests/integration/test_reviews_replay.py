"""Replaying the reviews store reproduces the same deadline events: the facts people recorded
are appended again, in order, to a fresh store with its own watcher ticking at other
moments, and the watcher raises exactly the events the live one did, on the same dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from services.reviews.domain.commands import (
    CommissionReview,
    CompleteAction,
    DecideRapidReview,
    OpenAuditRound,
    RaiseAction,
    RecordSeriousIncident,
    RejectActionEvidence,
    RequestAgencyInformation,
)
from services.reviews.handlers import ReviewsHandlers, deadlines_for
from shared.clock import ManualClock
from shared.deadlines import WATCHER, DeadlineWatcher
from shared.envelope import Envelope, Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.london import LONDON
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from shared.refusals import parse_message

pytestmark = pytest.mark.integration

NL = "north-lincolnshire"
PARTNERSHIPS = Partnerships({NL: load_builtin(NL)})


class Service:
    """The reviews service's handlers and deadline watcher on one schema, with its own clock."""

    def __init__(self, pool: asyncpg.Pool, schema: str, start: datetime) -> None:
        self.clock = ManualClock(start)
        self.store = PostgresEventStore(pool, schema, self.clock)
        self.handlers = ReviewsHandlers(self.store, PARTNERSHIPS, self.clock)
        self.watcher = DeadlineWatcher(pool, self.store, self.clock, deadlines_for, self.handlers.on_deadline)

    async def setup(self) -> Service:
        await self.store.create_schema()
        await self.watcher.setup()
        return self

    async def send(self, command: type, **body: Any) -> None:
        parsed = parse_message(command, json.dumps({"request_id": str(uuid4())} | body).encode())
        await self.handlers.commands().handlers()[command](
            parsed, Metadata(partnership_id=NL, actor="business-unit", correlation_id=uuid4())
        )  # type: ignore[operator]

    async def at(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.watcher.tick()


def at9(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)


async def live_history(pool: asyncpg.Pool) -> Service:
    """A season of reviews and actions, the clock moved and the watcher ticked whenever time passes."""
    s = await Service(pool, "reviews", at9(2026, 11, 2)).setup()
    await s.send(
        RaiseAction,
        action_id="act-1",
        title="Refresh the escalation policy",
        owner_agency_id="humberside-police",
        due_on="2026-11-30",
        source_type="review",
        source_id="cspr-0",
        raised_by="bu",
    )
    await s.send(
        OpenAuditRound,
        audit_id="maag-11",
        theme="Neglect",
        period_start="2026-11-01",
        cases=[{"case_ref": "case-7f3a", "open_on": "2026-06-01"}],
        agencies=["humberside-police"],
    )
    await s.at(at9(2026, 11, 20))
    await s.at(at9(2026, 12, 2))
    await s.send(
        CompleteAction,
        action_id="act-1",
        owner_agency_id="humberside-police",
        completed_on="2026-12-02",
        evidence=[{"description": "Policy v2"}],
        completed_by="lead",
    )
    await s.at(at9(2026, 12, 10))
    await s.send(RejectActionEvidence, action_id="act-1", meeting_on="2026-12-10", reason="Show it in use", due_on="2027-02-26")
    await s.at(at9(2026, 12, 18))
    await s.send(
        RecordSeriousIncident,
        incident_id="si-1",
        case_ref="case-91bc",
        aware_on="2026-12-17",
        child_looked_after=True,
        panel_notified_on="2026-12-18",
        recorded_by="bu",
    )
    await s.send(
        RequestAgencyInformation, incident_id="si-1", information_request_id="ir-1", agency_id="humberside-police", requested="Chronology"
    )
    await s.at(at9(2027, 1, 20))
    await s.send(
        DecideRapidReview,
        incident_id="si-1",
        outcome="local-cspr",
        rationale="Learning about escalation",
        decided_on="2027-01-20",
        decided_by="partners",
    )
    await s.send(
        CommissionReview,
        review_id="cspr-1",
        review_type="cspr",
        incident_id="si-1",
        author="Independent reviewer (invented)",
        terms_of_reference="Escalation",
        commissioned_on="2027-01-20",
    )
    await s.at(at9(2027, 8, 1))
    return s


def deadline_events(events: list[Envelope]) -> list[tuple[Any, ...]]:
    return sorted(
        (e.event_id, e.event_type, e.stream_id, e.occurred_at, json.dumps(e.payload(), sort_keys=True))
        for e in events if e.actor == WATCHER
    )


async def test_replaying_the_store_raises_the_same_deadline_events_on_the_same_dates(pool: asyncpg.Pool) -> None:
    live = await live_history(pool)
    history = await live.store.read_all(after=0, limit=10_000)
    raised = deadline_events(history)
    assert sorted((t, o) for _, t, _, o, _ in raised) == sorted([
        ("ActionReminderSent", datetime(2026, 11, 16, tzinfo=LONDON)),
        ("ActionOverdue", datetime(2026, 12, 1, tzinfo=LONDON)),
        ("AuditRoundOverdue", datetime(2026, 12, 1, tzinfo=LONDON)),
        ("SeriousIncidentNotificationOverdue", datetime(2026, 12, 25, tzinfo=LONDON)),  # Ofsted and the Secretary of State not told
        ("AgencyInformationOverdue", datetime(2026, 12, 30, tzinfo=LONDON)),
        ("RapidReviewOverdue", datetime(2027, 1, 14, tzinfo=LONDON)),
        ("ActionReminderSent", datetime(2027, 2, 12, tzinfo=LONDON)),
        ("ActionOverdue", datetime(2027, 2, 27, tzinfo=LONDON)),
        ("ReviewSlippageWarned", datetime(2027, 6, 22, tzinfo=LONDON)),
        ("ReviewSlipped", datetime(2027, 7, 21, tzinfo=LONDON)),
    ])

    # Replay: only what people recorded, in order, each at the moment it was recorded; the
    # fresh watcher ticks just before each, and once at the end, never at the live moments.
    replay = await Service(pool, "reviews_replay", history[0].recorded_at).setup()  # type: ignore[arg-type]
    for envelope in history:
        if envelope.actor == WATCHER:
            continue
        await replay.at(max(envelope.recorded_at, replay.clock.now()))  # type: ignore[type-var]
        version = len(await replay.store.read_stream(envelope.stream_id))
        fresh = envelope.model_copy(
            update={"stream_version": version + 1, "store": None, "recorded_at": None, "position": None, "prev_hash": None, "hash": None}
        )
        await replay.store.append(envelope.stream_id, version, [fresh])
    await replay.at(live.clock.now())

    assert deadline_events(await replay.store.read_all(after=0, limit=10_000)) == raised
    await live.store.close()
    await replay.store.close()
