"""NATS subscribers of the reviews service."""

from faststream.nats import NatsMessage, NatsRouter

from services.reviews.domain.commands import RaiseAction
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects

SERVICE = "reviews"


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    router = service_router()

    @router.subscriber(
        subjects.operator_command(SERVICE, "raise-action"),
        queue=SERVICE,
        max_workers=16,
        title="Raise an action",
    )
    async def raise_action(msg: NatsMessage) -> dict:
        return await gateway.handle(
            msg,
            RaiseAction,
            partnership_id=Subjects.token(msg.raw_message.subject, 1),
            actor="business-unit",
        )

    return router
