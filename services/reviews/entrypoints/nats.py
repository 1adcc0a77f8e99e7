"""NATS subscribers of the reviews service: one per row of its command table.

Agency subjects end in the agency's id (`{ns}.{p}.cmd.reviews.{command}.{agency}`)
and the payload's agency field must match it, so an agency can only update,
complete, answer or grade as itself (the domain then checks the action or
request is its own). Business-unit subjects have no agency token. The service
also reacts to the events service's `ActionAgreed`, raising the agreed action.
"""

from faststream.nats import NatsRouter

from services.reviews.handlers import SERVICE, ReviewsHandlers
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway
from shared.messaging.reactions import react_to
from shared.messaging.routing import command_router, service_router
from shared.messaging.subjects import Subjects


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    """A subscriber for every row of the command table (`handlers.py`)."""
    return command_router(subjects, gateway)


def build_reactions(subjects: Subjects, dead_letters: DeadLetters, handlers: ReviewsHandlers) -> NatsRouter:
    router = service_router()
    react_to(
        router, subjects, dead_letters, service=SERVICE, source="events",
        reactions={"ActionAgreed": handlers.on_action_agreed},
    )
    return router
