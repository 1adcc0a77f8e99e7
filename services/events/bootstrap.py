"""Wires the assurance events service: store, handlers and subscribers."""

from services.events.entrypoints.nats import build_router
from services.events.handlers import EventsHandlers
from shared.runtime.host import ServiceHost


async def bootstrap(host: ServiceHost) -> EventsHandlers:
    store = await host.event_store()
    handlers = EventsHandlers(store, host.partnerships, host.clock)
    host.include_router(build_router(host.subjects, host.gateway(handlers.table())))
    return handlers
