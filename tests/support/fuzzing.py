"""Every command every service accepts, sent through its real subscribers and gateway over
faststream's in-memory NATS broker, with the service's real handlers on an in-memory store.

Nothing here names a command: the targets come from each service's command table, so a
command added to a service is fuzzed without any change. Commands on no subject (raised
by a service's own deadline watcher) are sent to the same gateway through a subscriber
of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faststream.nats import NatsBroker, NatsMessage, TestNatsBroker
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.events import handlers as events_handlers
from services.events.domain.commands import MarkMilestoneMissed
from services.events.entrypoints import nats as events_nats
from services.reviews import handlers as reviews_handlers
from services.reviews.domain.commands import MarkActionOverdue
from services.reviews.entrypoints import nats as reviews_nats
from services.section11 import handlers as section11_handlers
from services.section11.entrypoints import nats as section11_nats
from shared.clock import ManualClock
from shared.eventstore.memory import InMemoryEventStore
from shared.messaging.commands import CommandTable
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import service_broker, service_router
from shared.messaging.subjects import Subjects
from shared.partnerships import Partnerships
from shared.profiles import load_builtin

PARTNERSHIP = "north-lincolnshire"
PROFILE = load_builtin(PARTNERSHIP)
SUBJECTS = Subjects("fuzz")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


class FakeJetStream(JetStreamContext):
    """Keeps what the dead letters would have published to JetStream."""

    def __init__(self) -> None:  # no connection: nothing is sent anywhere
        self.published: list[dict[str, Any]] = []

    async def publish(self, subject: str, payload: bytes = b"", **kwargs: Any) -> Any:  # type: ignore[override]
        for key, value in (kwargs.get("headers") or {}).items():
            # What nats-py does with each header: one line `key: value`, encoded as UTF-8.
            assert "\r" not in value and "\n" not in value, (key, value)
            f"{key}: {value}".encode()
        self.published.append({"subject": subject, "payload": payload, **kwargs})


@dataclass(frozen=True)
class Target:
    """Where a command is sent: its subject, and for an agency's own subject the payload
    field that must name the agency (the gateway's identity check)."""

    service: str
    command: type[BaseModel]
    name: str
    identity: str | None = None  # agency subjects: the field pinned to the subject's last token
    on_subject: bool = True

    def subject(self, document: object) -> str:
        if not self.on_subject:
            return f"{SUBJECTS.namespace}.{PARTNERSHIP}.cmd.{self.service}.direct.{self.command.__name__}"
        if self.identity is None:
            return SUBJECTS.operator_command(self.service, self.name, PARTNERSHIP)
        agency = document.get(self.identity) if isinstance(document, dict) else None
        agency = agency if isinstance(agency, str) and TOKEN.match(agency) else PROFILE.agencies[0].id
        return SUBJECTS.agency_command(self.service, self.name, PARTNERSHIP, agency)


@dataclass(frozen=True)
class Service:
    name: str
    handlers: Callable[[InMemoryEventStore, Partnerships, ManualClock], Any]
    router: Callable[[Subjects, RequestGateway, DeadLetters, Any], Any]
    # The commands its deadline watcher raises (on no subject), and their handler.
    internal: dict[type[BaseModel], Callable[[Any], Any]] = field(default_factory=dict)


SERVICES = {
    "section11": Service(
        "section11", section11_handlers.Section11Handlers,
        lambda subjects, gateway, dead, h: section11_nats.build_router(subjects, gateway),
    ),
    "events": Service(
        "events", events_handlers.EventsHandlers,
        lambda subjects, gateway, dead, h: events_nats.build_router(
            subjects, gateway, dead, h.planner, h.on_call_in_proposed
        ),
        {MarkMilestoneMissed: lambda h: h.mark_milestone_missed},
    ),
    "reviews": Service(
        "reviews", reviews_handlers.ReviewsHandlers,
        lambda subjects, gateway, dead, h: reviews_nats.build_router(subjects, gateway),
        {MarkActionOverdue: lambda h: h.mark_overdue},
    ),
}


def targets(service: Service, handlers: Any) -> list[Target]:
    """Each row of the command table on its subject, and each command of the service's own
    watcher (`internal`) on a subject of its own."""
    table: CommandTable = handlers.commands()
    on_subjects = [Target(service.name, row.command, row.token, row.pinned) for row in table]
    direct = [Target(service.name, command, command.__name__, on_subject=False) for command in service.internal]
    return on_subjects + direct


class Rig:
    """One service started on the in-memory broker (a plain class: hypothesis prints its repr)."""

    def __init__(
        self, service: Service, broker: NatsBroker, js: FakeJetStream, store: InMemoryEventStore,
        handlers: Any, targets: list[Target],
    ) -> None:
        self.service, self.broker, self.js, self.store = service, broker, js, store
        self.handlers, self.targets = handlers, targets

    def __repr__(self) -> str:  # hypothesis prints the fixtures of a failing example
        return f"Rig({self.service.name})"

    def fresh(self) -> None:
        """Start again from an empty store, keeping the started broker (cheap per example)."""
        self.store = InMemoryEventStore(self.service.name, clock=ManualClock(T0))
        self.handlers.store = self.store
        self.js.published.clear()

    async def send(self, target: Target, data: bytes) -> dict[str, Any]:
        reply = await self.broker.request(data, target.subject(_document(data)), timeout=10)
        return json.loads(reply.body)


def _document(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def build(service: Service) -> tuple[NatsBroker, FakeJetStream, InMemoryEventStore, Any, list[Target]]:
    clock = ManualClock(T0)
    store = InMemoryEventStore(service.name, clock=clock)
    handlers = service.handlers(store, Partnerships({PARTNERSHIP: PROFILE}), clock)
    js = FakeJetStream()
    dead = DeadLetters(js, SUBJECTS, service.name)
    gateway = RequestGateway(service.name, dead, handlers.commands())
    broker = service_broker(service.name)
    broker.include_router(service.router(SUBJECTS, gateway, dead, handlers))
    found = targets(service, handlers)
    direct = service_router()
    for target in (t for t in found if not t.on_subject):
        _direct(direct, gateway, target, service.internal[target.command](handlers))
    broker.include_router(direct)
    return broker, js, store, handlers, found


def _direct(router: Any, gateway: RequestGateway, target: Target, handler: Any) -> None:
    async def handle(msg: NatsMessage) -> dict[str, Any]:
        return await gateway.run(msg, target.command, handler, partnership_id=PARTNERSHIP, actor="fuzz")

    handle.__name__ = handle.__qualname__ = f"direct_{target.command.__name__}"
    router.subscriber(target.subject(None))(handle)


class RigContext:
    """`async with RigContext(service) as rig`: the broker started in memory."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def __aenter__(self) -> Rig:
        broker, js, store, handlers, found = build(self.service)
        self._test = TestNatsBroker(broker)
        started = await self._test.__aenter__()
        return Rig(self.service, started, js, store, handlers, found)

    async def __aexit__(self, *exc: object) -> None:
        await self._test.__aexit__(*exc)
