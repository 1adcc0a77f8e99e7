"""Each service wired by its own `bootstrap`, on stand-ins that never touch a server.

`bootstrap(host)` is the code a running service executes; here the host's pool
is a null database (DDL and reads answer nothing), its JetStream context drops
what it is given, and its broker never connects. So the routers are exactly the
ones a service serves, and the command tables the host was handed say which
command each request subject carries.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faststream.nats import NatsBroker

from services.runner import BOOTSTRAPS, bootstrap_of
from shared.clock import ManualClock
from shared.config import Settings
from shared.messaging.commands import CommandRow, CommandTable, Sender
from shared.messaging.gateway import RequestGateway
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


@dataclass
class StandInHost(ServiceHost):
    """Remembers the command table each service's gateway is built from."""

    tables: list[CommandTable] = field(default_factory=list)

    def gateway(self, table: CommandTable) -> RequestGateway:
        self.tables.append(table)
        return super().gateway(table)


@dataclass
class Wired:
    broker: NatsBroker
    tables: list[CommandTable]


def _settings() -> Settings:
    # Explicit, so that no SCRUTINY_* variable of the caller's shell changes the document.
    return Settings(
        nats_url="nats://127.0.0.1:1", database_url="postgresql://127.0.0.1:1/none", namespace=NAMESPACE,
        profiles=["north-lincolnshire"], dashboard_port=0,
    )


async def wire_services() -> Wired:
    """One broker holding every service's routers, as their bootstraps build them."""
    settings = _settings()
    broker = UnconnectedBroker(settings.nats_url)
    tables: list[CommandTable] = []
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    partnerships = load_partnerships(settings.profiles)
    for name in BOOTSTRAPS:
        host = StandInHost(name, settings, clock, tables=tables)
        host.pool = NullPool()  # type: ignore[assignment]
        host.js = NullJetStream()  # type: ignore[assignment]
        host.broker = broker
        host.subjects = Subjects(NAMESPACE)
        host.partnerships = partnerships
        await bootstrap_of(name)(host)
    return Wired(broker, tables)


def rows_by_subject(tables: list[CommandTable]) -> dict[str, CommandRow[Any]]:
    """Each command row under the subject pattern its subscriber listens on."""
    subjects = Subjects(NAMESPACE)
    return {
        (
            subjects.agency_command(t.service, row.token)
            if row.sender is Sender.AGENCY
            else subjects.operator_command(t.service, row.token)
        ): row
        for t in tables
        for row in t
    }
