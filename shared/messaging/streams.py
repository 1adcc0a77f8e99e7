"""Declares the JetStream streams (idempotently) before anyone publishes or consumes."""

from dataclasses import replace

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.eventstore.heads import heads_stream_config
from shared.messaging.subjects import SERVICES, Subjects

# Long enough that a relay retrying after an outage still has its message ids
# remembered, so a re-published event is dropped rather than stored twice.
DUPLICATE_WINDOW_SECONDS = 30 * 60

# The dead letters' bound (docs/operations.md): kept 90 days, and at most 1 GiB, the
# oldest dropped first. Unbounded, 600 refused requests of 1 MB grew the NATS store by
# 200 MB in a minute (security review, finding 6).
DEAD_LETTER_MAX_AGE_SECONDS = 90 * 24 * 3600
DEAD_LETTER_MAX_BYTES = 1024**3


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
            max_age=DEAD_LETTER_MAX_AGE_SECONDS,
            max_bytes=DEAD_LETTER_MAX_BYTES,
            discard=DiscardPolicy.OLD,
        )
    )
    configs.append(heads_stream_config(subjects, replicas))  # the signed chain heads (tamper evidence)
    return configs


async def ensure_streams(js: JetStreamContext, subjects: Subjects, replicas: int = 1) -> None:
    for config in stream_configs(subjects, replicas):
        try:
            info = await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            continue
        # A stream made before its limits were set (the dead letters') takes them now; one
        # with limits of its own, and anything else of an existing stream (its replicas), is
        # left as the operator set it.
        held = info.config
        unbounded = (held.max_bytes or -1) < 0 and not held.max_age
        if config.max_bytes and unbounded:
            await js.update_stream(
                replace(held, max_age=config.max_age, max_bytes=config.max_bytes, discard=DiscardPolicy.OLD)
            )
