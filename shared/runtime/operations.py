"""What an operator sees of one service process: its sampled gauges, its metrics,
liveness and readiness endpoint (`shared.telemetry`), started and stopped with its host.

The sampler always runs (the reporting front door's `/metrics` shows the same registry);
the endpoint listens only when `metrics_port` is set (0: a free port): `scrutiny up`
gives each service its own port, and the host's health answer over NATS names it.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from shared.telemetry.deadletter_tally import DeadLetterTally
from shared.telemetry.endpoint import Endpoint
from shared.telemetry.sampling import Probe, Sampler

if TYPE_CHECKING:
    from shared.runtime.host import ServiceHost

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0


class Operations:
    def __init__(self, host: "ServiceHost") -> None:
        self._host = host
        self.sampler = Sampler(host.service, host.pool, host.settings.metrics_interval_seconds)
        self.endpoint: Endpoint | None = None
        self._task: asyncio.Task[None] | None = None
        self.started = False  # its host's consumers and background tasks started (set by the host)

    def watch(self, probe: Probe) -> None:
        self.sampler.probes.append(probe)

    @property
    def url(self) -> str | None:
        """Where the endpoint listens, as this machine reaches it; None when not served."""
        if self.endpoint is None:
            return None
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(self._host.settings.metrics_host)
        host = host or self._host.settings.metrics_host
        return f"http://{f'[{host}]' if ':' in host and not host.startswith('[') else host}:{self.endpoint.port}"

    async def start(self) -> None:
        host = self._host
        self.watch(DeadLetterTally(host.js, host.subjects, host.service).probe())
        self._task = asyncio.create_task(self.sampler.run(), name=f"{host.service}-metrics")
        if host.settings.metrics_port is not None:
            self.endpoint = Endpoint(host.service, self.ready)
            await self.endpoint.start(host.settings.metrics_host, host.settings.metrics_port)
            log.info("%s serves /metrics, /healthz and /readyz on %s", host.service, self.url)

    async def ready(self) -> dict[str, bool]:
        """Its database answers, its NATS connection is up, its consumers started."""
        host = self._host
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                database = await host.pool.fetchval("SELECT 1") == 1
        except Exception:  # closed, unreachable or too slow: not ready
            database = False
        connection = host.broker.connection if host.broker.running else None
        nats = bool(connection is not None and connection.is_connected)
        consumers = self.started and all(getattr(s, "running", True) for s in host.broker.subscribers)
        return {"database": database, "nats": nats, "consumers": consumers}

    async def stop(self) -> None:
        self.started = False
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.endpoint is not None:
            await self.endpoint.close()
