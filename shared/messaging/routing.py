"""The broker and routers of every service, configured once, and the subscribers of
a service's command table."""

import logging
from time import perf_counter
from typing import Any

from faststream.message import StreamMessage
from faststream.nats import NatsBroker, NatsMessage, NatsRouter

from shared.messaging.commands import CommandRow, Sender
from shared.messaging.describe import describe, describe_subject
from shared.messaging.gateway import RequestGateway
from shared.messaging.subjects import Subjects
from shared.telemetry.metrics import observe_request
from shared.telemetry.tracing import broker_middlewares


async def the_message_itself(msg: StreamMessage[Any]) -> Any:
    """Hand subscribers the message as received: the gateway and the mapper parse its
    bytes and refuse bad ones with a clear error. faststream's own JSON decode would run
    first and let some malformed bodies (deep nesting, huge numbers) escape as its
    exceptions, and the subscriber needs the subject and headers as well as the body."""
    return msg


def service_router() -> NatsRouter:
    return NatsRouter(decoder=the_message_itself)


def service_broker(service: str, servers: str | list[str] = "nats://localhost:4222", **options: Any) -> NatsBroker:
    """A broker whose subscribers are called with the message (`the_message_itself`) and
    nothing injected: no subscriber asks fast_depends for anything, and its resolution
    (a task group and a worker-thread hop for the message's context on every delivery)
    was a fifth of a request's CPU in the section11 process."""
    return NatsBroker(
        servers,
        middlewares=broker_middlewares(service),
        apply_types=False,
        decoder=the_message_itself,
        log_level=logging.DEBUG,
        **options,
    )


# Subscriber workers of a command subject, by sender: agencies send most of the platform's
# requests (a Section 11 season, actions' progress), each waiting on its own append; the
# business unit's commands come from a handful of people.
MAX_WORKERS = {Sender.AGENCY: 256, Sender.BUSINESS_UNIT: 16}


def command_router(subjects: Subjects, gateway: RequestGateway) -> NatsRouter:
    """A subscriber for every row of the gateway's command table, all built alike."""
    router = service_router()
    service = gateway.table.service
    for row in gateway.table:
        _subscribe(router, subjects, service, gateway, row)
    description = describe(gateway.table)

    async def command_table(msg: NatsMessage) -> dict[str, Any]:
        return description

    command_table.__name__ = command_table.__qualname__ = f"{service}_command_table"
    router.subscriber(
        describe_subject(subjects.namespace, service),
        title=f"{service} command table",
        description="The service's commands as data (token, sender, title, help, roles, JSON Schema): what the front door "
                    "builds its forms from.",
    )(command_table)
    return router


def _subscribe(router: NatsRouter, subjects: Subjects, service: str, gateway: RequestGateway, row: CommandRow[Any]) -> None:
    agency = row.sender is Sender.AGENCY
    subject = subjects.agency_command(service, row.token) if agency else subjects.operator_command(service, row.token)
    subscriber = router.subscriber(
        subject,
        queue=service,
        max_workers=MAX_WORKERS[row.sender],
        title=row.title,
        description=row.help + "\n\nReply: accepted (with event ids) or refused (with code, field and message).",
    )
    if agency and gateway.in_lane:
        # Declared, for the contract, with no handler: faststream does not subscribe it, the
        # service's `CommandLane` does (shared/messaging/lane.py).
        return

    async def handle(msg: NatsMessage) -> dict[str, Any]:
        started, reply = perf_counter(), None
        try:
            reply = await gateway.handle(msg, row)
            return reply
        finally:  # by the row's token and the answer's outcome class, never by subject or agency
            observe_request(service, row.token, reply, perf_counter() - started)

    handle.__name__ = handle.__qualname__ = f"{service}_{row.token.replace('-', '_')}" + ("_agency" if agency else "")
    subscriber(handle)
