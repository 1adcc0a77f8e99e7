"""How the demo talks to the platform: NATS requests as the business unit or as an agency,
on the same subjects every partnership's agencies use, with request ids derived from the
seed, the profile and the step, each on its day of the year (`services.platform.demo.clock`);
and waits on the platform's own progress (its deadline watchers, its reactions and its
projections), read from PostgreSQL, so that what the services decide by the clock comes
out the same on every run."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import asyncpg
import nats

from services.platform.demo.clock import STORES, DemoClock, Quiet, Timeline
from shared.messaging.subjects import Subjects
from shared.profiles.schema import FrameworkProfile
from shared.waiting import eventually


class DemoRefused(RuntimeError):
    """The platform refused one of the demo's messages: the story and the services disagree."""


@dataclass
class Platform:
    """One partnership's side of the conversation with a running platform."""

    nc: nats.NATS
    pool: asyncpg.Pool
    subjects: Subjects
    profile: FrameworkProfile
    clock: DemoClock
    seed: int
    timeline: Timeline
    quiet: Quiet
    sent: int = 0

    def request_id(self, key: str) -> str:
        """The same step of the same seed and profile always sends the same request id,
        so a second run is answered from the first one's events and stores nothing."""
        return str(uuid5(NAMESPACE_URL, f"scrutiny-demo/{self.seed}/{self.profile.id}/{key}"))

    async def ask(
        self, service: str, command: str, key: str, body: dict[str, Any], *, on: date, agency: str | None = None,
    ) -> dict:
        """Send a command on day `on` of the year (once the platform's clock is on it), as
        the business unit, or as `agency` on its own subject."""
        await self.timeline.on(on)
        subject = (
            self.subjects.agency_command(service, command, self.profile.id, agency)
            if agency
            else self.subjects.operator_command(service, command, self.profile.id)
        )
        payload = {"request_id": self.request_id(key)} | body
        reply = await self.nc.request(subject, json.dumps(payload, default=str).encode(), timeout=30)
        answer = json.loads(reply.data)
        self.sent += 1
        if answer.get("status") != "accepted":
            raise DemoRefused(f"{self.profile.id}: the platform refused {command} ({key}): {answer.get('error')}")
        return answer

    async def planner(self, start: str, months: int, as_of: object) -> dict:
        subject = self.subjects.operator_command("events", "planner", self.profile.id)
        body = {"start": start, "months": months, "as_of": str(as_of)}
        reply = json.loads((await self.nc.request(subject, json.dumps(body).encode(), timeout=30)).data)
        if reply.get("status") != "ok":
            raise DemoRefused(f"{self.profile.id}: the planner query was refused: {reply.get('error')}")
        return reply["planner"]

    # -- waiting on the platform -------------------------------------------------------

    async def recorded(self, store: str, stream_id: str, event_type: str, *, what: str) -> None:
        """Wait until the store holds an event of this type on the stream (e.g. what a
        service's reaction to another's event appended)."""

        async def found() -> bool:
            return bool(
                await self.pool.fetchval(
                    f"SELECT 1 FROM {store}.events WHERE stream_id = $1 AND event_type = $2 LIMIT 1", stream_id, event_type
                )
            )

        await eventually(found, timeout=60, interval=0.02, what=what)

    async def _projected(self) -> bool:
        for store in STORES:
            row = await self.pool.fetchrow(
                "SELECT (SELECT position FROM reporting.checkpoints WHERE source = $1) AS projected,"
                f" (SELECT coalesce(max(position), 0) FROM {store}.events) AS head",
                store,
            )
            if (row["projected"] or 0) < row["head"]:
                return False
        return await self.quiet.watchers_idle(self.clock.now())

    async def projected(self) -> None:
        """Wait until reporting has projected every event of every store, the watchers' too."""
        await eventually(self._projected, timeout=120, interval=0.05, what="the reporting projections to catch up")
