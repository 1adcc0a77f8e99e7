"""The request gateway, driven through faststream's in-memory NATS test broker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.nats import NatsBroker, TestNatsBroker

from services.section11.domain.commands import SubmitSelfAssessment
from services.section11.entrypoints.nats import build_router
from services.section11.handlers import Section11Handlers
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.messaging import gateway as gateway_module
from shared.messaging.deadletters import (
    CODE_HEADER,
    REASON_HEADER,
    SERVICE_HEADER,
    SUBJECT_HEADER,
    DeadLetters,
)
from shared.messaging.gateway import RequestGateway
from shared.messaging.subjects import Subjects
from shared.partnerships import Partnerships
from shared.profiles import load_builtin

NL = "north-lincolnshire"
AGENCY = "nlc-housing"
SUBJECTS = Subjects("t")
SUBJECT = SUBJECTS.agency_command("section11", "submit", NL, AGENCY)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Parked:
    subject: str
    data: bytes
    code: str
    reason: str


class RecordingDeadLetters(DeadLetters):
    """Keeps what would have been parked instead of publishing it to JetStream."""

    def __init__(self) -> None:
        super().__init__(js=None, subjects=SUBJECTS, service="section11")  # type: ignore[arg-type]
        self.parked: list[Parked] = []

    async def park(self, original_subject: str, data: bytes, code: str, reason: str) -> None:
        self.parked.append(Parked(original_subject, data, code, reason))


@dataclass
class Rig:
    broker: NatsBroker
    dead_letters: RecordingDeadLetters
    store: InMemoryEventStore
    seen: list[tuple[SubmitSelfAssessment, Metadata]]

    async def request(self, body: bytes, subject: str = SUBJECT, **kwargs: Any) -> dict[str, Any]:
        reply = await self.broker.request(body, subject, **kwargs)
        return json.loads(reply.body)


def build_rig(handler: Any | None = None) -> tuple[NatsBroker, RecordingDeadLetters, InMemoryEventStore, list[Any]]:
    clock = ManualClock(T0)
    store = InMemoryEventStore("section11", clock=clock)
    handlers = Section11Handlers(store, Partnerships({NL: load_builtin(NL)}), clock)
    seen: list[tuple[SubmitSelfAssessment, Metadata]] = []

    async def recording(command: SubmitSelfAssessment, metadata: Metadata) -> list[Envelope]:
        seen.append((command, metadata))
        return await handlers.submit_self_assessment(command, metadata)

    dead_letters = RecordingDeadLetters()
    gateway = RequestGateway("section11", dead_letters, {SubmitSelfAssessment: handler or recording})
    broker = NatsBroker()
    broker.include_router(build_router(SUBJECTS, gateway))
    return broker, dead_letters, store, seen


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    broker, dead_letters, store, seen = build_rig()
    async with TestNatsBroker(broker) as br:
        yield Rig(br, dead_letters, store, seen)


def body(**overrides: Any) -> bytes:
    document: dict[str, Any] = {
        "request_id": str(uuid4()),
        "agency_id": AGENCY,
        "cycle_id": "2026",
        "domain_ratings": {"culture-and-challenge": 1, "leadership-and-governance": 3},
        "submitted_by": "lead",
    }
    return json.dumps(document | overrides).encode()


async def test_an_accepted_submission_replies_with_its_events(rig: Rig) -> None:
    reply = await rig.request(body())
    assert reply["status"] == "accepted"
    events = reply["events"]
    assert [e["event_type"] for e in events] == ["SubmissionReceived", "RiskFlagged"]
    stored = await rig.store.read_all()
    assert [e["event_id"] for e in events] == [str(e.event_id) for e in stored]
    assert [e["position"] for e in events] == [1, 2]
    assert [e["stream_version"] for e in events] == [1, 2]
    assert {e["stream_id"] for e in events} == {f"s11-return:{NL}:{AGENCY}:2026"}
    assert rig.dead_letters.parked == []


async def test_identity_comes_from_the_subject(rig: Rig) -> None:
    await rig.request(body())
    [(command, metadata)] = rig.seen
    assert command.agency_id == AGENCY
    assert metadata.partnership_id == NL
    assert metadata.actor == f"agency:{AGENCY}"


async def test_a_uuid_correlation_id_is_carried_into_the_events(rig: Rig) -> None:
    correlation = uuid4()
    await rig.request(body(), correlation_id=str(correlation))
    [(_, metadata)] = rig.seen
    assert metadata.correlation_id == correlation
    [stored, *_] = await rig.store.read_all()
    assert stored.correlation_id == correlation


async def test_a_non_uuid_correlation_id_is_replaced(rig: Rig) -> None:
    await rig.request(body(), correlation_id="not-a-uuid")
    [(_, metadata)] = rig.seen
    assert isinstance(metadata.correlation_id, UUID)


async def test_resending_a_request_replies_with_the_same_events(rig: Rig) -> None:
    data = body(domain_ratings={"culture-and-challenge": 3})
    first = await rig.request(data)
    second = await rig.request(data)
    assert first == second
    assert await rig.store.head() == 1


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        (b"{not json", "invalid_json", None),
        (b"\xff\xfe\x00", "invalid_json", None),
        (b'["a", "list"]', "invalid_json", None),
        (body(domain_ratings={"no-such-domain": 3}), "unknown_domain", "domain_ratings.no-such-domain"),
        (body(domain_ratings={"culture-and-challenge": 9}), "rating_off_scale", "domain_ratings.culture-and-challenge"),
        (body(agency_id="nlc-public-health"), "identity_mismatch", "agency_id"),
        (body(domain_ratings={}), "invalid_field", "domain_ratings"),
        (body(unexpected="x"), "invalid_field", "unexpected"),
        (body(request_id="nope"), "invalid_field", "request_id"),
    ],
)
async def test_a_refused_message_is_answered_and_parked_once_with_its_bytes(
    rig: Rig, data: bytes, code: str, field: str | None
) -> None:
    reply = await rig.request(data)
    assert reply["status"] == "refused"
    assert reply["error"]["code"] == code
    assert reply["error"]["field"] == field
    assert reply["error"]["message"]
    [parked] = rig.dead_letters.parked
    assert parked.data == data
    assert parked.code == code
    assert parked.subject == SUBJECT
    assert parked.reason.startswith(code)
    assert await rig.store.head() == 0


@pytest.mark.parametrize("data", [b"[" * 100_000, b"1" * 5000], ids=["deep-nesting", "huge-integer"])
async def test_a_payload_json_cannot_decode_is_refused_and_parked(rig: Rig, data: bytes) -> None:
    reply = await rig.request(data)
    assert reply["error"]["code"] == "invalid_json"
    assert [p.data for p in rig.dead_letters.parked] == [data]


async def test_identity_mismatch_names_both_agencies(rig: Rig) -> None:
    reply = await rig.request(body(agency_id="nlc-public-health"))
    message = reply["error"]["message"]
    assert "nlc-public-health" in message and AGENCY in message
    assert rig.seen == []


async def test_an_unknown_partnership_is_refused(rig: Rig) -> None:
    subject = SUBJECTS.agency_command("section11", "submit", "nowhere", AGENCY)
    reply = await rig.request(body(), subject)
    assert reply["error"]["code"] == "unknown_partnership"
    [parked] = rig.dead_letters.parked
    assert parked.subject == subject


async def test_an_oversized_payload_is_refused(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway_module, "MAX_PAYLOAD_BYTES", 64)
    data = body()
    reply = await rig.request(data)
    assert reply["error"]["code"] == "too_large"
    assert [p.data for p in rig.dead_letters.parked] == [data]


async def test_a_failing_handler_is_an_internal_error_and_parked() -> None:
    async def broken(command: SubmitSelfAssessment, metadata: Metadata) -> list[Envelope]:
        raise RuntimeError("database on fire at 10.0.0.7")

    broker, dead_letters, store, _ = build_rig(broken)
    data = body()
    async with TestNatsBroker(broker) as br:
        reply = json.loads((await br.request(data, SUBJECT)).body)
    assert reply["status"] == "refused"
    assert reply["error"]["code"] == "internal_error"
    assert reply["error"]["field"] is None
    assert "10.0.0.7" not in reply["error"]["message"]  # no internals in the reply
    [parked] = dead_letters.parked
    assert parked.code == "handler_failed"
    assert parked.data == data
    assert parked.reason == "RuntimeError: database on fire at 10.0.0.7"
    assert await store.head() == 0


# -- the real DeadLetters.park, against a fake JetStream -------------------------------------


class FakeJetStream:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> None:
        self.published.append({"subject": subject, "payload": payload, **kwargs})


async def test_park_publishes_the_original_bytes_with_reason_headers() -> None:
    js = FakeJetStream()
    dead_letters = DeadLetters(js, SUBJECTS, "section11")  # type: ignore[arg-type]
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
    await DeadLetters(js, SUBJECTS, "section11").park(subject, b"x", "c", "r")  # type: ignore[arg-type]
    assert js.published[0]["subject"] == "t._.dlq.section11"


async def test_park_truncates_a_long_reason() -> None:
    js = FakeJetStream()
    await DeadLetters(js, SUBJECTS, "section11").park(SUBJECT, b"x", "c", "r" * 5000)  # type: ignore[arg-type]
    assert len(js.published[0]["headers"][REASON_HEADER]) == 1024
