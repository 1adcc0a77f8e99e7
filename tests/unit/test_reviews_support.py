"""A harness for the reviews service's unit tests: its handlers over the in-memory store,
a manual clock, and an in-memory stand-in for the deadline watcher's table (the real
watcher runs in the integration tests). Commands go in as the JSON a sender would
send, so malformed input is refused exactly as the gateway refuses it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from services.reviews.handlers import ReviewsHandlers, deadlines_for
from shared.clock import ManualClock
from shared.deadlines import Deadline
from shared.envelope import Envelope, Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.refusals import parse_message

NL = "north-lincolnshire"
PROFILE = load_builtin(NL)


def variant(
    profile: FrameworkProfile = PROFILE, *, reviews: dict[str, Any] | None = None, actions: dict[str, Any] | None = None
) -> FrameworkProfile:
    """The profile with some review or action rules changed (e.g. Somerset's scrutineer sign-off)."""
    return profile.model_copy(
        update={
            "reviews": profile.reviews.model_copy(update=reviews or {}),
            "actions": profile.actions.model_copy(update=actions or {}),
        }
    )


class Harness:
    def __init__(self, start: datetime, profile: FrameworkProfile = PROFILE) -> None:
        self.clock = ManualClock(start)
        self.store = InMemoryEventStore("reviews", clock=self.clock)
        self.handlers = ReviewsHandlers(self.store, Partnerships({NL: profile}), self.clock)
        self._deadlines: dict[tuple[str, str], tuple[Deadline, bool]] = {}
        self._seen = 0

    async def send(self, command: type, actor: str = "business-unit", **body: Any) -> list[Envelope]:
        """Parse `body` as the gateway would (naming the bad field) and run the handler."""
        body.setdefault("request_id", str(uuid4()))
        parsed = parse_message(command, json.dumps(body, default=str).encode())
        handler = self.handlers.commands().handlers()[command]
        metadata = Metadata(partnership_id=NL, actor=actor, correlation_id=uuid4())
        return await handler(parsed, metadata)  # type: ignore[operator]

    async def _track(self) -> None:
        for envelope in await self.store.read_all(after=self._seen):
            for item in deadlines_for(envelope):
                if isinstance(item, Deadline):
                    self._deadlines[(item.stream_id, item.kind)] = (item, False)
                else:
                    self._deadlines.pop((item.stream_id, item.kind), None)
            self._seen = envelope.position or self._seen

    async def tick(self) -> list[Envelope]:
        """What the deadline watcher does on a tick: raise every deadline due by now, in order."""
        await self._track()
        now = self.clock.now()
        due = sorted(
            (d for d, raised in self._deadlines.values() if not raised and d.due_at <= now),
            key=lambda d: (d.due_at, d.stream_id),
        )
        raised: list[Envelope] = []
        for deadline in due:
            raised += await self.handlers.on_deadline(deadline)
            self._deadlines[(deadline.stream_id, deadline.kind)] = (deadline, True)
        return raised

    async def at(self, moment: datetime) -> list[Envelope]:
        """Move the clock to `moment` and tick."""
        self.clock.set(moment)
        return await self.tick()

    async def pending(self) -> dict[str, datetime]:
        """Deadlines set and not yet raised, by kind."""
        await self._track()
        return {kind: d.due_at for (_, kind), (d, raised) in self._deadlines.items() if not raised}


def types(envelopes: list[Envelope]) -> list[str]:
    return [e.event_type for e in envelopes]


def london(year: int, month: int, day: int, hour: int = 0) -> datetime:
    from shared.london import LONDON

    return datetime(year, month, day, hour, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def test_the_harness_ticks_like_the_watcher() -> None:
    """Deadlines come from the events, are raised once, in due order, at their own moment."""
    from services.reviews.domain.commands import RaiseAction

    h = Harness(utc(2026, 6, 1))
    await h.send(
        RaiseAction, action_id="act-1", title="Refresh escalation guidance", owner_agency_id="nlc-housing",
        due_on="2026-06-30", source_type="other", source_id="x", raised_by="business unit",
    )
    assert set(await h.pending()) == {"action-overdue", "action-reminder"}
    raised = await h.at(utc(2026, 8, 1))
    assert types(raised) == ["ActionReminderSent", "ActionOverdue"]
    assert [e.occurred_at for e in raised] == [london(2026, 6, 16), london(2026, 7, 1)]
    assert await h.tick() == []
