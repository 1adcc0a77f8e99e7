"""What an exception quotes stays out of the logs and the spans.

Nothing in scrutiny logs a message's body or an event's payload. Exceptions, though,
can quote data: PostgreSQL's DETAIL repeats the row it refused ("Failing row contains
(…)", a conflicting key's value), and asyncpg puts it in the exception's text; pydantic's
validation errors repeat the value they refused (`input_value=…`). A projection that fails
on a row holding a practitioner's name would otherwise write the name into the log of
every retry, and into the span that records the exception.

So once per process (`redact_logs`, from the service host) every log record has those
parts withheld, whatever logger made it (faststream's own included), and every span
exporter is wrapped (`Redacting`, by `shared.telemetry.tracing`) so the exception events
and status of a span are withheld the same way. The rest of the error (its type, the
constraint, the table, the traceback) is kept: it is what an operator needs.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

WITHHELD = "(withheld from logs and traces: it may quote personal data)"
_QUOTES = (
    # asyncpg: message + "\nDETAIL:  " + detail [+ "\nHINT:  " + hint]; a detail may run over lines.
    (re.compile(r"DETAIL:  .*?(?=\nHINT:  |\n\n|\Z)", re.S), f"DETAIL:  {WITHHELD}"),
    # pydantic: "[type=string_type, input_value='…', input_type=str]"
    (re.compile(r"input_value=.*?, input_type=", re.S), f"input_value={WITHHELD}, input_type="),
)


def scrub(text: str) -> str:
    """`text` with the quoted data withheld."""
    if "DETAIL:  " not in text and "input_value=" not in text:
        return text
    for pattern, replacement in _QUOTES:
        text = pattern.sub(replacement, text)
    return text


def _redact(record: logging.LogRecord) -> None:
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if scrub(formatted) != formatted:
            record.exc_text = scrub(formatted)  # what Formatter.format prints instead of formatting it
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is the handler's to report
        return
    if scrub(message) != message:
        record.msg, record.args = scrub(message), None


_installed = False


def redact_logs() -> None:
    """Withhold quoted data from every log record this process makes (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _redact(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def _attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if attributes is None:
        return None
    return {k: scrub(v) if isinstance(v, str) else v for k, v in attributes.items()}


def _clean(span: ReadableSpan) -> ReadableSpan:
    status = span.status
    texts = [status.description or "", *(str(v) for e in span.events for v in (e.attributes or {}).values())]
    texts += [str(v) for v in (span.attributes or {}).values()]
    if all(scrub(t) == t for t in texts):
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_attributes(span.attributes),
        events=[Event(e.name, _attributes(e.attributes), e.timestamp) for e in span.events],
        links=span.links,
        kind=span.kind,
        status=Status(status.status_code, scrub(status.description)) if status.description else status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class Redacting(SpanExporter):
    """Wraps an exporter: spans leave with quoted data withheld from their attributes,
    events (the recorded exception's message and stack trace) and status."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([_clean(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
