"""Events read from a JetStream stream by a consumer (projections, reactions).

A message on an event subject that this code cannot read (not JSON, not an
envelope, an event type the catalogue does not know, a schema version newer
than the code or with no upcaster) can never become readable by being
delivered again. Left unacknowledged it would come back every `ack_wait` for
ever, taking the messages fetched with it along. So it is parked in the
dead-letter stream with its reason and acknowledged, and the rest of the
batch goes on. An operator replays it (`scrutiny deadletters replay`) once a
consumer that reads it is deployed.

What fails *after* an event was read (a database away, a projection's bug) is
not poison: it is left unacknowledged and redelivered, because skipping a
stored fact would make the read model differ from the store.
"""

import json
from collections.abc import Sequence
from typing import Any, Protocol

from nats.aio.msg import Msg

from shared.catalogue import UnknownEventType, event_class
from shared.envelope import Envelope
from shared.mapper import from_body
from shared.messaging.deadletters import DeadLetters
from shared.personal_data import sealed_at_most
from shared.refusals import Refusal


class Opener(Protocol):
    """Opens a batch's personal texts for a consumer that shows them (reporting's read
    models): in the parsed JSON, before each event is built, where it can; then, built, the
    rest (`shared.projections.opening.Opener`)."""

    async def payloads(self, payloads: list[tuple[str, int, Any, int | None, int]]) -> list[bool]: ...

    async def envelopes(self, envelopes: list[Envelope]) -> list[Envelope]: ...


def read_event(data: bytes) -> Envelope:
    """The envelope in a wire message, or a `Refusal` saying why it cannot be read (the
    message's JSON parsed once, for the checks and the envelope alike)."""
    return _built(_checked(data))


def _checked(data: bytes) -> dict[str, Any]:
    """The message's parsed body, once it is a JSON envelope of an event type and version this
    code reads; else a `Refusal` saying why not."""
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise Refusal("invalid_json", f"the event is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise Refusal("invalid_event", "the event must be a JSON object (an envelope)")
    event_type, version = body.get("event_type"), body.get("schema_version")
    if not isinstance(event_type, str) or not isinstance(version, int):
        raise Refusal("invalid_event", "the envelope has no event_type (text) and schema_version (integer)")
    try:
        known = event_class(event_type).schema_version
    except UnknownEventType as error:
        raise Refusal("unknown_event_type", str(error), field="event_type") from None
    if version > known:
        raise Refusal(
            "unsupported_schema_version",
            f"{event_type} v{version} is newer than this consumer knows (v{known})",
            field="schema_version",
        )
    return body


def _built(body: dict[str, Any]) -> Envelope:
    try:
        return from_body(body)
    except Exception as error:  # no upcaster, payload or envelope not matching its schema
        raise Refusal("invalid_event", f"{type(error).__name__}: {error}") from None


async def readable(
    raws: Sequence[Msg], dead_letters: DeadLetters, *, wanted: set[str] | None = None, opener: Opener | None = None
) -> list[tuple[Msg, Envelope]]:
    """The batch's readable events; the unreadable ones are parked and acknowledged.

    With `wanted`, events of other types (the subject's last token) are acknowledged
    unread: a consumer does not park what it would have ignored anyway. With `opener`, the
    events come with their personal texts opened: in the JSON as parsed, so each is
    validated into its model once (opened after it was built, it was validated, dumped and
    validated again: a quarter of the reporting process's CPU)."""
    bodies: list[tuple[Msg, dict[str, Any]]] = []
    for raw in raws:
        if wanted is not None and raw.subject.rsplit(".", 1)[-1] not in wanted:
            await raw.ack()
            continue
        try:
            bodies.append((raw, _checked(raw.data)))
        except Refusal as refusal:
            await _park(dead_letters, raw, refusal)
    opened = [False] * len(bodies)
    if opener is not None and bodies:
        opened = await opener.payloads([
            # The whole message's count of the sealed prefix bounds its payload's.
            (b["event_type"], b["schema_version"], b.get("payload"), sealed_at_most(raw.data),
             b.get("position") if type(b.get("position")) is int else 0)
            for raw, b in bodies
        ])
    events: list[tuple[Msg, Envelope]] = []
    still_sealed: list[int] = []  # where in events one built before it could be opened is
    for (raw, body), was_opened in zip(bodies, opened, strict=True):
        try:
            envelope = _built(body)
        except Refusal as refusal:
            # Refused as it arrived: an error built from opened texts could quote them.
            await _park(dead_letters, raw, _refusal_of(raw.data) if was_opened else refusal)
            continue
        if opener is not None and not was_opened:
            still_sealed.append(len(events))
        events.append((raw, envelope))
    if opener is not None and still_sealed:
        reopened = await opener.envelopes([events[i][1] for i in still_sealed])
        for i, envelope in zip(still_sealed, reopened, strict=True):
            events[i] = (events[i][0], envelope)
    return events


async def _park(dead_letters: DeadLetters, raw: Msg, refusal: Refusal) -> None:
    await dead_letters.park(raw.subject, raw.data, refusal.code, str(refusal))
    await raw.ack()


def _refusal_of(data: bytes) -> Refusal:
    """Why the message, as it arrived (its texts sealed), cannot be read."""
    try:
        read_event(data)
    except Refusal as refusal:
        return refusal
    return Refusal("invalid_event", "the event could not be read once its texts were opened")
