"""NATS subscribers of the assurance events service."""

from faststream.nats import NatsMessage, NatsRouter

from services.events.domain.commands import ConcludeAssuranceEvent
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects

SERVICE = "events"


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    router = service_router()

    @router.subscriber(
        subjects.operator_command(SERVICE, "conclude"),
        queue=SERVICE,
        max_workers=16,
        title="Conclude an assurance event",
    )
    async def conclude(msg: NatsMessage) -> dict:
        return await gateway.handle(
            msg,
            ConcludeAssuranceEvent,
            partnership_id=Subjects.token(msg.raw_message.subject, 1),
            actor="business-unit",
        )

    return router
