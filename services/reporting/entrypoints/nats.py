"""Durable JetStream pull consumers feeding the projections, one per source service."""

from faststream import AckPolicy
from faststream.nats import JStream, NatsMessage, NatsRouter, PullSub
from nats.js.api import ConsumerConfig

from shared.mapper import from_wire
from shared.messaging.routing import service_router
from shared.messaging.subjects import Subjects
from shared.projections import ProjectionRunner
from shared.telemetry.metrics import CONSUMER_LAG

DURABLE = "reporting"
SOURCES = ("section11", "events", "reviews")


def build_router(subjects: Subjects, runner: ProjectionRunner) -> NatsRouter:
    router = service_router()
    for source in SOURCES:
        _subscribe(router, subjects, runner, source)
    return router


def _subscribe(router: NatsRouter, subjects: Subjects, runner: ProjectionRunner, source: str) -> None:
    @router.subscriber(
        subjects.events_of(source),
        stream=JStream(subjects.stream(source), declare=False),
        durable=f"{DURABLE}-{source}",
        pull_sub=PullSub(batch_size=500, timeout=0.5, batch=True),
        ack_policy=AckPolicy.MANUAL,
        # Redeliver promptly after a crash, a failed transaction or a fetch that lost its
        # messages (a pull request orphaned by a client-side timeout); applying twice is harmless.
        config=ConsumerConfig(ack_wait=2),
        title=f"Project {source} events",
    )
    async def project(bodies: list, msg: NatsMessage) -> None:
        raws = msg.raw_message
        await runner.apply(source, [from_wire(raw.data) for raw in raws])
        # Acknowledged only after the read models and checkpoint committed.
        for raw in raws:
            await raw.ack()
        CONSUMER_LAG.labels(projection=DURABLE, source=source).set(raws[-1].metadata.num_pending)
