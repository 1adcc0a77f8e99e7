"""The four services started in the test's own process, on real NATS and PostgreSQL."""

import asyncio
import io
import json
import tempfile
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import nats

from services.runner import BOOTSTRAPS, start_service
from shared.clock import Clock
from shared.config import Settings
from shared.messaging.subjects import Subjects
from shared.runtime.host import ServiceHost
from tests.support.returns import answers

PARTNERSHIP = "north-lincolnshire"
CYCLE = "2026-27"


@dataclass
class RunningPlatform:
    settings: Settings
    hosts: dict[str, ServiceHost]
    wired: dict[str, Any]
    nc: nats.NATS
    pool: asyncpg.Pool
    clock: Clock

    @property
    def subjects(self) -> Subjects:
        return Subjects(self.settings.namespace)

    async def request(self, subject: str, body: dict[str, Any] | bytes) -> dict[str, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
        reply = await self.nc.request(subject, data, timeout=10)
        return json.loads(reply.data)

    async def command(
        self, service: str, name: str, body: dict[str, Any], *, agency: str | None = None, partnership: str = PARTNERSHIP
    ) -> dict[str, Any]:
        """Send a command as an agency (on its own subject) or as the business unit."""
        subject = (
            self.subjects.agency_command(service, name, partnership, agency)
            if agency
            else self.subjects.operator_command(service, name, partnership)
        )
        return await self.request(subject, {"request_id": str(uuid4())} | body)

    async def open_cycle(self, cycle_id: str = CYCLE, partnership: str = PARTNERSHIP, **extra: Any) -> dict[str, Any]:
        body = {"cycle_id": cycle_id, "opened_on": self.clock.now().date().isoformat()} | extra
        return await self.command("section11", "open-cycle", body, partnership=partnership)

    async def submit(
        self, agency: str, by_domain: dict[str, int] | None = None, *, default: int = 3, **extra: Any
    ) -> dict[str, Any]:
        """Submit a complete return: every standard rated `default`, or its domain's rating in `by_domain`."""
        partnership = extra.pop("partnership", PARTNERSHIP)
        profile = self.hosts["section11"].partnerships.profile(partnership)
        body = {
            "agency_id": agency,
            "cycle_id": CYCLE,
            "answers": answers(profile, by_domain, default),
            "submitted_by": "Safeguarding lead (invented)",
        } | extra
        return await self.command("section11", "submit", body, agency=agency, partnership=partnership)

    async def count(self, sql: str, *args: Any) -> int:
        return await self.pool.fetchval(sql, *args)


def test_settings(nats_url: str, database_url: str, namespace: str) -> Settings:
    return Settings(
        nats_url=nats_url,
        database_url=database_url,
        namespace=namespace,
        profiles=[PARTNERSHIP],
        dashboard_port=0,
        deadline_interval_seconds=3600,  # tests drive the watcher's ticks themselves
        # Never the checkout's own `.scrutiny` (a demo's agency credentials would judge the
        # tests' senders): a directory of the test's own, never created unless a test does.
        data_dir=Path(tempfile.gettempdir()) / f"scrutiny-{namespace}",
    )


@asynccontextmanager
async def running_platform(settings: Settings, clock: Clock) -> AsyncIterator[RunningPlatform]:
    hosts: dict[str, ServiceHost] = {}
    wired: dict[str, Any] = {}
    nc = await nats.connect(settings.nats_url)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=5)
    try:
        for name in BOOTSTRAPS:
            hosts[name], wired[name] = await start_service(name, settings, clock)
        yield RunningPlatform(settings, hosts, wired, nc, pool, clock)
    finally:
        for host in reversed(hosts.values()):
            await _stopped(host)
        try:
            await asyncio.wait_for(pool.close(), STOP_WITHIN)
        except TimeoutError:  # a connection never given back: say so, and close it anyway
            warnings.warn(f"the test pool did not close within {STOP_WITHIN:.0f} s", stacklevel=1)
            pool.terminate()
        await nc.close()


STOP_WITHIN = 60.0  # seconds: a service stops in well under one


async def _stopped(host: ServiceHost) -> None:
    """Stop a service, or say what held it: a stop that hung once sat 15 minutes in a
    fixture's teardown (test_erasure, a fresh clone of 75c70e5) with no word of why. The
    stacks of every task then left name the one that would not end."""
    try:
        await asyncio.wait_for(host.stop(), STOP_WITHIN)
    except TimeoutError:
        stacks = io.StringIO()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.print_stack(file=stacks)
        warnings.warn(f"{host.service} did not stop within {STOP_WITHIN:.0f} s; the tasks left:\n{stacks.getvalue()}", stacklevel=1)
