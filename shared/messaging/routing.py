"""The broker and routers of every service, configured once."""

import logging
from typing import Any

from faststream.message import StreamMessage
from faststream.nats import NatsBroker, NatsRouter

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
