"""NATS subscribers of the assurance events service: one per row of its command table,
the planner query, and the reaction to Section 11's call-in proposals."""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsMessage, NatsRouter
from pydantic import TypeAdapter

from services.events.domain import commands as c
from services.events.handlers import SERVICE
from shared.envelope import Envelope
from shared.messaging.deadletters import DeadLetters
from shared.messaging.gateway import RequestGateway, refused
from shared.messaging.reactions import react_to
from shared.messaging.routing import command_router
from shared.messaging.subjects import Subjects
from shared.planner import Planner
from shared.refusals import Refusal, parse_message

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
    router = command_router(subjects, gateway)  # a subscriber for every row of the table (handlers.py)

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
