"""Wires the Section 11 service: store, handlers and subscribers."""

from services.section11.entrypoints.nats import build_router
from services.section11.handlers import Section11Handlers
from shared.runtime.host import ServiceHost


async def bootstrap(host: ServiceHost) -> Section11Handlers:
    store = await host.event_store()
    handlers = Section11Handlers(store, host.partnerships, host.clock)
    host.include_router(build_router(host.subjects, host.gateway(handlers.table())))
    return handlers
