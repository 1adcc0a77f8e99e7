"""Wires the reporting service: projections fed from JetStream, and the dashboard."""

import secrets
from dataclasses import dataclass

import uvicorn

from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.records_store import RecordsStore, records_relay
from services.reporting.adapters.sources import SCHEMA, SOURCES, projection_runner
from services.reporting.entrypoints.http import build_app
from services.reporting.entrypoints.nats import build_router
from services.reporting.entrypoints.nats_commands import build_command_router
from services.reporting.handlers import ReportingHandlers
from shared.eventstore.postgres import PostgresEventStore
from shared.messaging.deadletters import DeadLetters
from shared.projections import ProjectionRunner
from shared.runtime.host import ServiceHost


@dataclass
class Reporting:
    runner: ProjectionRunner
    read_models: ReadModels
    server: uvicorn.Server


async def bootstrap(host: ServiceHost) -> Reporting:
    # The source stores' tables may not exist yet if reporting starts first; the
    # runner reads them to fill gaps and to rebuild.
    for source in SOURCES:
        await PostgresEventStore(host.pool, source).create_schema()
    runner = projection_runner(host.pool)
    await runner.setup()
    await _command_side(host)
    host.include_router(build_router(host.subjects, runner, DeadLetters(host.js, host.subjects, SCHEMA)))
    read_models = ReadModels(host.pool, SCHEMA)
    token = host.settings.dashboard_token or secrets.token_urlsafe(24)
    app = build_app(read_models, host.partnerships, host.clock, token)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host.settings.dashboard_host, port=host.settings.dashboard_port, log_level="warning", lifespan="off")
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the host owns signals
    host.run_in_background(server.serve)
    return Reporting(runner, read_models, server)


async def _command_side(host: ServiceHost) -> ReportingHandlers:
    """The service's own records: its store (relayed to JetStream as `reporting`), the
    other services' stores read for evidence, and the business unit's commands."""
    store = RecordsStore(host.pool, host.clock)
    await store.create_schema()
    relay = records_relay(host.pool, host.js, host.subjects)
    store.on_committed(relay.wake)
    host.run_in_background(relay.run)
    sources = {name: PostgresEventStore(host.pool, name) for name in SOURCES}
    for opened in (store, *sources.values()):
        host.on_stop(opened.close)
    handlers = ReportingHandlers(store, sources, host.partnerships, host.clock)
    host.include_router(build_command_router(host.subjects, host.gateway(handlers.commands())))
    return handlers
