"""Each service wired by its own `bootstrap`, on stand-ins that never touch a server.

`bootstrap(host)` is the code a running service executes; here the host's pool
is a null database (DDL and reads answer nothing), its JetStream context drops
what it is given, its broker never connects, and its request gateway only
records which command type each subscriber hands it. So the routers are exactly
the ones a service serves, and probing each request subscriber once tells
which command its subject carries.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from faststream.nats import NatsBroker
from pydantic import BaseModel

from services.runner import BOOTSTRAPS, bootstrap_of
from shared.clock import ManualClock
from shared.config import Settings
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import Handler, RequestGateway
from shared.messaging.subjects import Subjects
from shared.runtime.host import ServiceHost, load_partnerships

NAMESPACE = "scrutiny"


class _NullConnection:
    """A database that accepts every statement and holds nothing."""

    async def execute(self, *args: Any, **kwargs: Any) -> str:
        return "OK"

    async def executemany(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def fetch(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    async def fetchval(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def fetchrow(self, *args: Any, **kwargs: Any) -> None:
        return None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield


class NullPool(_NullConnection):
    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[_NullConnection]:
        yield _NullConnection()

    async def close(self) -> None:
        return None


class NullJetStream:
    async def publish(self, *args: Any, **kwargs: Any) -> None:
        return None


class UnconnectedBroker(NatsBroker):
    """Holds the routers; never connects, so whatever asks for its connection gets none."""

    @property
    def connection(self) -> None:  # type: ignore[override]
        return None


@dataclass(frozen=True)
class CommandCall:
    command: type[BaseModel]
    actor: str
    fields: dict[str, object]


class RecordingGateway(RequestGateway):
    """Remembers the command type a subscriber asked for, and handles nothing."""

    def __init__(self, service: str, dead_letters: DeadLetters, handlers: dict[type, Handler[Any]], calls: list[CommandCall]) -> None:
        super().__init__(service, dead_letters, handlers)
        self._calls = calls

    async def handle(self, msg: Any, command_type: type, *, partnership_id: str, actor: str, fields: dict[str, object] | None = None) -> dict[str, Any]:
        self._calls.append(CommandCall(command_type, actor, dict(fields or {})))
        return {}


@dataclass
class StandInHost(ServiceHost):
    calls: list[CommandCall] = field(default_factory=list)

    def gateway(self, handlers: dict[type, Handler[Any]]) -> RequestGateway:
        return RecordingGateway(self.service, DeadLetters(self.js, self.subjects, self.service), handlers, self.calls)


@dataclass
class Wired:
    broker: NatsBroker
    calls: list[CommandCall]


def _settings() -> Settings:
    # Explicit, so that no SCRUTINY_* variable of the caller's shell changes the document.
    return Settings(
        nats_url="nats://127.0.0.1:1", database_url="postgresql://127.0.0.1:1/none", namespace=NAMESPACE,
        profiles=["north-lincolnshire"], dashboard_token="contract", dashboard_port=0,
    )


async def wire_services() -> Wired:
    """One broker holding every service's routers, as their bootstraps build them."""
    settings = _settings()
    broker = UnconnectedBroker(settings.nats_url)
    calls: list[CommandCall] = []
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    partnerships = load_partnerships(settings.profiles)
    for name in BOOTSTRAPS:
        host = StandInHost(name, settings, clock, calls=calls)
        host.pool = NullPool()  # type: ignore[assignment]
        host.js = NullJetStream()  # type: ignore[assignment]
        host.broker = broker
        host.subjects = Subjects(NAMESPACE)
        host.partnerships = partnerships
        await bootstrap_of(name)(host)
    return Wired(broker, calls)


def _concrete(subject: str) -> str:
    tokens = subject.split(".")
    return ".".join("x" if t in ("*", ">") else t for t in tokens)


async def probe(subscriber: Any, calls: list[CommandCall]) -> CommandCall | None:
    """Run a request subscriber once on an empty message: the command it hands the gateway.

    The subscriber's own function is reached through faststream's handler wrapper
    (`_original_call`; faststream is pinned below 0.8)."""
    subject = _concrete(subscriber.specification.config.subject)
    message = SimpleNamespace(
        raw_message=SimpleNamespace(subject=subject, reply=""), body=b"{}", headers={}, correlation_id=None
    )
    calls.clear()
    for item in subscriber.calls:
        await item.handler._original_call(message)
    return calls[-1] if calls else None
