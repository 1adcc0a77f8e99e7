"""Runs one service in this process: `python -m services.runner NAME` (what `scrutiny up` spawns)."""

import asyncio
import dataclasses
import gc
import importlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from shared.clock import Clock
from shared.config import Settings
from shared.projections import ProjectionRunner
from shared.runtime.host import ServiceHost
from shared.telemetry.logs import adopt_handlers, configure_logging

# Module paths, imported only by the process that runs the service: a section11 process
# that imported reporting's bootstrap would carry matplotlib, xhtml2pdf and uvicorn
# (about 100 MB of resident memory) for nothing.
BOOTSTRAPS: dict[str, str] = {
    "section11": "services.section11.bootstrap",
    "events": "services.events.bootstrap",
    "reviews": "services.reviews.bootstrap",
    "reporting": "services.reporting.bootstrap",
}


def bootstrap_of(name: str) -> Callable[[ServiceHost], Awaitable[Any]]:
    """The named service's `bootstrap(host)`, its module imported now."""
    return importlib.import_module(BOOTSTRAPS[name]).bootstrap


async def start_service(name: str, settings: Settings, clock: Clock | None = None) -> tuple[ServiceHost, Any]:
    """Connect, wire and start one service; returns its host (to stop) and what bootstrap built."""
    host = ServiceHost(name, settings, clock or settings.clock())
    await host.connect()
    wired = await bootstrap_of(name)(host)
    for runner in live_projections(wired):
        host.watch(runner.probe(host.clock))
    adopt_handlers()  # faststream's and uvicorn's loggers, made by now, write JSON lines when asked
    await host.start()
    return host, wired


def live_projections(wired: object, depth: int = 2) -> Iterator[ProjectionRunner]:
    """The projection runners bootstrap wired to live consumers: those in what it returned,
    or one level down (reporting's read models, and its notifier's runner). The runners made
    for a moment (as-of pages, rebuilds, evidence) are never returned, so never sampled."""
    if isinstance(wired, ProjectionRunner):
        yield wired
    elif depth and dataclasses.is_dataclass(wired) and not isinstance(wired, type):
        for item in dataclasses.fields(wired):
            yield from live_projections(getattr(wired, item.name), depth - 1)


async def serve(name: str, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    host, _ = await start_service(name, settings)
    # What starting loaded (modules, profiles, pydantic's schemas, templates) lives as long as
    # the process: moved out of the cyclic collector's reach, its full passes no longer walk
    # it. Durable requests, services as processes: section11 1.54 -> 1.30-1.50 ms of CPU a
    # request, reporting 0.76 -> 0.51-0.58 ms (docs/performance.md).
    gc.freeze()
    await stop.wait()
    await host.stop()


def main() -> None:
    name = sys.argv[1]
    if name not in BOOTSTRAPS:
        raise SystemExit(f"unknown service {name!r}; one of {sorted(BOOTSTRAPS)}")
    os.umask(0o077)  # whatever a service writes (logs, board packs, bundles) is its owner's only
    settings = Settings()
    configure_logging(name, settings.log_level, settings.log_format)
    asyncio.run(serve(name, settings))


if __name__ == "__main__":
    main()
