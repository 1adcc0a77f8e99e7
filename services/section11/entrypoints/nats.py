"""NATS subscribers of the Section 11 service: parse, build a command, call the handler.

Agency subjects end in the agency's id (`{ns}.{p}.cmd.section11.{command}.{agency}`)
and the payload's `agency_id` must match it: an agency may only act as itself.
Business-unit subjects have no agency token.
"""

from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel

from services.section11.domain.commands import (
    AmendReturn,
    CarryForwardReturn,
    CloseAuditCycle,
    ModerateScore,
    OpenAuditCycle,
    RecordPractitionerSurvey,
    SaveDraft,
    SubmitReturn,
)
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects

SERVICE = "section11"

AGENCY_COMMANDS: dict[str, tuple[type[BaseModel], str]] = {
    "save-draft": (SaveDraft, "Save a draft of the return (never reported to the partnership)"),
    "carry-forward": (CarryForwardReturn, "Start this cycle's draft from an earlier cycle's submitted answers"),
    "submit": (SubmitReturn, "Submit the return, to this partnership and any others named"),
    "amend": (AmendReturn, "Amend a submitted return, with a reason"),
}
OPERATOR_COMMANDS: dict[str, tuple[type[BaseModel], str]] = {
    "open-cycle": (OpenAuditCycle, "Open a Section 11 cycle for the profile's agencies"),
    "close-cycle": (CloseAuditCycle, "Close a cycle (and schedule peer challenge where the profile runs it)"),
    "moderate": (ModerateScore, "Record a scrutiny panel's moderated score of a domain"),
    "record-survey": (RecordPractitionerSurvey, "Record a practitioner survey result for an agency"),
}


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    router = service_router()
    for name, (command, title) in AGENCY_COMMANDS.items():
        _agency_subscriber(router, subjects, gateway, name, command, title)
    for name, (command, title) in OPERATOR_COMMANDS.items():
        _operator_subscriber(router, subjects, gateway, name, command, title)
    return router


def _agency_subscriber(
    router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type[BaseModel], title: str
) -> None:
    @router.subscriber(
        subjects.agency_command(SERVICE, name),
        queue=SERVICE,
        max_workers=256,
        title=title,
        description="Reply: accepted (with event ids) or refused (with code, field and message).",
    )
    async def handle(msg: NatsMessage) -> dict:
        subject = msg.raw_message.subject
        agency = Subjects.token(subject, -1)
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(subject, 1), actor=f"agency:{agency}", fields={"agency_id": agency}
        )


def _operator_subscriber(
    router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type[BaseModel], title: str
) -> None:
    @router.subscriber(subjects.operator_command(SERVICE, name), queue=SERVICE, max_workers=16, title=title)
    async def handle(msg: NatsMessage) -> dict:
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(msg.raw_message.subject, 1), actor="business-unit"
        )
