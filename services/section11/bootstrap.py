"""Wires the Section 11 service: store, handlers, subscribers and the deadline watcher."""

from dataclasses import dataclass

from services.section11.entrypoints.nats import build_reactions, build_router
from services.section11.handlers import SERVICE, Section11Handlers, deadlines_for
from shared.deadlines import DeadlineWatcher
from shared.messaging.deadletters import DeadLetters
from shared.runtime.host import ServiceHost


@dataclass
class Section11:
    handlers: Section11Handlers
    watcher: DeadlineWatcher


async def bootstrap(host: ServiceHost) -> Section11:
    store = await host.event_store()
    handlers = Section11Handlers(store, host.partnerships, host.clock)
    watcher = DeadlineWatcher(host.pool, store, host.clock, deadlines_for, handlers.on_deadline)
    await watcher.setup()
    store.on_appended(watcher.learn)
    host.include_router(build_router(host.subjects, host.gateway(handlers.commands())))
    host.include_router(build_reactions(host.subjects, DeadLetters(host.js, host.subjects, SERVICE), handlers))
    host.run_in_background(lambda: watcher.run(host.settings.deadline_interval_seconds))
    return Section11(handlers, watcher)
