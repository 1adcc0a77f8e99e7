"""Wires the assurance events service: store, handlers, subscribers, the reaction to
Section 11's call-in proposals, and the deadline watcher of preparation milestones."""

from dataclasses import dataclass

from services.events.deadlines import deadlines_for
from services.events.entrypoints.nats import build_router
from services.events.handlers import SERVICE, EventsHandlers
from shared.deadlines import DeadlineWatcher
from shared.messaging.deadletters import DeadLetters
from shared.runtime.host import ServiceHost


@dataclass
class Events:
    handlers: EventsHandlers
    watcher: DeadlineWatcher


async def bootstrap(host: ServiceHost) -> Events:
    store = await host.event_store()
    handlers = EventsHandlers(store, host.partnerships, host.clock)
    watcher = DeadlineWatcher(host.pool, store, host.clock, deadlines_for, handlers.on_deadline)
    await watcher.setup()
    store.on_appended(watcher.learn)
    host.include_router(
        build_router(
            host.subjects,
            host.gateway(handlers.commands()),
            DeadLetters(host.js, host.subjects, SERVICE),
            handlers.planner,
            handlers.on_call_in_proposed,
        )
    )
    host.run_in_background(lambda: watcher.run(host.settings.deadline_interval_seconds))
    return Events(handlers, watcher)
