"""NATS subscribers of the Section 11 service: one per row of its command table.

Agency subjects end in the agency's id (`{ns}.{p}.cmd.section11.{command}.{agency}`)
and the payload's `agency_id` must match it: an agency may only act as itself.
Business-unit subjects have no agency token. The rows are in `handlers.py`. The
service also reacts to the events service's `AssuranceEventConcluded`, putting the
event's findings about an agency to it as prompts in its next return.
"""

from faststream.nats import NatsRouter

from services.section11.handlers import SERVICE, Section11Handlers
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway
from shared.messaging.reactions import react_to
from shared.messaging.routing import command_router, service_router
from shared.messaging.subjects import Subjects


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    return command_router(subjects, gateway)


def build_reactions(subjects: Subjects, dead_letters: DeadLetters, handlers: Section11Handlers) -> NatsRouter:
    router = service_router()
    react_to(
        router, subjects, dead_letters, service=SERVICE, source="events",
        reactions={"AssuranceEventConcluded": handlers.on_assurance_event_concluded},
    )
    return router
