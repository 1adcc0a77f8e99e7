"""The operator's side of the dead-letter stream: list, show and replay parked messages.

A parked message is a stream message on `{ns}.{partnership}.dlq.{service}`: the
original bytes as its body, and headers naming the service, the original subject,
the error code and the reason (`shared.messaging.deadletters`).

Replaying re-sends the original bytes as a request to the original subject with a
`Scrutiny-Replay-Of: <sequence>` header and reports the reply. (One module, over 300 lines: list, show and replay share the paging
and header rules.) The rule for marking:

- Nothing is deleted. Every replay appends a *replay record* to the same stream, on
  `{ns}.{partnership}.dlq.{service}.replayed`: the reply as its body, headers naming
  the dead letter's sequence, the outcome and the error code. The dead letter and
  the history of what was done with it stay together, for an auditor to read.
- A dead letter is *replayed* once a record says its replay was `accepted` (the
  service accepted the command) or `republished` (an event went back into its
  stream; JetStream answered with its acknowledgement). `replay` skips replayed
  ones unless told `again`; replaying again is harmless all the same, because a
  command carries its request id and the service answers a resent request with
  the events it appended the first time.
- A replay refused again is reported and recorded (`refused`, with its code) but
  not parked a second time: the gateway sees the header and leaves the original
  dead letter as the one to fix. A replay nobody answered (`no_reply`) is recorded
  too, and the dead letter stays parked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.messaging.deadletters import (
    CODE_HEADER,
    REASON_HEADER,
    REPLAY_OF_HEADER,
    SERVICE_HEADER,
    SUBJECT_HEADER,
)
from shared.messaging.subjects import Subjects

REPLAYED_TOKEN = "replayed"
OUTCOME_HEADER = "Scrutiny-Replay-Outcome"
REPLAYED_AT_HEADER = "Scrutiny-Replayed-At"
# Outcomes that mark a dead letter as replayed.
DONE = frozenset({"accepted", "republished"})


@dataclass(frozen=True)
class ReplayRecord:
    sequence: int  # the record's own sequence in the stream
    of: int  # the dead letter's sequence
    outcome: str  # accepted, republished, refused, no_reply
    code: str | None
    time: datetime | None
    reply: bytes


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    subject: str  # where it is parked: {ns}.{partnership}.dlq.{service}
    service: str
    original_subject: str
    code: str
    reason: str
    time: datetime | None
    data: bytes
    headers: dict[str, str]
    replays: tuple[ReplayRecord, ...] = ()

    @property
    def partnership(self) -> str:
        return self.subject.split(".")[1]

    @property
    def replayed(self) -> bool:
        return any(r.outcome in DONE for r in self.replays)

    @property
    def status(self) -> str:
        if self.replayed:
            return "replayed"
        if self.replays:
            last = self.replays[-1]
            return f"parked (replay {last.outcome}{': ' + last.code if last.code else ''})"
        return "parked"

    def pretty(self) -> str:
        """The original bytes: indented JSON when they are JSON, else as text (or their repr)."""
        try:
            return json.dumps(json.loads(self.data), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):
            try:
                return self.data.decode()
            except UnicodeDecodeError:
                return repr(self.data)


@dataclass(frozen=True)
class Filter:
    service: str | None = None
    code: str | None = None
    partnership: str | None = None
    sequences: frozenset[int] = frozenset()
    include_replayed: bool = True

    def matches(self, letter: DeadLetter) -> bool:
        return (
            (self.service is None or letter.service == self.service)
            and (self.code is None or letter.code == self.code)
            and (self.partnership is None or letter.partnership == self.partnership)
            and (not self.sequences or letter.sequence in self.sequences)
            and (self.include_replayed or not letter.replayed)
        )


@dataclass(frozen=True)
class ReplayResult:
    letter: DeadLetter
    outcome: str
    code: str | None
    reply: dict[str, Any] | None
    record: int | None = None  # sequence of the replay record written

    @property
    def done(self) -> bool:
        return self.outcome in DONE


@dataclass
class DeadLetterAdmin:
    nc: Client
    subjects: Subjects
    # Messages a fetch asks for: a dead letter holds up to 1 MB (the server's largest
    # payload), so a page stays far below the client's 64 MB of pending bytes however
    # large the dead letters are (256 a page overflowed it once, and listing timed out).
    page: int = 32
    _js: Any = field(init=False)

    def __post_init__(self) -> None:
        self._js = self.nc.jetstream()

    @classmethod
    async def connect(cls, nats_url: str, subjects: Subjects) -> DeadLetterAdmin:
        servers = [url.strip() for url in nats_url.split(",")]  # a cluster's seeds, as the services take them
        return cls(await nats.connect(servers, connect_timeout=5, max_reconnect_attempts=3), subjects)

    async def close(self) -> None:
        await self.nc.close()

    @property
    def stream(self) -> str:
        return self.subjects.deadletter_stream

    # -- reading ---------------------------------------------------------------------------

    async def _messages(self, subject: str) -> list[Any]:
        """Every message of the stream on `subject`, read by a short-lived consumer."""
        try:
            await self._js.stream_info(self.stream)
        except NotFoundError:
            return []
        sub = await self._js.pull_subscribe(
            subject,
            stream=self.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
                mem_storage=True,
                inactive_threshold=60.0,
            ),
        )
        try:
            remaining = (await sub.consumer_info()).num_pending
            messages: list[Any] = []
            while remaining > 0:
                batch = await sub.fetch(min(remaining, self.page), timeout=5)
                messages += batch
                remaining -= len(batch)
            return messages
        finally:
            await sub.unsubscribe()

    async def _records(self, partnership: str, service: str) -> dict[int, list[ReplayRecord]]:
        records: dict[int, list[ReplayRecord]] = {}
        for msg in await self._messages(f"{self.subjects.namespace}.{partnership}.dlq.{service}.{REPLAYED_TOKEN}"):
            record = _record(msg)
            records.setdefault(record.of, []).append(record)
        return records

    async def list(self, where: Filter = Filter()) -> list[DeadLetter]:
        """Parked messages matching `where`, oldest first, each with its replay records."""
        partnership = where.partnership or "*"
        service = where.service or "*"
        records = await self._records(partnership, service)
        letters = [
            _letter(msg, records.get(msg.metadata.sequence.stream, []))
            for msg in await self._messages(f"{self.subjects.namespace}.{partnership}.dlq.{service}")
        ]
        return [letter for letter in letters if where.matches(letter)]

    async def show(self, sequence: int) -> DeadLetter:
        """One dead letter by its stream sequence (KeyError if there is none)."""
        try:
            raw = await self._js.get_msg(self.stream, sequence)
        except NotFoundError:
            raise KeyError(sequence) from None
        headers = dict(raw.headers or {})
        tokens = (raw.subject or "").split(".")
        if len(tokens) != 4 or SUBJECT_HEADER not in headers:
            raise KeyError(sequence)  # a replay record, not a dead letter
        records = await self._records(tokens[1], tokens[3])
        return _letter_from(sequence, raw.subject, raw.time, raw.data or b"", headers, records.get(sequence, []))

    # -- replaying -------------------------------------------------------------------------

    async def replay(
        self, letters: Iterable[DeadLetter], *, again: bool = False, timeout: float = 10.0  # noqa: ASYNC109
    ) -> list[ReplayResult]:
        """Re-send each dead letter's original bytes to its original subject, one by one,
        and record the outcome. Replayed ones are skipped unless `again`."""
        results = []
        for letter in letters:
            if letter.replayed and not again:
                continue
            results.append(await self._replay_one(letter, timeout))
        return results

    async def _replay_one(self, letter: DeadLetter, timeout: float) -> ReplayResult:  # noqa: ASYNC109
        reply: dict[str, Any] | None = None
        body = b""
        try:
            answer = await self.nc.request(
                letter.original_subject,
                letter.data,
                timeout=timeout,
                headers={REPLAY_OF_HEADER: str(letter.sequence)},
            )
            body = answer.data
            outcome, code, reply = _classify(answer.data)
        except (TimeoutError, NatsTimeout, NoRespondersError):
            outcome, code = "no_reply", None
        headers = {
            REPLAY_OF_HEADER: str(letter.sequence),
            OUTCOME_HEADER: outcome,
            REPLAYED_AT_HEADER: datetime.now(UTC).isoformat(),
            SERVICE_HEADER: letter.service,
            SUBJECT_HEADER: letter.original_subject,
        }
        if code:
            headers[CODE_HEADER] = code
        ack = await self._js.publish(f"{letter.subject}.{REPLAYED_TOKEN}", body, stream=self.stream, headers=headers)
        return ReplayResult(letter, outcome, code, reply, ack.seq)


def _classify(data: bytes) -> tuple[str, str | None, dict[str, Any] | None]:
    try:
        reply = json.loads(data)
    except ValueError:
        return "refused", "unreadable_reply", None
    if not isinstance(reply, dict):
        return "refused", "unreadable_reply", None
    status = reply.get("status")
    if status in ("accepted", "ok"):
        return "accepted", None, reply
    if status == "refused":
        return "refused", (reply.get("error") or {}).get("code"), reply
    if "stream" in reply and "seq" in reply:  # JetStream's acknowledgement: an event went back in
        return "republished", None, reply
    if "error" in reply:  # JetStream refused the publish
        return "refused", f"jetstream_{(reply['error'] or {}).get('err_code', 'error')}", reply
    return "refused", "unreadable_reply", reply


def _record(msg: Any) -> ReplayRecord:
    headers = dict(msg.headers or {})
    return ReplayRecord(
        sequence=msg.metadata.sequence.stream,
        of=int(headers.get(REPLAY_OF_HEADER, 0)),
        outcome=headers.get(OUTCOME_HEADER, "unknown"),
        code=headers.get(CODE_HEADER),
        time=msg.metadata.timestamp,
        reply=msg.data or b"",
    )


def _letter(msg: Any, replays: list[ReplayRecord]) -> DeadLetter:
    return _letter_from(
        msg.metadata.sequence.stream, msg.subject, msg.metadata.timestamp, msg.data or b"", dict(msg.headers or {}), replays
    )


def _letter_from(
    sequence: int, subject: str, time: datetime | None, data: bytes, headers: dict[str, str], replays: list[ReplayRecord]
) -> DeadLetter:
    return DeadLetter(
        sequence=sequence,
        subject=subject,
        service=headers.get(SERVICE_HEADER, subject.split(".")[-1]),
        original_subject=headers.get(SUBJECT_HEADER, ""),
        code=headers.get(CODE_HEADER, ""),
        reason=headers.get(REASON_HEADER, ""),
        time=time,
        data=data,
        headers=headers,
        replays=tuple(sorted(replays, key=lambda r: r.sequence)),
    )
