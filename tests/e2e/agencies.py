"""A crowd of invented agencies sending Section 11 returns, retrying until each is accepted.

Retries resend the same request id, as a real agency's client would after a
timeout, so a return accepted before a crash is never stored twice.
"""

import asyncio
import json
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, uuid5

import nats
from nats.errors import NoRespondersError, TimeoutError

from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.waiting import eventually
from tests.support.returns import answers
from tests.support.today import days_from_today

PARTNERSHIP = "north-lincolnshire"


@dataclass
class Crowd:
    nats_url: str
    subjects: Subjects
    total: int
    in_flight: int = 100
    accepted: int = 0
    retries: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def _answers(self, nc: nats.NATS) -> bool:
        try:
            await nc.request(f"{self.subjects.namespace}.health.section11", b"", timeout=1)
            return True
        except (TimeoutError, NoRespondersError):
            return False

    async def _ask(self, nc: nats.NATS, subject: str, body: bytes) -> None:
        while True:
            try:
                reply = json.loads((await nc.request(subject, body, timeout=5)).data)
            except (TimeoutError, NoRespondersError):
                await eventually(lambda: self._answers(nc), timeout=300, what="section11 to answer again")
                continue
            assert reply["status"] == "accepted", reply
            return

    async def prepare(self) -> None:
        """Open enough cycles for every return to be its own (each agency returns once per cycle)."""
        profile = load_builtin(PARTNERSHIP)
        nc = await nats.connect(self.nats_url)
        try:
            for c in range(-(-self.total // len(profile.agencies))):
                body = {
                    "request_id": str(uuid5(NAMESPACE_URL, f"crowd/{self.subjects.namespace}/cycle/{c}")),
                    "cycle_id": f"c{c}", "opened_on": days_from_today(-30), "due_on": days_from_today(120),
                }
                await self._ask(nc, self.subjects.operator_command("section11", "open-cycle", PARTNERSHIP), json.dumps(body).encode())
        finally:
            await nc.close()

    async def run(self) -> None:
        profile = load_builtin(PARTNERSHIP)
        agencies = [a.id for a in profile.agencies]
        every_standard = answers(profile)
        nc = await nats.connect(self.nats_url, max_reconnect_attempts=-1)
        gate = asyncio.Semaphore(self.in_flight)
        async def send(n: int) -> None:
            agency = agencies[n % len(agencies)]
            body = json.dumps({
                "request_id": str(uuid5(NAMESPACE_URL, f"crowd/{self.subjects.namespace}/{n}")),
                "agency_id": agency, "cycle_id": f"c{n // len(agencies)}", "answers": every_standard,
                "submitted_by": "crowd",
            }).encode()
            subject = self.subjects.agency_command("section11", "submit", PARTNERSHIP, agency)
            async with gate:
                while True:
                    try:
                        reply = json.loads((await nc.request(subject, body, timeout=5)).data)
                    except (TimeoutError, NoRespondersError):
                        self.retries += 1
                        await eventually(
                            lambda: self._answers(nc), timeout=300, what="section11 to answer again"
                        )
                        continue
                    assert reply["status"] == "accepted", reply
                    self.accepted += 1
                    return

        try:
            await asyncio.gather(*(send(n) for n in range(self.total)))
        finally:
            await nc.close()
            self.done.set()
