"""A reaction's consumer is handed only the event types it reacts to (`shared.messaging.reactions`):
JetStream filters the rest out, so they are never delivered, and a consumer made before the
filters (on the source's every event) is narrowed when the service starts, keeping its place.

The events published here are not readable envelopes: one delivered would be parked as
poison, so the dead letters show exactly what reached the reaction."""

import nats
import pytest
from nats.js.api import ConsumerConfig

from shared.messaging.deadletter_admin import DeadLetterAdmin
from shared.messaging.deadletters import DeadLetters
from shared.messaging.reactions import react_to
from shared.messaging.routing import service_broker, service_router
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import Subjects
from shared.waiting import eventually

pytestmark = pytest.mark.integration

DURABLE = "events-reacts-to-section11"


async def _nothing(envelope: object) -> None:
    raise AssertionError("no readable event is published here")


@pytest.mark.parametrize("made_before", [False, True], ids=["new consumer", "consumer made before the filters"])
async def test_a_reaction_is_delivered_only_the_types_it_reacts_to(nats_url: str, namespace: str, made_before: bool) -> None:
    subjects = Subjects(namespace)
    stream = subjects.stream("section11")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    broker = service_broker("events", nats_url)
    try:
        await ensure_streams(js, subjects)
        if made_before:  # as every release before the filters made it, and has read one event
            await js.add_consumer(stream, ConsumerConfig(durable_name=DURABLE, filter_subject=subjects.events_of("section11")))
            await js.publish(subjects.event("p", "section11", "ReturnSubmitted"), b"earlier")
            [earlier] = await (await js.pull_subscribe_bind(DURABLE, stream)).fetch(1)
            await earlier.ack()
        for n in range(5):
            await js.publish(subjects.event("p", "section11", "SubmissionReceived"), f"not wanted {n}".encode())
        await js.publish(subjects.event("p", "section11", "CallInProposed"), b"wanted")

        router = service_router()  # as the events service's entrypoint builds it
        react_to(router, subjects, DeadLetters(js, subjects, "events"), service="events", source="section11",
                 reactions={"CallInProposed": _nothing})
        broker.include_router(router)
        await broker.start()

        info = await js.consumer_info(stream, DURABLE)
        assert info.config.filter_subjects == [subjects.event("*", "section11", "CallInProposed")]
        assert not info.config.filter_subject
        admin = DeadLetterAdmin(nc, subjects)

        async def only_the_wanted_one_parked() -> bool:
            return [d.data for d in await admin.list()] == [b"wanted"]

        await eventually(only_the_wanted_one_parked, timeout=30, what="the wanted event delivered (and parked as unreadable)")
        info = await js.consumer_info(stream, DURABLE)
        assert info.num_pending == 0 and info.num_ack_pending == 0
        # Delivered: the wanted event (after the earlier one, for the consumer made before,
        # which kept its place); none of the five it does not react to.
        assert info.delivered.consumer_seq == (2 if made_before else 1)
    finally:
        await broker.stop()
        await nc.close()
