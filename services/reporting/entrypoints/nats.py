"""Durable JetStream pull consumers feeding the projections, one per source service.

An event that cannot be read (poison: not JSON, an unknown type, a schema version
newer than this code) is parked in the dead-letter stream and acknowledged, so it
neither crashes the consumer nor comes back for ever with the batch it was in.
"""

from faststream import AckPolicy
from faststream.nats import JStream, NatsMessage, NatsRouter
from nats.js.api import ConsumerConfig

from services.reporting.adapters.sources import OWN_SOURCE, SOURCES
from shared.messaging.batches import event_batches, mended
from shared.messaging.deadletters import DeadLetters
from shared.messaging.inbound import readable
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects
from shared.projections import ProjectionRunner
from shared.telemetry.metrics import CONSUMER_LAG

DURABLE = "reporting"


def build_router(subjects: Subjects, runner: ProjectionRunner, dead_letters: DeadLetters) -> NatsRouter:
    router = service_router()
    for source in (*SOURCES, OWN_SOURCE):
        _subscribe(router, subjects, runner, dead_letters, source)
    return router


def _subscribe(
    router: NatsRouter, subjects: Subjects, runner: ProjectionRunner, dead_letters: DeadLetters, source: str
) -> None:
    opener = runner.opener()
    # The last position this consumer applied: events at or before it (a batch redelivered, a
    # stream refilled) are skipped by the runners, so their texts are left sealed. A hint and
    # no read: the runners open any such event that is new to them (shared/projections/opening.py).
    floor = 0

    @mended(router.subscriber(
        subjects.events_of(source),
        stream=JStream(subjects.stream(source), declare=False),
        durable=f"{DURABLE}-{source}",
        pull_sub=event_batches(500),
        ack_policy=AckPolicy.MANUAL,
        # Redeliver promptly after a crash, a failed transaction or a fetch that lost its
        # messages (a pull request orphaned by a client-side timeout); applying twice is harmless.
        config=ConsumerConfig(ack_wait=2),
        title=f"Project {source} events",
    ))
    async def project(msg: NatsMessage) -> None:
        nonlocal floor
        raws = msg.raw_message
        events = await readable(raws, dead_letters, opener=opener.past(floor))
        if events:
            await runner.apply(source, [envelope for _, envelope in events], opened_above=floor)
            floor = max(floor, *(envelope.position or 0 for _, envelope in events))
        # Acknowledged only after the read models and checkpoint committed.
        for raw, _ in events:
            await raw.ack()
        CONSUMER_LAG.labels(projection=DURABLE, source=source).set(raws[-1].metadata.num_pending)
