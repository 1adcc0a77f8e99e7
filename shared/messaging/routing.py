"""Routers for every service's subscribers, configured once."""

from typing import Any

from faststream.message import StreamMessage
from faststream.nats import NatsRouter


async def keep_raw_body(msg: StreamMessage[Any]) -> Any:
    """Hand subscribers the bytes as sent: the gateway and the mapper parse them and
    refuse bad ones with a clear error. faststream's own JSON decode would run first
    and let some malformed bodies (deep nesting, huge numbers) escape as its exceptions."""
    return msg.body


def service_router() -> NatsRouter:
    return NatsRouter(decoder=keep_raw_body)
