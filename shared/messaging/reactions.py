"""A service reacting to another service's events: a durable JetStream pull
consumer that hands each event to a handler, acknowledging only after it ran.

Reactions must be idempotent (derive the request id from the source event's
id, then `decide_and_append` answers a redelivery with what was done the first
time). An event that cannot be read (`shared.messaging.inbound`), and a reaction
refused as bad input, are parked in the dead-letter stream with their reason and
acknowledged; anything else is left unacknowledged and comes
back after `ack_wait`, so a database restart delays a reaction but never loses it.

A reaction's consumer is handed only the event types it reacts to: JetStream filters them
(`filter_subjects`, one subject a type) rather than delivering every event of the source for
the reaction to acknowledge unread. The events service reacts to one Section 11 event in
twenty kinds, and was sent every return (about 7% of a core and a fifth of nats-server's
work in the pipeline benchmark, docs/performance.md). A consumer made before this
(filtered by the source alone) is narrowed when the service starts.
"""

import logging
import types
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsMessage, NatsRouter
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError

from shared.envelope import Envelope
from shared.messaging.batches import event_batches, mended
from shared.messaging.deadletters import DeadLetters
from shared.messaging.inbound import readable
from shared.messaging.subjects import Subjects
from shared.refusals import Refusal

log = logging.getLogger(__name__)

Reaction = Callable[[Envelope], Awaitable[object]]


def react_to(
    router: NatsRouter,
    subjects: Subjects,
    dead_letters: DeadLetters,
    *,
    service: str,
    source: str,
    reactions: dict[str, Reaction],
) -> None:
    """Subscribe `service` to `source`'s events; `reactions` maps event type to handler."""
    stream, durable = subjects.stream(source), f"{service}-reacts-to-{source}"
    wanted = [subjects.event("*", source, event_type) for event_type in sorted(reactions)]

    subscriber = mended(router.subscriber(
        subjects.events_of(source),
        stream=JStream(stream, declare=False),
        durable=durable,
        pull_sub=event_batches(100),
        ack_policy=AckPolicy.MANUAL,
        config=ConsumerConfig(ack_wait=5, filter_subjects=wanted),
        title=f"{service} reacts to {source} events ({', '.join(sorted(reactions))})",
    ))
    narrowed(subscriber, stream, durable, wanted)

    @subscriber
    async def react(msg: NatsMessage) -> None:
        # Unreadable events (poison) are parked and acknowledged here, never redelivered.
        for raw, envelope in await readable(msg.raw_message, dead_letters, wanted=set(reactions)):
            reaction = reactions.get(envelope.event_type)
            try:
                if reaction is not None:
                    await reaction(envelope)
            except Refusal as refusal:
                await dead_letters.park(raw.subject, raw.data, refusal.code, str(refusal))
            except Exception:
                log.exception("%s could not react to %s; it will be redelivered", service, raw.subject)
                return  # this and the rest of the batch come back after ack_wait
            await raw.ack()


def narrowed(subscriber: Any, stream: str, durable: str, wanted: list[str]) -> None:
    """Its durable consumer narrowed to `wanted` before the subscriber binds to it: a new one
    is made so (the config's `filter_subjects`); one made before with other filters is updated
    (JetStream lets a consumer's filters change, and its place in the stream stays). nats-py's
    `pull_subscribe` binds to a consumer that exists as it is, and faststream has no hook
    before it does, so the subscriber's `_create_subscription` is wrapped, as `mended` wraps
    its pull loop."""
    create = subscriber._create_subscription

    async def narrowed_then_created(self: Any) -> None:
        await narrow_consumer(self.jetstream, stream, durable, wanted)
        await create()

    subscriber._create_subscription = types.MethodType(narrowed_then_created, subscriber)


async def narrow_consumer(js: JetStreamContext, stream: str, durable: str, wanted: list[str]) -> None:
    """Update the consumer's filters to `wanted` if it exists with others."""
    try:
        held = (await js.consumer_info(stream, durable)).config
    except NotFoundError:
        return  # the subscription makes it, with its config's filters
    if sorted(held.filter_subjects or [held.filter_subject or ">"]) != sorted(wanted):
        await js.add_consumer(stream, replace(held, filter_subject=None, filter_subjects=wanted))
        log.info("%s on %s narrowed to %s", durable, stream, ", ".join(wanted))
