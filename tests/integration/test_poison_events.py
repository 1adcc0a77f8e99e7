"""Events nobody can read, on the streams the projections and reactions consume: each is
parked with its reason and acknowledged, and the events behind it keep flowing.

Before `shared.messaging.inbound`, the reporting consumer and the reactions decoded each
batch with `from_wire` and raised on the first unreadable message: nothing of the batch
after it was acknowledged, JetStream redelivered it every `ack_wait` for ever, and a
reaction never ran for the events fetched with it.
"""

import json
from uuid import uuid4

import pytest
from nats.js import JetStreamContext

from shared.messaging.deadletter_admin import DeadLetterAdmin, Filter
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

# Durable consumers and the stream each reads.
CONSUMERS = {
    "reporting-section11": "section11",
    "events-reacts-to-section11": "section11",
    "reporting-events": "events",
    "reviews-reacts-to-events": "events",
}


async def all_acknowledged(platform: RunningPlatform, js: JetStreamContext) -> bool:
    for durable, source in CONSUMERS.items():
        stream = platform.subjects.stream(source)
        info = await js.consumer_info(stream, durable)
        last = (await js.stream_info(stream)).state.last_seq
        if info.num_pending or info.num_ack_pending:
            return False
        # A reaction's consumer is filtered to the types it reacts to: its floor is the last of those.
        if not info.config.filter_subjects and info.ack_floor.stream_seq != last:
            return False
    return True


async def test_unreadable_events_are_parked_acknowledged_and_the_rest_flows(platform: RunningPlatform) -> None:
    subjects = platform.subjects
    js = platform.nc.jetstream()
    assert (await platform.open_cycle())["status"] == "accepted"
    opened = await eventually(
        lambda: js.get_msg(subjects.stream("section11"), 1), what="the cycle's event on the stream",
        ignore=(Exception,),
    )
    envelope = json.loads(opened.data)

    def forged(**changes: object) -> bytes:
        return json.dumps(envelope | {"event_id": str(uuid4())} | changes).encode()

    poison = [
        (subjects.event(PARTNERSHIP, "section11", "CycleTeleported"), forged(event_type="CycleTeleported")),
        (subjects.event(PARTNERSHIP, "section11", "AuditCycleOpened"), forged(schema_version=99)),
        (subjects.event(PARTNERSHIP, "section11", "CallInProposed"), b"{not json"),  # events reacts to these
        (subjects.event(PARTNERSHIP, "events", "ActionAgreed"), b'{"event_type": "ActionAgreed", "schema_version": 1}'),
    ]
    for subject, data in poison:
        await js.publish(subject, data)

    # Real traffic behind the poison: three returns, one so low it proposes a call-in.
    assert (await platform.submit("humberside-police", {"culture-and-challenge": 1}))["status"] == "accepted"
    assert (await platform.submit("east-midlands-ambulance-service"))["status"] == "accepted"
    assert (await platform.submit("nlc-housing"))["status"] == "accepted"

    async def projected_and_reacted() -> bool:
        submissions = await platform.count("SELECT count(*) FROM reporting.s11_submissions")
        call_ins = await platform.count("SELECT count(*) FROM events.events WHERE stream_id LIKE '%call-in%'")
        return submissions == 3 and call_ins >= 1

    await eventually(projected_and_reacted, timeout=30, what="reporting and the call-in reaction to get past the poison")
    await eventually(lambda: all_acknowledged(platform, js), timeout=30, what="every consumer to acknowledge everything")

    admin = DeadLetterAdmin(platform.nc, subjects)
    parked = {(d.service, d.original_subject.rsplit(".", 1)[-1], d.code) for d in await admin.list()}
    assert parked == {
        ("reporting", "CycleTeleported", "unknown_event_type"),
        ("reporting", "AuditCycleOpened", "unsupported_schema_version"),
        ("reporting", "CallInProposed", "invalid_json"),
        ("reporting", "ActionAgreed", "invalid_event"),
        ("events", "CallInProposed", "invalid_json"),
        ("reviews", "ActionAgreed", "invalid_event"),
    }
    assert len(await admin.list()) == 6  # each once: acknowledged, never redelivered and parked again
    [newer] = await admin.list(Filter(code="unsupported_schema_version"))
    assert "v99 is newer than this consumer knows" in newer.reason
    assert newer.data == poison[1][1]  # the original bytes

    # Replaying an event puts it back on its stream (JetStream acknowledges it); a consumer
    # that still cannot read it parks it again, under a new sequence.
    [result] = await admin.replay(await admin.list(Filter(code="unknown_event_type")))
    assert result.outcome == "republished" and result.reply["stream"] == subjects.stream("section11")
    await eventually(
        lambda: _count(admin, Filter(service="reporting", code="unknown_event_type"), 2),
        what="the republished event parked again by reporting",
    )


async def _count(admin: DeadLetterAdmin, where: Filter, expected: int) -> bool:
    return len(await admin.list(where)) == expected
