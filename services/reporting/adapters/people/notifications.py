"""Notifications wired into the reporting service: the messages' tables, the notifier on
the live consumers, and the postman when SMTP is configured (docs/operations.md)."""

from __future__ import annotations

from dataclasses import dataclass

from services.reporting.adapters.people.messages import Messages
from services.reporting.adapters.people.notifier import AlsoNotify, notifier_runner, sources_of
from services.reporting.adapters.people.postman import Postman, Smtp
from shared.projections import ProjectionRunner
from shared.runtime.host import ServiceHost


@dataclass
class Notifications:
    messages: Messages
    notifier: ProjectionRunner
    live: AlsoNotify  # what reporting's JetStream consumers apply each batch to
    postman: Postman | None  # None: no SMTP; messages are kept for the inbox

    @property
    def emailing(self) -> bool:
        return self.postman is not None


async def notifications(host: ServiceHost, projections: ProjectionRunner) -> Notifications:
    """Set up after the accounts' tables; the postman runs in the background (every
    deadline interval, and whenever the notifier has made messages)."""
    settings = host.settings
    smtp = Smtp.from_url(settings.smtp_url) if settings.smtp_url else None  # a bad URL stops the start, saying why
    messages = Messages(host.pool, host.clock)
    await messages.setup()
    sources = sources_of(host.pool)
    for store in sources.values():
        host.on_stop(store.close)
    notifier = await notifier_runner(host.pool, host.partnerships, sources)
    postman = None
    if smtp is not None:
        postman = Postman(host.pool, host.clock, smtp, settings.base_url or "", host.partnerships)
        host.run_in_background(lambda: postman.run(settings.deadline_interval_seconds))
    live = AlsoNotify(projections, notifier, [postman.wake] if postman else [])
    return Notifications(messages, notifier, live, postman)
