"""NATS subscribers of the Section 11 service: one per row of its command table.

Agency subjects end in the agency's id (`{ns}.{p}.cmd.section11.{command}.{agency}`)
and the payload's `agency_id` must match it: an agency may only act as itself.
Business-unit subjects have no agency token. The rows are in `handlers.py`.
"""

from faststream.nats import NatsRouter

from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import command_router
from shared.messaging.subjects import Subjects


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    return command_router(subjects, gateway)
