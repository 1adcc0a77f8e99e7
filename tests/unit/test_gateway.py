"""The request gateway and the Section 11 subscribers, driven on both brokers: faststream's
in-memory NATS test broker (its subscribers serve every row) and a real nats-server (the
session's embedded one), where the agency rows are served by a `CommandLane` on the
broker's connection, as in a running service; refused messages go to the real
DeadLetters over a fake JetStream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.nats import NatsBroker, TestNatsBroker
from nats.js import JetStreamContext

from services.section11.domain.commands import SubmitReturn
from services.section11.entrypoints.nats import build_router
from services.section11.handlers import Section11Handlers
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore import ConcurrencyError
from shared.eventstore.memory import InMemoryEventStore
from shared.messaging.deadletters import (
    CODE_HEADER,
    REASON_HEADER,
    SERVICE_HEADER,
    SUBJECT_HEADER,
    DeadLetters,
)
from shared.messaging.gateway import MAX_PAYLOAD_BYTES, RequestGateway
from shared.messaging.lane import CommandLane
from shared.messaging.routing import service_broker
from shared.messaging.subjects import Subjects
from shared.partnerships import Partnerships
from shared.profiles import load_builtin
from tests.support.returns import answers

NL = "north-lincolnshire"
PROFILE = load_builtin(NL)
AGENCY = "nlc-housing"
CYCLE = "2026-27"
SUBJECTS = Subjects("t")
SUBJECT = SUBJECTS.agency_command("section11", "submit", NL, AGENCY)
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
RETURN = f"s11-return:{NL}:{AGENCY}:{CYCLE}"
WAIT = 30.0  # seconds a reply may take on a real server on a loaded machine (a deadline, not a sleep)


class FakeJetStream(JetStreamContext):
    """Keeps what would have been published to JetStream."""

    def __init__(self) -> None:  # no connection: nothing is sent anywhere
        self.published: list[dict[str, Any]] = []

    async def publish(self, subject: str, payload: bytes = b"", **kwargs: Any) -> Any:  # type: ignore[override]
        self.published.append({"subject": subject, "payload": payload, **kwargs})


@dataclass(frozen=True)
class Parked:
    subject: str
    data: bytes
    headers: dict[str, str]

    @property
    def code(self) -> str:
        return self.headers[CODE_HEADER]

    @property
    def reason(self) -> str:
        return self.headers[REASON_HEADER]


Handler = Any


@dataclass
class Rig:
    broker: NatsBroker
    js: FakeJetStream
    store: InMemoryEventStore
    seen: list[tuple[Any, Metadata]]

    async def request(self, data: bytes, subject: str = SUBJECT, **kwargs: Any) -> dict[str, Any]:
        reply = await self.broker.request(data, subject, **({"timeout": WAIT} | kwargs))
        return json.loads(reply.body)

    @property
    def parked(self) -> list[Parked]:
        return [Parked(m["subject"], m["payload"], m["headers"]) for m in self.js.published]


def build(
    handler: Handler | None = None, servers: str = "nats://localhost:4222", lanes: list[CommandLane] | None = None
) -> tuple[NatsBroker, FakeJetStream, InMemoryEventStore, list[Any]]:
    clock = ManualClock(T0)
    store = InMemoryEventStore("section11", clock=clock)
    handlers = Section11Handlers(store, Partnerships({NL: PROFILE}), clock)
    seen: list[tuple[Any, Metadata]] = []

    async def recording(command: Any, metadata: Metadata) -> list[Envelope]:
        seen.append((command, metadata))
        return await handlers.submit(command, metadata)

    js = FakeJetStream()
    table = handlers.commands().with_handler(SubmitReturn, handler or recording)
    gateway = RequestGateway("section11", DeadLetters(js, SUBJECTS, "section11"), table, in_lane=lanes is not None)
    if lanes is not None:
        lanes.append(CommandLane(gateway, SUBJECTS))
    broker = service_broker("section11", servers)
    broker.include_router(build_router(SUBJECTS, gateway))
    return broker, js, store, seen


async def open_cycle(broker: NatsBroker) -> dict[str, Any]:
    data = json.dumps({"request_id": str(uuid4()), "cycle_id": CYCLE, "opened_on": "2026-09-01"}).encode()
    return json.loads((await broker.request(data, SUBJECTS.operator_command("section11", "open-cycle", NL), timeout=WAIT)).body)


@dataclass
class Backend:
    """The in-memory test broker, or the real nats-server a broker connects to (with the
    agency rows served by a lane)."""

    servers: str | None
    lanes: list[CommandLane] = field(default_factory=list)

    def build(self, handler: Handler | None = None) -> tuple[NatsBroker, FakeJetStream, InMemoryEventStore, list[Any]]:
        if self.servers is None:
            return build(handler)
        return build(handler, self.servers, self.lanes)

    @asynccontextmanager
    async def running(self, broker: NatsBroker) -> AsyncIterator[NatsBroker]:
        if self.servers is None:
            async with TestNatsBroker(broker) as br:
                yield br
            return
        await broker.connect()
        lanes, self.lanes = self.lanes, []
        try:
            await broker.start()
            for lane in lanes:
                await lane.start(broker.connection)
            yield broker
        finally:
            for lane in lanes:
                await lane.stop()
            await broker.stop()


@pytest.fixture(params=["memory", "nats"])
def on(request: pytest.FixtureRequest) -> Backend:
    return Backend(None if request.param == "memory" else request.getfixturevalue("nats_url"))


@pytest.fixture
async def rig(on: Backend) -> AsyncIterator[Rig]:
    broker, js, store, seen = on.build()
    async with on.running(broker) as br:
        assert (await open_cycle(br))["status"] == "accepted"
        yield Rig(br, js, store, seen)


def document(**overrides: Any) -> dict[str, Any]:
    return {
        "request_id": str(uuid4()),
        "agency_id": AGENCY,
        "cycle_id": CYCLE,
        "answers": answers(PROFILE, {"culture-and-challenge": 2}),
        "submitted_by": "Safeguarding lead (invented)",
    } | overrides


def body(**overrides: Any) -> bytes:
    return json.dumps(document(**overrides)).encode()


def with_answer(standard: str, answer: Any) -> bytes:
    return body(answers=answers(PROFILE) | {standard: answer})


async def test_an_accepted_submission_replies_with_its_events(rig: Rig) -> None:
    reply = await rig.request(body())
    assert reply["status"] == "accepted"
    events = reply["events"]
    assert [e["event_type"] for e in events] == ["SubmissionReceived", "RiskFlagged"]
    opened, *stored = await rig.store.read_all()
    assert [e["event_id"] for e in events] == [str(e.event_id) for e in stored]
    assert [e["position"] for e in events] == [2, 3] == [e.position for e in stored]
    assert [e["stream_version"] for e in events] == [1, 2]
    assert {e["stream_id"] for e in events} == {RETURN}
    assert rig.parked == []


async def test_an_operator_command_acts_as_the_business_unit(rig: Rig) -> None:
    [opened] = await rig.store.read_all()
    assert (opened.event_type, opened.actor, opened.partnership_id) == ("AuditCycleOpened", "business-unit", NL)


async def test_identity_comes_from_the_subject(rig: Rig) -> None:
    await rig.request(body())
    [(command, metadata)] = rig.seen
    assert isinstance(command, SubmitReturn)
    assert command.agency_id == AGENCY
    assert metadata.partnership_id == NL
    assert metadata.actor == f"agency:{AGENCY}"


async def test_a_uuid_correlation_id_is_carried_into_the_events(rig: Rig) -> None:
    correlation = uuid4()
    await rig.request(body(), correlation_id=str(correlation))
    [(_, metadata)] = rig.seen
    assert metadata.correlation_id == correlation
    stored = await rig.store.read_stream(RETURN)
    assert stored and all(e.correlation_id == correlation for e in stored)


async def test_a_non_uuid_correlation_id_is_replaced(rig: Rig) -> None:
    await rig.request(body(), correlation_id="not-a-uuid")
    [(_, metadata)] = rig.seen
    assert isinstance(metadata.correlation_id, UUID)


async def test_resending_a_request_replies_with_the_same_events(rig: Rig) -> None:
    data = body()
    first = await rig.request(data)
    second = await rig.request(data)
    assert first["status"] == "accepted"
    assert first == second
    assert await rig.store.head() == 3


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        (b"{not json", "invalid_json", None),
        (b"\xff\xfe\x00", "invalid_json", None),
        (b'["a", "list"]', "invalid_json", None),
        (b"", "invalid_json", None),
        (with_answer("astrology", {"rating": 3}), "unknown_standard", "answers.astrology"),
        (with_answer("rw-training", {"rating": 9}), "rating_off_scale", "answers.rw-training.rating"),
        (with_answer("rw-training", {"rating": "good"}), "invalid_field", "answers.rw-training.rating"),
        (with_answer("rw-training", {"rating": 3.0}), "invalid_field", "answers.rw-training.rating"),
        (with_answer("rw-training", {"rating": 3, "mood": "sunny"}), "invalid_field", "answers.rw-training.mood"),
        (with_answer("Not A Slug", {"rating": 3}), "invalid_field", "answers.Not A Slug.[key]"),
        (body(answers={"lg-senior-lead": {"rating": 3}}), "missing_standard", "answers.lg-accountability"),
        (body(answers=[1, 2]), "invalid_field", "answers"),
        (body(agency_id="nlc-public-health"), "identity_mismatch", "agency_id"),
        (body(cycle_id="1999-00"), "unknown_cycle", "cycle_id"),
        (
            body(also_submit_to=[{"partnership_id": "atlantis", "cycle_id": CYCLE}]),
            "unknown_partnership", "also_submit_to[0].partnership_id",
        ),
        (body(unexpected="x"), "invalid_field", "unexpected"),
        (body(request_id="nope"), "invalid_field", "request_id"),
        (json.dumps({k: v for k, v in document().items() if k != "submitted_by"}).encode(), "invalid_field", "submitted_by"),
    ],
)
async def test_a_refused_message_is_answered_and_parked_once_with_its_bytes_and_reason(
    rig: Rig, data: bytes, code: str, field: str | None
) -> None:
    reply = await rig.request(data)
    assert reply["status"] == "refused"
    assert reply["error"]["code"] == code
    assert reply["error"]["field"] == field
    assert reply["error"]["message"]
    [parked] = rig.parked
    assert parked.subject == SUBJECTS.deadletter("section11", NL) == f"t.{NL}.dlq.section11"
    assert parked.data == data
    assert parked.code == code
    assert parked.reason.startswith(f"{code} ({field}): " if field else f"{code}: ")
    assert parked.headers[SUBJECT_HEADER] == SUBJECT
    assert parked.headers[SERVICE_HEADER] == "section11"
    assert rig.js.published[0]["stream"] == "T_DEADLETTER"
    assert await rig.store.head() == 1  # only the cycle's opening


@pytest.mark.parametrize("data", [b"[" * 100_000, b"1" * 5000], ids=["deep-nesting", "huge-integer"])
async def test_a_payload_json_cannot_decode_is_refused_and_parked(rig: Rig, data: bytes) -> None:
    reply = await rig.request(data)
    assert reply["error"]["code"] == "invalid_json"
    assert [p.data for p in rig.parked] == [data]


async def test_identity_mismatch_names_both_agencies(rig: Rig) -> None:
    reply = await rig.request(body(agency_id="nlc-public-health"))
    message = reply["error"]["message"]
    assert "nlc-public-health" in message and AGENCY in message
    assert rig.seen == []


async def test_an_unknown_partnership_is_refused(rig: Rig) -> None:
    subject = SUBJECTS.agency_command("section11", "submit", "nowhere", AGENCY)
    data = body()
    reply = await rig.request(data, subject)
    assert (reply["error"]["code"], reply["error"]["field"]) == ("unknown_partnership", "partnership_id")
    [parked] = rig.parked
    assert (parked.subject, parked.headers[SUBJECT_HEADER], parked.data) == ("t.nowhere.dlq.section11", subject, data)


async def test_an_oversized_payload_is_refused_and_one_at_the_limit_is_not(rig: Rig) -> None:
    data = body()
    at_limit = data + b" " * (MAX_PAYLOAD_BYTES - len(data))  # still a valid JSON document
    assert len(at_limit) == MAX_PAYLOAD_BYTES
    over = at_limit + b" "
    reply = await rig.request(over)
    assert (reply["status"], reply["error"]["code"], reply["error"]["field"]) == ("refused", "too_large", None)
    assert str(MAX_PAYLOAD_BYTES) in reply["error"]["message"]
    assert [(p.data, p.code) for p in rig.parked] == [(over, "too_large")]
    assert rig.seen == []
    assert (await rig.request(at_limit))["status"] == "accepted"


async def test_a_failing_handler_is_an_internal_error_and_parked(on: Backend) -> None:
    async def broken(command: SubmitReturn, metadata: Metadata) -> list[Envelope]:
        raise RuntimeError("database on fire at 10.0.0.7")

    broker, js, store, _ = on.build(broken)
    data = body()
    async with on.running(broker) as br:
        await open_cycle(br)
        reply = json.loads((await br.request(data, SUBJECT, timeout=WAIT)).body)
    assert reply["status"] == "refused"
    assert reply["error"]["code"] == "internal_error"
    assert reply["error"]["field"] is None
    assert "10.0.0.7" not in reply["error"]["message"]  # no internals in the reply
    [parked] = js.published
    assert parked["headers"][CODE_HEADER] == "handler_failed"
    assert parked["payload"] == data
    assert parked["headers"][REASON_HEADER] == "RuntimeError: database on fire at 10.0.0.7"
    assert await store.head() == 1


async def test_a_conflict_is_refused_as_retryable_and_not_parked(on: Backend) -> None:
    conflicts = [ConcurrencyError(RETURN, 0, 1)]
    real: list[Any] = []

    async def contended(command: SubmitReturn, metadata: Metadata) -> list[Envelope]:
        if conflicts:
            raise conflicts.pop()
        return await real[0].submit(command, metadata)

    broker, js, store, _ = on.build(contended)
    real.append(Section11Handlers(store, Partnerships({NL: PROFILE}), ManualClock(T0)))
    data = body()
    async with on.running(broker) as br:
        await open_cycle(br)
        first = json.loads((await br.request(data, SUBJECT, timeout=WAIT)).body)
        assert first["status"] == "refused"
        assert (first["error"]["code"], first["error"]["field"]) == ("conflict", None)
        assert "send the same request again" in first["error"]["message"]
        assert js.published == []  # not bad input: nothing for an operator to replay
        assert await store.head() == 1
        again = json.loads((await br.request(data, SUBJECT, timeout=WAIT)).body)
    assert again["status"] == "accepted"
    assert [e["event_type"] for e in again["events"]] == ["SubmissionReceived", "RiskFlagged"]


# -- the real DeadLetters.park, against a fake JetStream -------------------------------------


async def test_park_publishes_the_original_bytes_with_reason_headers() -> None:
    js = FakeJetStream()
    dead_letters = DeadLetters(js, SUBJECTS, "section11")
    await dead_letters.park(SUBJECT, b"\x00raw", "invalid_json", "invalid_json: bad\nthing\r\n  here")
    [message] = js.published
    assert message["subject"] == SUBJECTS.deadletter("section11", NL) == f"t.{NL}.dlq.section11"
    assert message["stream"] == "T_DEADLETTER"
    assert message["payload"] == b"\x00raw"
    headers = message["headers"]
    assert headers[CODE_HEADER] == "invalid_json"
    assert headers[REASON_HEADER] == "invalid_json: bad thing here"
    assert headers[SUBJECT_HEADER] == SUBJECT
    assert headers[SERVICE_HEADER] == "section11"


@pytest.mark.parametrize("subject", ["elsewhere.north-lincolnshire.cmd.x", "t", "t.only"])
async def test_park_files_foreign_subjects_under_no_partnership(subject: str) -> None:
    js = FakeJetStream()
    await DeadLetters(js, SUBJECTS, "section11").park(subject, b"x", "c", "r")
    assert js.published[0]["subject"] == "t._.dlq.section11"


async def test_park_truncates_a_long_reason() -> None:
    js = FakeJetStream()
    await DeadLetters(js, SUBJECTS, "section11").park(SUBJECT, b"x", "c", "r" * 5000)
    assert len(js.published[0]["headers"][REASON_HEADER]) == 1024


def test_a_nul_character_is_refused_naming_the_field() -> None:
    from services.section11.domain.commands import SubmitReturn
    from shared.refusals import Refusal, parse_message

    data = b'{"agency_id": "nlc-housing", "answers": {"lg-senior-lead": {"rating": 3, "narrative": "a\\u0000b"}}}'
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitReturn, data)
    assert (raised.value.code, raised.value.field) == ("invalid_field", "answers.lg-senior-lead.narrative")


@pytest.mark.parametrize("character", ["\\u202e", "\\u2066", "\\u200b", "\\ufeff", "\\u2060", "\u202e", "\ufeff", "\u200b"])
def test_a_text_direction_override_or_invisible_space_is_refused_naming_the_field(character: str) -> None:
    """Security review, low: a name written right to left by an override, or two names told
    apart only by an invisible space, read other than they are. Escaped (\\u202e) or written
    in UTF-8: a message in plain ASCII with no escape is the only one not searched."""
    from services.section11.domain.commands import SubmitReturn
    from shared.refusals import Refusal, parse_message

    data = f'{{"agency_id": "nlc-housing", "submitted_by": "Jane{character} Smith"}}'.encode()
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitReturn, data)
    assert (raised.value.code, raised.value.field) == ("invalid_field", "submitted_by")
    joined = parse_message(SubmitReturn, body(submitted_by="\u0646\u0645\u200c\u06cc\u200d"))  # ZWNJ, ZWJ: a script needs them
    assert joined.submitted_by == "\u0646\u0645\u200c\u06cc\u200d"
