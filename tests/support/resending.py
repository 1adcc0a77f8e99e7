"""A client that sends commands as an agency's or the business unit's system would:
it resends the *same* request (same request id) until it is answered, whatever goes
wrong meanwhile - a timeout, no responder (a service restarting), NATS reconnecting, or
a refusal that says to send again (`unavailable`: the database is away; `conflict`).

So a command accepted before a fault is never stored twice: the resend is answered
with the events the first one appended.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.errors import Error as NatsError

from shared.waiting import eventually

RETRYABLE = frozenset({"unavailable", "conflict"})


@dataclass
class Resender:
    nats_url: str
    in_flight: int = 50
    timeout: float = 5.0  # noqa: ASYNC109 - per request, as an agency's client would set it
    give_up_after: float = 180.0
    accepted: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)  # why a request was sent again

    async def _once(self, nc: nats.NATS, subject: str, body: bytes) -> dict[str, Any] | None:
        try:
            reply = json.loads((await nc.request(subject, body, timeout=self.timeout)).data)
        except (TimeoutError, NatsError) as error:
            self.retried[type(error).__name__] += 1
            return None
        if reply.get("status") == "refused" and reply["error"]["code"] in RETRYABLE:
            self.retried[reply["error"]["code"]] += 1
            return None
        return reply

    async def send(self, nc: nats.NATS, subject: str, body: bytes) -> dict[str, Any]:
        reply = await eventually(
            lambda: self._once(nc, subject, body), timeout=self.give_up_after, interval=0.05,
            what=f"an answer on {subject}",
        )
        assert reply["status"] == "accepted", reply
        self.accepted += 1
        return reply

    async def connect(self) -> nats.NATS:
        """A connection that reconnects for ever (for `run_on`: one made before a server goes away)."""
        return await nats.connect(self.nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)

    async def run(self, messages: Sequence[tuple[str, bytes]]) -> list[dict[str, Any]]:
        """Send every (subject, body), `in_flight` at a time; the accepted replies in order."""
        nc = await self.connect()
        try:
            return await self.run_on(nc, messages)
        finally:
            await nc.close()

    async def run_on(self, nc: nats.NATS, messages: Sequence[tuple[str, bytes]]) -> list[dict[str, Any]]:
        """`run` on a connection of the caller's, which may be reconnecting as it starts."""
        gate = asyncio.Semaphore(self.in_flight)

        async def one(subject: str, body: bytes) -> dict[str, Any]:
            async with gate:
                return await self.send(nc, subject, body)

        replies = list(await asyncio.gather(*(one(s, b) for s, b in messages)))
        self.replies += replies
        return replies
