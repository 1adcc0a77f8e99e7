"""Where every request a service receives is parsed, checked, handled and answered.

The row of the service's command table (shared/messaging/commands.py) says what the
subject carries and who may send it: the gateway parses the payload, checks the pinned
field against the sending agency and every other partnership the command touches
against what the sender may act in (shared/messaging/permissions.py), and calls the
row's handler with the sender recorded as the actor: the agency or the business unit, or
the person a verified `Scrutiny-Person` header names (shared/messaging/on_behalf.py).

Errors are mapped here and nowhere else: a refusal is answered with its code,
field and message and parked in the dead-letter stream with the original
bytes; an unexpected failure is parked too and answered without internals.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID, uuid4

from faststream.nats import NatsMessage
from pydantic import BaseModel

from shared.envelope import Envelope, Metadata
from shared.eventstore import ConcurrencyError, DuplicateEventIdError
from shared.eventstore.postgres import UNREACHABLE
from shared.eventstore.signing import ChainKey
from shared.messaging.commands import CommandRow, CommandTable, Handler, Sender
from shared.messaging.deadletters import REPLAY_OF_HEADER, DeadLetters
from shared.messaging.limits import AgencyLimits
from shared.messaging.on_behalf import person_actor, person_header, verify
from shared.messaging.permissions import Permissions
from shared.messaging.subjects import Subjects
from shared.refusals import Refusal, parse_message
from shared.telemetry.tracing import current_trace_context

log = logging.getLogger(__name__)

C = TypeVar("C", bound=BaseModel)

MAX_PAYLOAD_BYTES = 256 * 1024

# The database cannot be reached or is shutting down: answered as retryable, never parked.
UNAVAILABLE = UNREACHABLE


def accepted(envelopes: Sequence[Envelope], chain_key: ChainKey | None = None) -> dict[str, Any]:
    """The answer to an accepted command; with the platform's key, its receipt too: the
    events' positions and hashes, signed (docs/integrating.md, "Receipts")."""
    answer: dict[str, Any] = {
        "status": "accepted",
        "events": [
            {"event_id": str(e.event_id), "event_type": e.event_type, "stream_id": e.stream_id,
             "stream_version": e.stream_version, "position": e.position}
            for e in envelopes
        ],
    }
    if chain_key is not None and (receipt := chain_key.receipt(envelopes)) is not None:
        answer["receipt"] = receipt
    return answer


def refused(refusal: Refusal) -> dict[str, Any]:
    return {
        "status": "refused",
        "error": {"code": refusal.code, "field": refusal.field, "message": refusal.message},
    }


def _correlation_id(msg: NatsMessage) -> UUID:
    try:
        return UUID(str(msg.correlation_id))
    except ValueError:
        return uuid4()


class RequestGateway:
    def __init__(
        self,
        service: str,
        dead_letters: DeadLetters,
        table: CommandTable,
        permissions: Permissions | None = None,
        person_secret: bytes | None = None,
        limits: AgencyLimits | None = None,
        chain_key: ChainKey | None = None,
        *,
        in_lane: bool = False,
    ) -> None:
        self._service = service
        # True where a `CommandLane` (shared/messaging/lane.py) serves the table's agency rows
        # straight off the NATS client (a running service); faststream's subscribers then
        # only declare them for the contract.
        self.in_lane = in_lane
        self._dead_letters = dead_letters
        self.table = table
        self._permissions = permissions
        # Without it (a stand-in host) every request naming a person is refused.
        self._person_secret = person_secret
        # Each agency's fair share of this service (shared/messaging/limits.py).
        self.limits = limits
        # Signs each accepted command's receipt; None (a stand-in host): answers carry none.
        self._chain_key = chain_key

    def person(self, msg: NatsMessage) -> str | None | Refusal:
        """The person a `Scrutiny-Person` header names, verified for this subject and body;
        None without the header; the refusal when it does not verify."""
        header = person_header(msg.headers)
        if header is None:
            return None
        account_id = verify(self._person_secret or b"", header, msg.raw_message.subject, msg.body)
        if account_id is None:
            return Refusal("person_not_verified", "the person this request names could not be verified", None)
        return person_actor(account_id)

    async def handle(self, msg: NatsMessage, row: CommandRow[Any]) -> dict[str, Any]:
        """A request on the row's subject: `{ns}.{partnership}.cmd.{service}.{token}[.{agency}]`."""
        subject = msg.raw_message.subject
        agency = Subjects.token(subject, -1) if row.sender is Sender.AGENCY else None
        permissions = self._permissions
        reply = msg.reply_to
        if agency is not None and permissions is not None and reply and not permissions.answers_to(agency, reply):
            msg.reply_to = ""  # faststream sends the handler's answer to reply_to: to no one, then
            refusal = Refusal("reply_not_to_sender", "an agency's request is answered in its own inbox only", None)
            await self._dead_letters.park(subject, msg.body, refusal.code, str(refusal))
            return refused(refusal)
        person = self.person(msg)
        if isinstance(person, Refusal):
            replay_of = (msg.headers or {}).get(REPLAY_OF_HEADER)
            await self._dead_letters.park(subject, msg.body, person.code, str(person), replay_of=replay_of)
            return refused(person)

        def touched(command: BaseModel) -> None:  # only for a row naming other partnerships
            for partnership, field in row.touched(command):
                permissions.check(row.sender, agency, partnership, field)  # type: ignore[union-attr]

        def run() -> Any:
            return self.run(
                msg, row.command, row.handler, partnership_id=Subjects.token(subject, 1), actor=person or row.actor(agency),
                fields={row.pinned: agency} if row.pinned else None,
                check=touched if row.partnerships and permissions is not None else None,
            )

        if agency is None or self.limits is None:
            return await run()
        try:
            with self.limits.admit(agency):
                return await run()
        except Refusal as over:  # not bad input: answered, not parked; the same request may be sent again
            return refused(over)

    async def run(
        self,
        msg: NatsMessage,
        command_type: type[C],
        handler: Handler[C],
        *,
        partnership_id: str,
        actor: str,
        fields: dict[str, object] | None = None,
        check: Callable[[C], None] | None = None,
    ) -> dict[str, Any]:
        """Parse, check and handle one request, mapping every error to its answer."""
        subject = msg.raw_message.subject
        data: bytes = msg.body
        replay_of = (msg.headers or {}).get(REPLAY_OF_HEADER)
        try:
            if len(data) > MAX_PAYLOAD_BYTES:
                raise Refusal("too_large", f"the payload is {len(data)} bytes; the limit is {MAX_PAYLOAD_BYTES}")
            command = parse_message(command_type, data)
            for name, expected in (fields or {}).items():
                if getattr(command, name) != expected:
                    raise Refusal(
                        "identity_mismatch",
                        f"{name} is {getattr(command, name)!r} but the message came from {expected!r}",
                        field=name,
                    )
            if check is not None:
                check(command)
            metadata = Metadata(
                partnership_id=partnership_id,
                actor=actor,
                correlation_id=_correlation_id(msg),
                trace_context=current_trace_context(),
            )
            return accepted(await handler(command, metadata), self._chain_key)
        except DuplicateEventIdError:
            # The sender used this request id before for another record: its first answer
            # stands, and this one is refused rather than answered with that record's events.
            refusal = Refusal("request_id_reused", "this request id was already used for another request; send a new one", "request_id")
            await self._dead_letters.park(subject, data, refusal.code, str(refusal), replay_of=replay_of)
            return refused(refusal)
        except ConcurrencyError as conflict:
            # Not bad input: the same request sent again will be decided afresh.
            return refused(Refusal("conflict", f"{conflict}; send the same request again"))
        except UNAVAILABLE as outage:
            # Not bad input either: the database is away (restarting, failing over). The
            # sender resends the same request id; if this one was committed after all, the
            # resend is answered with the events it appended.
            log.warning("%s could not reach its store for %s: %r", self._service, subject, outage)
            return refused(Refusal("unavailable", "the service's store is unavailable; send the same request again"))
        except Refusal as refusal:
            await self._dead_letters.park(subject, data, refusal.code, str(refusal), replay_of=replay_of)
            return refused(refusal)
        except Exception as error:
            log.exception("%s failed to handle a message on %s", self._service, subject)
            await self._dead_letters.park(
                subject, data, "handler_failed", f"{type(error).__name__}: {error}", replay_of=replay_of
            )
            return refused(
                Refusal("internal_error", "the service could not process this message; it is kept for an operator to replay")
            )
