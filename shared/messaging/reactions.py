"""A service reacting to another service's events: a durable JetStream pull
consumer that hands each event to a handler, acknowledging only after it ran.

Reactions must be idempotent (derive the request id from the source event's
id, then `decide_and_append` answers a redelivery with what was done the first
time). An event that cannot be read (`shared.messaging.inbound`), and a reaction
refused as bad input, are parked in the dead-letter stream with their reason and
acknowledged; anything else is left unacknowledged and comes
back after `ack_wait`, so a database restart delays a reaction but never loses it.
"""

import logging
from collections.abc import Awaitable, Callable

from faststream import AckPolicy
from faststream.nats import JStream, NatsMessage, NatsRouter
from nats.js.api import ConsumerConfig

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

    @mended(router.subscriber(
        subjects.events_of(source),
        stream=JStream(subjects.stream(source), declare=False),
        durable=f"{service}-reacts-to-{source}",
        pull_sub=event_batches(100),
        ack_policy=AckPolicy.MANUAL,
        config=ConsumerConfig(ack_wait=5),
        title=f"{service} reacts to {source} events ({', '.join(sorted(reactions))})",
    ))
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
