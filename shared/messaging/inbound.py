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

from nats.aio.msg import Msg

from shared.catalogue import UnknownEventType, event_class
from shared.envelope import Envelope
from shared.mapper import from_body
from shared.messaging.deadletters import DeadLetters
from shared.refusals import Refusal


def read_event(data: bytes) -> Envelope:
    """The envelope in a wire message, or a `Refusal` saying why it cannot be read (the
    message's JSON parsed once, for the checks and the envelope alike)."""
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
    try:
        return from_body(body)
    except Exception as error:  # no upcaster, payload or envelope not matching its schema
        raise Refusal("invalid_event", f"{type(error).__name__}: {error}") from None


async def readable(
    raws: Sequence[Msg], dead_letters: DeadLetters, *, wanted: set[str] | None = None
) -> list[tuple[Msg, Envelope]]:
    """The batch's readable events; the unreadable ones are parked and acknowledged.

    With `wanted`, events of other types (the subject's last token) are acknowledged
    unread: a consumer does not park what it would have ignored anyway."""
    events: list[tuple[Msg, Envelope]] = []
    for raw in raws:
        if wanted is not None and raw.subject.rsplit(".", 1)[-1] not in wanted:
            await raw.ack()
            continue
        try:
            events.append((raw, read_event(raw.data)))
        except Refusal as refusal:
            await dead_letters.park(raw.subject, raw.data, refusal.code, str(refusal))
            await raw.ack()
    return events
