"""Agencies' commands served straight off the NATS client: the lean path of a request.

Agencies send most of the platform's requests (a Section 11 season, actions' progress),
and under load a service process spent about a fifth of its CPU in faststream's
per-message machinery around the gateway (its context scope, task, logging and the
tracing and Prometheus middlewares) and the rest of its Python time in the gateway, the
handler and the store (docs/performance.md, "Full pipeline ... and durable requests").
So a running service subscribes to each agency row of its command table with the NATS
client itself: the callback hands the message to a task, which runs the same
`RequestGateway.handle` as faststream's subscriber would (parse, pinned field,
partnerships, fair share, decide, dead letters) and publishes the answer. The store
still turns the tasks' concurrent reads into one query and their appends into one group
commit, and the client's flusher sends the replies of a burst in one write.

What the middlewares gave is kept, done once and directly: a span per request named as
faststream named it (`{subject} process`, a child of the caller's `traceparent`, so an
event stored by the handler carries the request's trace), and the request's count and
time (`scrutiny_requests_total`, `scrutiny_request_duration_seconds`); faststream's own
`faststream_*` series no longer count agencies' commands. Each subject is a row's own
(`Subjects.agency_command`, queue group the service): the command table stays the one
source of subscribers, contract and forms. The business unit's rows and every other
subscriber stay faststream's (`command_router` declares the agency rows there for the
contract only, and serves them itself where no lane does: tests on faststream's
in-memory broker).
"""

from __future__ import annotations

import asyncio
import json
import logging
from time import perf_counter
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from opentelemetry import propagate, trace
from opentelemetry.semconv.trace import SpanAttributes

from shared.messaging.commands import CommandRow, Sender
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import MAX_WORKERS
from shared.messaging.subjects import Subjects
from shared.telemetry.metrics import observe_request

log = logging.getLogger(__name__)

# Requests of one row being handled at once in this process: the workers faststream's
# subscriber had (shared/messaging/limits.py bounds one agency's share of them).
MAX_IN_FLIGHT = MAX_WORKERS[Sender.AGENCY]
STOP_SECONDS = 10.0


class Request:
    """A NATS message as the gateway reads it (faststream's `NatsMessage` has the same
    attributes): its bytes, headers, subject, reply subject and correlation id."""

    __slots__ = ("raw_message", "body", "headers", "reply_to", "correlation_id")

    def __init__(self, raw: Msg) -> None:
        self.raw_message = raw
        self.body: bytes = raw.data
        self.headers: dict[str, str] = raw.headers or {}
        self.reply_to: str = raw.reply
        self.correlation_id: str | None = self.headers.get("correlation_id")


class CommandLane:
    """Serves the agency rows of a gateway's table on a NATS connection."""

    def __init__(self, gateway: RequestGateway, subjects: Subjects) -> None:
        self.gateway = gateway
        self.subjects = subjects
        self.service = gateway.table.service
        self._subscriptions: list[Subscription] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._nc: Client | None = None
        self._tracer = trace.get_tracer("scrutiny.commands")

    def rows(self) -> list[tuple[str, CommandRow[Any]]]:
        """(subject, row) of each agency row: what the lane subscribes to."""
        return [
            (self.subjects.agency_command(self.service, row.token), row)
            for row in self.gateway.table.by_sender(Sender.AGENCY)
        ]

    async def start(self, nc: Client) -> None:
        self._nc = nc
        for subject, row in self.rows():
            slots = asyncio.Semaphore(MAX_IN_FLIGHT)

            async def take(msg: Msg, row: CommandRow[Any] = row, slots: asyncio.Semaphore = slots) -> None:
                await slots.acquire()  # at the bound, this subject's messages wait in the client
                task = asyncio.create_task(self._serve(msg, row))
                self._tasks.add(task)
                task.add_done_callback(lambda done: (self._tasks.discard(done), slots.release()))

            self._subscriptions.append(await nc.subscribe(subject, queue=self.service, cb=take))

    async def stop(self) -> None:
        """Take no more requests, and let those being handled answer (for a while)."""
        for subscription in self._subscriptions:
            try:
                await subscription.unsubscribe()
            except Exception:  # the connection is already closed: nothing more arrives anyway
                log.debug("unsubscribing %s failed", subscription.subject, exc_info=True)
        self._subscriptions = []
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_SECONDS)
            for task in late:
                task.cancel()

    async def _serve(self, raw: Msg, row: CommandRow[Any]) -> None:
        started, reply = perf_counter(), None
        request = Request(raw)
        try:
            with self._tracer.start_as_current_span(
                f"{raw.subject} process",
                context=propagate.extract(request.headers) if request.headers else None,
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    SpanAttributes.MESSAGING_SYSTEM: "nats",
                    SpanAttributes.MESSAGING_DESTINATION_NAME: raw.subject,
                    SpanAttributes.MESSAGING_MESSAGE_PAYLOAD_SIZE_BYTES: len(request.body),
                    SpanAttributes.MESSAGING_OPERATION: "process",
                },
            ):
                reply = await self.gateway.handle(request, row)  # type: ignore[arg-type]
        except Exception:
            # What the gateway does not answer (the dead letters unreachable): no reply, as
            # faststream's subscriber gave none; the sender times out and sends again.
            log.exception("%s failed to answer a request on %s", self.service, raw.subject)
        finally:  # by the row's token and the answer's outcome class, never by subject or agency
            observe_request(self.service, row.token, reply, perf_counter() - started)
        if reply is not None and request.reply_to and self._nc is not None:
            headers = {"content-type": "application/json"}
            if request.correlation_id:
                headers["correlation_id"] = request.correlation_id
            try:
                await self._nc.publish(request.reply_to, json.dumps(reply).encode(), headers=headers)
            except Exception:  # the connection closing: the sender times out and sends again
                log.warning("%s could not answer on %s", self.service, request.reply_to, exc_info=True)
