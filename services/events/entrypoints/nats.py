"""NATS subscribers of the assurance events service: one per command subject, the
agency's answer to a young inspectors offer on its own subject, the planner query,
and the reaction to Section 11's call-in proposals."""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsMessage, NatsRouter
from pydantic import TypeAdapter

from services.events.domain import commands as c
from services.events.domain.planner import Planner
from shared.envelope import Envelope
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway, refused
from shared.messaging.reactions import react_to
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects
from shared.refusals import Refusal, parse_message

SERVICE = "events"

# subject token -> (command, title); the business unit records every partner's step.
OPERATOR_COMMANDS: dict[str, tuple[type, str]] = {
    "propose": (c.ProposeAssuranceEvent, "Propose an assurance event"),
    "endorse": (c.EndorseAssuranceEvent, "A statutory partner endorses an assurance event"),
    "schedule": (c.ScheduleAssuranceEvent, "Schedule an endorsed assurance event (sets its preparation milestones)"),
    "reschedule": (c.RescheduleAssuranceEvent, "Move a scheduled assurance event to a new date"),
    "cancel": (c.CancelAssuranceEvent, "Cancel an assurance event"),
    "meet-milestone": (c.RecordMilestoneMet, "Record a preparation milestone as done"),
    "hold": (c.RecordEventHeld, "Record that an assurance event was held, and who took part"),
    "feedback": (c.RecordImmediateFeedback, "Record the key highlights fed back at the end of the event"),
    "findings": (c.RecordFindings, "Record strengths, areas for development and the actions agreed"),
    "agree-actions": (c.AgreeActions, "Record further actions agreed at the event"),
    "draft-report": (c.DraftReport, "Record the event's report as drafted"),
    "agree-report": (c.AgreeReport, "A partner agrees the report for distribution"),
    "record-outcome": (c.RecordOutcome, "Record the outcome of a call-in or pop-up case discussion"),
    "conclude": (c.ConcludeAssuranceEvent, "Conclude an assurance event (recorded after the fact)"),
    "select-case": (c.SelectCase, "Select a pseudonymous case for a line of sight event"),
    "record-case-audit": (c.RecordCaseAudit, "Record a single-agency audit of a selected case"),
    "meet-practitioners": (c.RecordPractitionersMet, "Record that the panel met a case's practitioners"),
    "record-desktop-review": (c.RecordDesktopReview, "Record the young inspectors' desktop review"),
    "record-inspection-surveys": (c.RecordInspectionSurveys, "Record the staff and service user surveys returned"),
    "issue-newsletter": (c.IssueNewsletter, "Record the learning hub's newsletter as issued"),
    "record-forum": (c.RecordLearningForum, "Record a learning hub forum and its attendance"),
    "record-views": (c.RecordChildrenAndFamiliesViews, "Record children's and families' views gathered"),
    "send-survey": (c.SendPractitionerSurvey, "Record the practitioner survey as sent"),
    "record-survey-responses": (c.RecordSurveyResponses, "Record the practitioner survey's responses"),
    "record-evaluation": (c.RecordForumEvaluation, "Record the forums' evaluation figures"),
    "present-strategic-feedback": (c.PresentStrategicFeedback, "Record feedback presented to the strategic group"),
    "feed-back-to-practitioners": (c.FeedBackToPractitioners, "Record the strategic group's feedback to practitioners"),
    "agree-terms": (c.AgreeTermsOfReference, "Record a peer review's agreed terms of reference"),
}
AGENCY_COMMANDS: dict[str, tuple[type, str]] = {
    "answer-inspection-offer": (c.AnswerInspectionOffer, "An agency takes up or declines a young inspectors visit"),
}

PlannerQuery = Callable[[c.ShowPlanner, str], Awaitable[Planner]]
Reaction = Callable[[Envelope], Awaitable[object]]
_PLANNER = TypeAdapter(Planner)


def planner_document(planner: Planner) -> dict[str, Any]:
    document = _PLANNER.dump_python(planner, mode="json")
    for row, month in zip(document["months"], planner.months, strict=True):
        row["slipped"] = [slot for slot in row["planned"] if slot["status"] == "slipped"]
        row["month"] = month.month
    return document


def build_router(
    subjects: Subjects,
    gateway: RequestGateway,
    dead_letters: DeadLetters,
    planner: PlannerQuery,
    on_call_in_proposed: Reaction,
) -> NatsRouter:
    router = service_router()
    for name, (command, title) in OPERATOR_COMMANDS.items():
        _operator(router, subjects, gateway, name, command, title)
    for name, (command, title) in AGENCY_COMMANDS.items():
        _agency(router, subjects, gateway, name, command, title)

    @router.subscriber(
        subjects.operator_command(SERVICE, "planner"), queue=SERVICE, max_workers=4,
        title="The planner of a period: planned, held and slipped",
    )
    async def show_planner(msg: NatsMessage) -> dict:
        subject = msg.raw_message.subject
        try:
            query = parse_message(c.ShowPlanner, msg.body)
            result = await planner(query, Subjects.token(subject, 1))
        except Refusal as refusal:
            await dead_letters.park(subject, msg.body, refusal.code, str(refusal))
            return refused(refusal)
        return {"status": "ok", "planner": planner_document(result)}

    react_to(
        router, subjects, dead_letters, service=SERVICE, source="section11",
        reactions={"CallInProposed": on_call_in_proposed},
    )
    return router


def _operator(router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type, title: str) -> None:
    async def handle(msg: NatsMessage) -> dict:
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(msg.raw_message.subject, 1), actor="business-unit"
        )

    handle.__name__ = handle.__qualname__ = f"events_{name.replace('-', '_')}"
    router.subscriber(subjects.operator_command(SERVICE, name), queue=SERVICE, max_workers=16, title=title)(handle)


def _agency(router: NatsRouter, subjects: Subjects, gateway: RequestGateway, name: str, command: type, title: str) -> None:
    async def handle(msg: NatsMessage) -> dict:
        subject = msg.raw_message.subject
        agency = Subjects.token(subject, -1)
        return await gateway.handle(
            msg, command, partnership_id=Subjects.token(subject, 1), actor=f"agency:{agency}",
            fields={"agency_id": agency},
        )

    handle.__name__ = handle.__qualname__ = f"events_{name.replace('-', '_')}"
    router.subscriber(subjects.agency_command(SERVICE, name), queue=SERVICE, max_workers=16, title=title)(handle)
