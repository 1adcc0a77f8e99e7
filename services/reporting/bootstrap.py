"""Wires the reporting service: projections fed from JetStream, and the front door
(people's pages, sign-in and forms) over the dashboard's routes."""

from dataclasses import dataclass

import uvicorn

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.commands import CommandSender, CommandTables
from services.reporting.adapters.people.notifications import Notifications, notifications
from services.reporting.adapters.people.oidc import OidcClient, providers_from_env
from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.records_store import RecordsStore, records_relay
from services.reporting.adapters.sources import SCHEMA, SOURCES, projection_runner
from services.reporting.entrypoints.http import build_app
from services.reporting.entrypoints.nats import build_router
from services.reporting.entrypoints.nats_commands import build_command_router
from services.reporting.entrypoints.web.app import build_front_door
from services.reporting.handlers import ReportingHandlers
from shared import london
from shared.documents.store import DocumentStore, document_store
from shared.eventstore.heads import SignedHeads
from shared.eventstore.postgres import PostgresEventStore
from shared.messaging.deadletters import DeadLetters
from shared.messaging.describe import describe
from shared.projections import ProjectionRunner
from shared.runtime.host import ServiceHost


@dataclass
class Reporting:
    runner: ProjectionRunner
    read_models: ReadModels
    server: uvicorn.Server
    accounts: Accounts
    notifications: Notifications
    documents: DocumentStore


async def bootstrap(host: ServiceHost) -> Reporting:
    # The source stores' tables may not exist yet if reporting starts first; the
    # runner reads them to fill gaps and to rebuild.
    for source in SOURCES:
        await PostgresEventStore(host.pool, source).create_schema()
    runner = projection_runner(host.pool)
    await runner.setup()
    handlers, store = await _command_side(host)
    read_models = ReadModels(host.pool, SCHEMA)
    accounts = Accounts(host.pool, store, host.clock)
    await accounts.setup()
    told = await notifications(host, runner)  # the live consumers feed the notifier too
    host.include_router(build_router(host.subjects, told.live, DeadLetters(host.js, host.subjects, SCHEMA)))  # type: ignore[arg-type]
    settings = host.settings
    nc = host.broker.connection
    tables = CommandTables(nc, host.subjects, own=describe(handlers.commands()))
    sender = CommandSender(nc, host.subjects, host.person_secret)
    providers = providers_from_env({
        f"SCRUTINY_OIDC_{k.upper()}": v for k, v in
        {"issuer": settings.oidc_issuer, "client_id": settings.oidc_client_id,
         "client_secret": settings.oidc_client_secret, "name": settings.oidc_name}.items() if v
    })
    base = (settings.base_url or "").rstrip("/")
    directory = OidcClient(providers[0], f"{base}/sign-in/directory/back") if providers and base else None
    if directory is not None:
        host.on_stop(directory.aclose)
    secure = settings.tls_certfile is not None or base.startswith("https://")
    documents = document_store(host.pool)  # SCRUTINY_DOCUMENTS_URL: refused here when it names no store
    await documents.create_schema()
    pages = build_app(read_models, host.partnerships, host.clock)
    app = build_front_door(
        pages,
        accounts,
        tables,
        sender,
        host.partnerships,
        lambda: london.today(host.clock),
        read_models,
        host.clock,
        base_url=base,
        secure=secure,
        directory=directory,
        messages=told,
        documents=documents,
        signed_heads=SignedHeads(host.js, host.subjects, host.chain_key.public if host.chain_key else None),
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.dashboard_host, port=settings.dashboard_port, log_level="warning", lifespan="off",
            ssl_certfile=str(settings.tls_certfile) if settings.tls_certfile else None,
            ssl_keyfile=str(settings.tls_keyfile) if settings.tls_keyfile else None,
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the host owns signals
    host.run_in_background(server.serve)
    return Reporting(runner, read_models, server, accounts, told, documents)


async def _command_side(host: ServiceHost) -> tuple[ReportingHandlers, RecordsStore]:
    """The service's own records: its store (relayed to JetStream as `reporting`), the
    other services' stores read for evidence, and the business unit's commands."""
    store = RecordsStore(host.pool, host.clock)
    await store.create_schema()
    relay = records_relay(host.pool, host.js, host.subjects, host.broker.connection)
    store.on_committed(relay.wake)
    host.run_in_background(relay.run)
    host.sign_heads(store)
    sources = {name: PostgresEventStore(host.pool, name) for name in SOURCES}
    for opened in (store, *sources.values()):
        host.on_stop(opened.close)
    handlers = ReportingHandlers(store, sources, host.partnerships, host.clock)
    host.include_router(build_command_router(host.subjects, host.gateway(handlers.commands())))
    return handlers, store
