"""Declares the JetStream streams (idempotently) before anyone publishes or consumes."""

from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.messaging.subjects import SERVICES, Subjects

# Long enough that a relay retrying after an outage still has its message ids
# remembered, so a re-published event is dropped rather than stored twice.
DUPLICATE_WINDOW_SECONDS = 30 * 60


def stream_configs(subjects: Subjects, replicas: int = 1) -> list[StreamConfig]:
    configs = [
        StreamConfig(
            name=subjects.stream(service),
            subjects=[subjects.events_of(service)],
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
        )
        for service in SERVICES
    ]
    configs.append(
        StreamConfig(
            name=subjects.deadletter_stream,
            subjects=[subjects.deadletters],
            storage=StorageType.FILE,
            num_replicas=replicas,
        )
    )
    return configs


async def ensure_streams(js: JetStreamContext, subjects: Subjects, replicas: int = 1) -> None:
    for config in stream_configs(subjects, replicas):
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
