"""The dead-letter stream: bad input is kept with its reason, never dropped."""

import logging

from nats.js import JetStreamContext

from shared.messaging.subjects import Subjects
from shared.telemetry.metrics import dead_lettered

log = logging.getLogger(__name__)

REASON_HEADER = "Scrutiny-Reason"
CODE_HEADER = "Scrutiny-Error-Code"
SUBJECT_HEADER = "Scrutiny-Original-Subject"
SERVICE_HEADER = "Scrutiny-Service"
# Set by `scrutiny deadletters replay` on the request it re-sends: the dead letter's sequence.
REPLAY_OF_HEADER = "Scrutiny-Replay-Of"


def _header_safe(text: str, limit: int = 1024) -> str:
    # NATS headers are single lines of UTF-8 (a lone surrogate would fail the publish);
    # the full original bytes are the message body.
    text = text.encode("utf-8", "backslashreplace").decode()
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:limit]


class DeadLetters:
    def __init__(self, js: JetStreamContext, subjects: Subjects, service: str) -> None:
        self._js = js
        self._subjects = subjects
        self._service = service

    async def park(
        self, original_subject: str, data: bytes, code: str, reason: str, *, replay_of: str | None = None
    ) -> None:
        if replay_of:
            # A replay refused again is answered to the operator replaying it; its dead
            # letter is still parked, so a second copy would only be noise.
            log.warning("replay of dead letter %s from %s refused again: %s", replay_of, original_subject, code)
            return
        headers = {
            REASON_HEADER: _header_safe(reason),
            CODE_HEADER: code,
            SUBJECT_HEADER: original_subject,
            SERVICE_HEADER: self._service,
        }
        tokens = original_subject.split(".")
        partnership = tokens[1] if len(tokens) > 2 and tokens[0] == self._subjects.namespace else "_"
        await self._js.publish(
            self._subjects.deadletter(self._service, partnership),
            data,
            stream=self._subjects.deadletter_stream,
            headers=headers,
        )
        dead_lettered(self._service, code)
        log.warning("dead-lettered a message from %s: %s", original_subject, code)
