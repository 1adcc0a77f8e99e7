"""NATS subscribers of the reviews service: thin, each hands the raw bytes to the gateway.

Agency subjects end in the agency's id (`{ns}.{p}.cmd.reviews.{command}.{agency}`)
and the payload's agency field must match it, so an agency can only update,
complete, answer or grade as itself (the domain then checks the action or
request is its own). Business-unit subjects have no agency token. The service
also reacts to the events service's `ActionAgreed`, raising the agreed action.
"""

from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel

from services.reviews.domain.commands import (
    ChangeRapidReviewDueDate,
    ChangeReviewDueDate,
    CommissionReview,
    CompleteAction,
    ConcludeAuditRound,
    DecideRapidReview,
    GradeAuditCase,
    OpenAuditRound,
    ProvideAgencyInformation,
    PublishReview,
    RaiseAction,
    RecordImpact,
    RecordIncidentNotification,
    RecordReviewStage,
    RecordSeriousIncident,
    RejectActionEvidence,
    RequestAgencyInformation,
    SignOffAction,
    SignOffRapidReviewDecision,
    SignOffReview,
    UpdateActionProgress,
)
from services.reviews.handlers import ReviewsHandlers
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway
from shared.messaging.reactions import react_to
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects

SERVICE = "reviews"

# subject's command token -> (command, the payload field that must equal the agency token, title)
AGENCY_COMMANDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "update-action": (UpdateActionProgress, "owner_agency_id", "An agency reports progress on its own action"),
    "complete-action": (CompleteAction, "owner_agency_id", "An agency completes its own action, with evidence"),
    "provide-information": (ProvideAgencyInformation, "agency_id", "An agency answers a rapid review's information request"),
    "grade-audit-case": (GradeAuditCase, "agency_id", "An agency grades a sampled case in an audit round"),
}
OPERATOR_COMMANDS: dict[str, tuple[type[BaseModel], str]] = {
    "raise-action": (RaiseAction, "Raise an action"),
    "update-action": (UpdateActionProgress, "Record progress on an action for its owner"),
    "complete-action": (CompleteAction, "Record an action completed, with evidence, for its owner"),
    "sign-off-action": (SignOffAction, "The safeguarding partners sign off a completed action at the Board"),
    "reject-action-evidence": (RejectActionEvidence, "The partners reject an action's evidence and reopen it"),
    "record-serious-incident": (RecordSeriousIncident, "Record a serious incident the local authority became aware of"),
    "record-notification": (RecordIncidentNotification, "Record the national panel, Ofsted or Secretary of State told"),
    "change-rapid-review-due-date": (ChangeRapidReviewDueDate, "Extend or override a rapid review's due date, with a reason"),
    "request-information": (RequestAgencyInformation, "Request information from an agency for a rapid review"),
    "decide-rapid-review": (DecideRapidReview, "Record the rapid review's decision and rationale"),
    "sign-off-rapid-review-decision": (SignOffRapidReviewDecision, "The independent scrutineer signs off the decision"),
    "commission-review": (CommissionReview, "Commission a CSPR, learning review or thematic review"),
    "record-review-stage": (RecordReviewStage, "Record a review stage completed"),
    "change-review-due-date": (ChangeReviewDueDate, "Extend or override a review's due date, with a reason"),
    "sign-off-review": (SignOffReview, "Sign off a review's final report"),
    "publish-review": (PublishReview, "Record a review published"),
    "open-audit-round": (OpenAuditRound, "Open a multi-agency case file audit round"),
    "grade-audit-case": (GradeAuditCase, "Record an agency's grading of a sampled case"),
    "conclude-audit-round": (ConcludeAuditRound, "Conclude an audit round"),
    "record-impact": (RecordImpact, "Record a difference made, linked to what made it"),
}


def build_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    router = service_router()
    for name, (command, field, title) in AGENCY_COMMANDS.items():
        _agency_subscriber(router, subjects, gateway, name, command, field, title)
    for name, (command, title) in OPERATOR_COMMANDS.items():
        _operator_subscriber(router, subjects, gateway, name, command, title)
    return router


def build_reactions(subjects: Subjects, dead_letters: DeadLetters, handlers: ReviewsHandlers) -> NatsRouter:
    router = service_router()
    react_to(
        router, subjects, dead_letters, service=SERVICE, source="events",
        reactions={"ActionAgreed": handlers.on_action_agreed},
    )
    return router


def _agency_subscriber(
    router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type[BaseModel], field: str, title: str
) -> None:
    @router.subscriber(
        subjects.agency_command(SERVICE, name),
        queue=SERVICE,
        max_workers=16,
        title=title,
        description="Reply: accepted (with event ids) or refused (with code, field and message).",
    )
    async def handle(msg: NatsMessage) -> dict:
        subject = msg.raw_message.subject
        agency = Subjects.token(subject, -1)
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(subject, 1), actor=f"agency:{agency}", fields={field: agency}
        )


def _operator_subscriber(
    router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type[BaseModel], title: str
) -> None:
    @router.subscriber(subjects.operator_command(SERVICE, name), queue=SERVICE, max_workers=16, title=title)
    async def handle(msg: NatsMessage) -> dict:
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(msg.raw_message.subject, 1), actor="business-unit"
        )
