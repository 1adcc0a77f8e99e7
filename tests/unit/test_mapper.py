"""The mapper: envelopes to and from wire messages and stored rows, with upcasting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.catalogue import UnknownEventType, event_class, upcast
from shared.catalogue.base import DomainEvent
from shared.catalogue.registry import registered, upcaster
from shared.catalogue.section11 import RiskFlagged, SubmissionReceived
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.mapper import (
    EVENT_TYPE_HEADER,
    MSG_ID_HEADER,
    from_row,
    from_wire,
    new_envelopes,
    parse_event,
    to_wire,
)
from tests.support.rows import row_of

T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
TRACE = {
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "tracestate": "congo=t61rcWkgMzE",
}


# A throwaway event, only for these tests: v1 had `old_name`, v2 renamed it to `name`.
@registered
class UnitTestThingHappened(DomainEvent):
    event_type = "UnitTestThingHappened"
    schema_version = 2
    thing_id: str
    name: str


@upcaster("UnitTestThingHappened", from_version=1)
def _rename_old_name(payload: dict[str, Any]) -> dict[str, Any]:
    payload = dict(payload)
    payload["name"] = payload.pop("old_name")
    return payload


# Another, at v3 with an upcaster from v2 only: v1 payloads cannot be brought up to date.
@registered
class UnitTestGapHappened(DomainEvent):
    event_type = "UnitTestGapHappened"
    schema_version = 3
    value: int


@upcaster("UnitTestGapHappened", from_version=2)
def _two_to_three(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


def metadata(**overrides: Any) -> Metadata:
    values: dict[str, Any] = {
        "partnership_id": "north-lincolnshire",
        "actor": "agency:nlc-housing",
        "correlation_id": uuid4(),
        "causation_id": uuid4(),
        "trace_context": TRACE,
    }
    return Metadata(**(values | overrides))


def submission(**overrides: Any) -> SubmissionReceived:
    values: dict[str, Any] = {
        "submission_id": "s-1",
        "agency_id": "nlc-housing",
        "cycle_id": "2026",
        "domain_ratings": {"leadership-and-governance": 2, "culture-and-challenge": 4},
        "submitted_by": "Designated safeguarding lead",
    }
    return SubmissionReceived(**(values | overrides))


async def committed(*events: DomainEvent, meta: Metadata | None = None) -> list[Envelope]:
    store = InMemoryEventStore("section11", clock=ManualClock(T0 + timedelta(seconds=3)))
    envelopes = new_envelopes("s11-return:x", 0, list(events), meta or metadata(), T0)
    return await store.append("s11-return:x", 0, envelopes)



# -- new_envelopes ------------------------------------------------------------------------


def test_new_envelopes_number_versions_after_expected_and_carry_metadata() -> None:
    meta = metadata()
    events = [submission(), submission(submission_id="s-2")]
    ids = [uuid4(), uuid4()]
    envelopes = new_envelopes("stream-a", 3, events, meta, T0, ids)
    assert [e.stream_version for e in envelopes] == [4, 5]
    assert [e.event_id for e in envelopes] == ids
    for envelope, event in zip(envelopes, events, strict=True):
        assert envelope.event is event
        assert envelope.event_type == "SubmissionReceived"
        assert envelope.schema_version == type(envelope.event).schema_version
        assert envelope.occurred_at == T0
        assert envelope.metadata == meta
        assert envelope.position is None and envelope.hash is None and envelope.store is None


def test_new_envelopes_refuse_a_wrong_number_of_ids() -> None:
    with pytest.raises(ValueError):
        new_envelopes("stream-a", 0, [submission()], metadata(), T0, [uuid4(), uuid4()])


# -- wire ---------------------------------------------------------------------------------


async def test_wire_round_trip_preserves_every_field() -> None:
    [envelope] = await committed(submission())
    body, _ = to_wire(envelope)
    back = from_wire(body)
    assert back == envelope
    assert back.model_dump() == envelope.model_dump()
    assert isinstance(back.event, SubmissionReceived)


async def test_wire_round_trip_without_causation_or_trace() -> None:
    [envelope] = await committed(submission(), meta=metadata(causation_id=None, trace_context={}))
    back = from_wire(to_wire(envelope)[0])
    assert back == envelope
    assert back.causation_id is None and back.trace_context == {}


async def test_wire_headers_carry_message_id_event_type_and_trace_context() -> None:
    [envelope] = await committed(submission())
    _, headers = to_wire(envelope)
    assert headers[MSG_ID_HEADER] == str(envelope.event_id)
    assert headers[EVENT_TYPE_HEADER] == "SubmissionReceived"
    assert headers["traceparent"] == TRACE["traceparent"]
    assert headers["tracestate"] == TRACE["tracestate"]


async def test_wire_body_is_compact_json_with_payload_not_event() -> None:
    [envelope] = await committed(submission())
    body, _ = to_wire(envelope)
    document = json.loads(body)
    assert "event" not in document
    assert document["payload"] == envelope.payload()
    assert document["event_id"] == str(envelope.event_id)
    assert b'", "' not in body and b'": ' not in body


# -- rows ---------------------------------------------------------------------------------


async def test_row_round_trip_preserves_every_field() -> None:
    envelopes = await committed(
        submission(),
        RiskFlagged(
            agency_id="nlc-housing",
            cycle_id="2026",
            domain_id="leadership-and-governance",
            rating=2,
            reason="self-assessed Requires improvement (2)",
        ),
    )
    for envelope in envelopes:
        back = from_row(row_of(envelope), "section11")
        assert back == envelope
        assert back.model_dump() == envelope.model_dump()


async def test_row_with_already_decoded_json_columns() -> None:
    [envelope] = await committed(submission())
    row = row_of(envelope) | {
        "payload": envelope.payload(),
        "trace_context": dict(envelope.trace_context),
    }
    assert from_row(row, "section11") == envelope


async def test_row_with_null_trace_context_reads_as_empty() -> None:
    [envelope] = await committed(submission(), meta=metadata(trace_context={}))
    row = row_of(envelope) | {"trace_context": None}
    assert from_row(row, "section11").trace_context == {}


async def test_row_names_the_store_it_came_from() -> None:
    [envelope] = await committed(submission())
    assert from_row(row_of(envelope), "elsewhere").store == "elsewhere"


# -- catalogue and upcasting --------------------------------------------------------------


def test_event_class_knows_the_catalogue() -> None:
    assert event_class("SubmissionReceived") is SubmissionReceived
    assert event_class("UnitTestThingHappened") is UnitTestThingHappened


def test_unknown_event_type_raises() -> None:
    with pytest.raises(UnknownEventType) as raised:
        parse_event("NoSuchThingHappened", 1, {})
    assert raised.value.event_type == "NoSuchThingHappened"
    with pytest.raises(UnknownEventType):
        event_class("NoSuchThingHappened")


def test_declaring_an_event_type_twice_is_refused() -> None:
    class Impostor(DomainEvent):
        event_type = "SubmissionReceived"

    with pytest.raises(ValueError, match="declared twice"):
        registered(Impostor)
    # registering the same class again is harmless
    assert registered(SubmissionReceived) is SubmissionReceived


def test_stored_v1_payload_is_upcast_into_the_v2_class() -> None:
    event = parse_event("UnitTestThingHappened", 1, {"thing_id": "t-1", "old_name": "widget"})
    assert isinstance(event, UnitTestThingHappened)
    assert event == UnitTestThingHappened(thing_id="t-1", name="widget")


def test_current_version_payload_is_parsed_as_is() -> None:
    event = parse_event("UnitTestThingHappened", 2, {"thing_id": "t-1", "name": "widget"})
    assert event == UnitTestThingHappened(thing_id="t-1", name="widget")


def test_upcast_does_not_mutate_the_stored_payload() -> None:
    stored = {"thing_id": "t-1", "old_name": "widget"}
    upcast("UnitTestThingHappened", 1, stored)
    assert stored == {"thing_id": "t-1", "old_name": "widget"}


def test_a_newer_version_than_known_is_refused() -> None:
    with pytest.raises(ValueError, match="newer than this code knows"):
        parse_event("UnitTestThingHappened", 3, {"thing_id": "t-1", "name": "widget"})


def test_a_v1_payload_is_not_parsed_without_upcasting() -> None:
    # extra="forbid": the old field name is never silently accepted by the new class
    with pytest.raises(ValueError):
        UnitTestThingHappened.model_validate({"thing_id": "t-1", "old_name": "widget"})


def test_a_missing_upcaster_is_reported() -> None:
    assert parse_event("UnitTestGapHappened", 2, {"value": 1}) == UnitTestGapHappened(value=1)
    with pytest.raises(ValueError, match="no upcaster for UnitTestGapHappened from v1"):
        parse_event("UnitTestGapHappened", 1, {"value": 1})


def _v1_row() -> dict[str, Any]:
    return {
        "position": 7,
        "event_id": UUID("6f1c1f9e-8a51-4bd5-9a3c-0d8b8f1b2a10"),
        "event_type": "UnitTestThingHappened",
        "schema_version": 1,
        "stream_id": "thing:north-lincolnshire:t-1",
        "stream_version": 1,
        "partnership_id": "north-lincolnshire",
        "actor": "operator",
        "occurred_at": T0,
        "recorded_at": T0,
        "correlation_id": uuid4(),
        "causation_id": None,
        "trace_context": "{}",
        "payload": json.dumps({"thing_id": "t-1", "old_name": "widget"}),
        "prev_hash": bytes(32),
        "hash": bytes(range(32)),
    }


def test_a_stored_v1_row_reads_as_the_v2_event() -> None:
    envelope = from_row(_v1_row(), "things")
    assert envelope.event == UnitTestThingHappened(thing_id="t-1", name="widget")
    assert envelope.prev_hash == "00" * 32
    assert envelope.hash == bytes(range(32)).hex()


def test_an_upcast_row_relayed_to_the_wire_reads_back() -> None:
    envelope = from_row(_v1_row(), "things")
    body, _ = to_wire(envelope)
    assert from_wire(body).event == UnitTestThingHappened(thing_id="t-1", name="widget")


def test_the_relay_builds_the_same_message_straight_from_the_row() -> None:
    from shared.mapper import row_to_wire

    row = _v1_row()
    fast_body, fast_headers = row_to_wire(row, "things")
    decoded = from_wire(fast_body)
    assert decoded == from_row(row, "things")
    assert fast_headers[MSG_ID_HEADER] == str(row["event_id"])
