"""Wires the reviews service: store, handlers, subscribers, the reaction to agreed
actions and the deadline watcher."""

from dataclasses import dataclass

from services.reviews.entrypoints.nats import SERVICE, build_reactions, build_router
from services.reviews.handlers import ReviewsHandlers, deadlines_for
from shared.deadlines import DeadlineWatcher
from shared.messaging.deadletters import DeadLetters
from shared.runtime.host import ServiceHost


@dataclass
class Reviews:
    handlers: ReviewsHandlers
    watcher: DeadlineWatcher


async def bootstrap(host: ServiceHost) -> Reviews:
    store = await host.event_store()
    handlers = ReviewsHandlers(store, host.partnerships, host.clock)
    watcher = DeadlineWatcher(host.pool, store, host.clock, deadlines_for, handlers.on_deadline)
    await watcher.setup()
    store.on_appended(watcher.learn)
    host.include_router(build_router(host.subjects, host.gateway(handlers.commands())))
    host.include_router(build_reactions(host.subjects, DeadLetters(host.js, host.subjects, SERVICE), handlers))
    host.run_in_background(lambda: watcher.run(host.settings.deadline_interval_seconds))
    return Reviews(handlers, watcher)
