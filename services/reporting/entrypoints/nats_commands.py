"""NATS subscribers of the reporting service's own commands:
`{ns}.{partnership}.cmd.reporting.{command}` (the business unit) and
`{ns}.{partnership}.cmd.reporting.{command}.{agency}` (an agency's performance data). One per row of the command table; the
gateway answers a refusal naming the field and parks it in the dead letters.
(`nats.py` beside this feeds the projections; it takes no commands.)"""

from faststream.nats import NatsRouter

from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import command_router
from shared.messaging.subjects import Subjects


def build_command_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    """A subscriber for every row of the command table (`handlers.py`)."""
    return command_router(subjects, gateway)
