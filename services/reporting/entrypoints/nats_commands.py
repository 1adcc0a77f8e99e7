"""NATS subscribers of the reporting service's own commands (business unit only):
`{ns}.{partnership}.cmd.reporting.{command}`. Thin: each hands the raw bytes to the
gateway, which answers a refusal naming the field and parks it in the dead letters.
(`nats.py` beside this feeds the projections; it takes no commands.)"""

from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel

from services.reporting.domain.records.commands import (
    CloseRisk,
    CommentOnYearlyReport,
    DraftYearlyReport,
    PartnersSignOffYearlyReport,
    PublishYearlyReport,
    RateIndicator,
    ReassessRisk,
    RecordRisk,
    ScrutineerSignOffYearlyReport,
)
from shared.messaging.gateway import RequestGateway
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects

SERVICE = "reporting"

OPERATOR_COMMANDS: dict[str, tuple[type[BaseModel], str]] = {
    "rate-indicator": (RateIndicator, "Rate a key indicator of the profile's tiers, citing its evidence"),
    "draft-yearly-report": (DraftYearlyReport, "Record a draft (or a new version) of the yearly report"),
    "comment-on-yearly-report": (CommentOnYearlyReport, "The independent scrutineer's written comments on the draft"),
    "scrutineer-sign-off-yearly-report": (ScrutineerSignOffYearlyReport, "The independent scrutineer signs the yearly report off"),
    "partners-sign-off-yearly-report": (PartnersSignOffYearlyReport, "A group the profile names signs the yearly report off"),
    "publish-yearly-report": (PublishYearlyReport, "Record the yearly report published"),
    "record-risk": (RecordRisk, "Enter a risk on the partnership's risk register"),
    "reassess-risk": (ReassessRisk, "Reassess a risk's current (and target) rating and set its next review"),
    "close-risk": (CloseRisk, "Close a risk on the register, with the reason"),
}


def build_command_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    router = service_router()
    for name, (command, title) in OPERATOR_COMMANDS.items():
        _operator_subscriber(router, subjects, gateway, name, command, title)
    return router


def _operator_subscriber(
    router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type[BaseModel], title: str
) -> None:
    async def handle(msg: NatsMessage) -> dict:
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(msg.raw_message.subject, 1), actor="business-unit"
        )

    handle.__name__ = handle.__qualname__ = f"reporting_{name.replace('-', '_')}"
    router.subscriber(
        subjects.operator_command(SERVICE, name),
        queue=SERVICE,
        max_workers=16,
        title=title,
        description="Reply: accepted (with event ids) or refused (with code, field and message).",
    )(handle)
