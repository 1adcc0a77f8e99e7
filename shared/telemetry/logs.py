"""How a service process logs: readable lines, or JSON lines with the trace ids.

`SCRUTINY_LOG_FORMAT=json` makes each record one JSON object on one line: `time` (UTC,
ISO 8601), `level`, `service`, `logger`, `message`, `trace_id` and `span_id` (of the
OpenTelemetry span current when the record was made, hex, as a tracing backend shows
them; null outside any span) and, when there is one, `exception` (the traceback). A log
shipper reads it without parsing free text, and an operator goes from a line to its trace.

The redaction of quoted personal data (`shared.telemetry.redaction`) applies either way:
it works on the records themselves, before any formatter, and the message and traceback
written here are passed through `scrub` once more.
"""

import json
import logging
import sys
from datetime import UTC, datetime

from opentelemetry import trace

from shared.telemetry.redaction import redact_logs, scrub

FORMATS = ("text", "json")


class JsonLines(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "trace_id": f"{context.trace_id:032x}" if context.is_valid else None,
            "span_id": f"{context.span_id:016x}" if context.is_valid else None,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = scrub(record.exc_text)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


_json: JsonLines | None = None  # set when this process logs JSON lines


def configure_logging(service: str, level: str = "INFO", fmt: str = "text") -> None:
    """This process's root handler: text lines, or JSON lines (`fmt="json"`); redacted."""
    global _json
    if fmt not in FORMATS:
        raise SystemExit(f"SCRUTINY_LOG_FORMAT is {fmt!r}; one of {', '.join(FORMATS)}")
    redact_logs()
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        _json = JsonLines(service)
        handler.setFormatter(_json)
        logging.captureWarnings(True)  # a library's warnings as records too, not bare lines
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    adopt_handlers()


def adopt_handlers() -> None:
    """With JSON lines, every handler the libraries gave their own loggers writes them too
    (faststream's, made with the broker; uvicorn's, made with the front door's server):
    called once they exist. Does nothing with text lines."""
    if _json is None:
        return
    for logger in list(logging.root.manager.loggerDict.values()):
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler):
                handler.setFormatter(_json)
