"""NATS subscribers of the Section 11 service: parse, build a command, call the handler."""

from faststream.nats import NatsMessage, NatsRouter

from services.section11.domain.commands import SubmitSelfAssessment
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects

SERVICE = "section11"


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    router = service_router()

    @router.subscriber(
        subjects.agency_command(SERVICE, "submit"),
        queue=SERVICE,
        max_workers=256,
        title="Submit a Section 11 self-assessment",
        description="An agency submits its return; the reply says accepted (with event ids) or refused (with the field and reason).",
    )
    async def submit_self_assessment(msg: NatsMessage) -> dict:
        subject = msg.raw_message.subject
        agency = Subjects.token(subject, -1)
        return await gateway.handle(
            msg,
            SubmitSelfAssessment,
            partnership_id=Subjects.token(subject, 1),
            actor=f"agency:{agency}",
            fields={"agency_id": agency},
        )

    return router
