"""What exceptions quote (PostgreSQL's DETAIL, pydantic's input values) is withheld from
the logs and from the spans that record them."""

import io
import logging

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, ValidationError

from shared.telemetry.redaction import WITHHELD, Redacting, redact_logs, scrub

NAME = "Marguerite Okonkwo-Fairbairn"


def _refused_row() -> asyncpg.CheckViolationError:
    error = asyncpg.CheckViolationError('new row for relation "s11_amendments" violates check constraint "poison"')
    error.detail = f"Failing row contains (9154c96a, 48, north-lincolnshire, Poisoned, {NAME},\nsecond line of it)."
    error.hint = "Check the projection."
    return error


def _invalid() -> ValidationError:
    class Answer(BaseModel):
        rating: int

    with pytest.raises(ValidationError) as caught:
        Answer.model_validate({"rating": NAME})
    return caught.value


def test_the_quoted_row_and_input_are_withheld_and_the_rest_kept() -> None:
    text = scrub(str(_refused_row()))
    assert NAME not in text and "second line" not in text
    assert text.startswith('new row for relation "s11_amendments" violates check constraint "poison"')
    assert f"DETAIL:  {WITHHELD}" in text and "HINT:  Check the projection." in text
    invalid = scrub(str(_invalid()))
    assert NAME not in invalid and "rating" in invalid and "int_parsing" in invalid
    assert scrub("nothing quoted here") == "nothing quoted here"


def test_a_logged_exception_and_message_do_not_quote_the_row() -> None:
    redact_logs()
    redact_logs()  # once is enough; twice changes nothing
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise _refused_row()
        except asyncpg.PostgresError as error:
            logger.exception("projection failed")
            logger.error("%s: %s", type(error).__name__, error)
        try:
            raise RuntimeError("parsing failed") from _invalid()
        except RuntimeError:
            logger.exception("reading failed")
    finally:
        logger.removeHandler(handler)
    logged = out.getvalue()
    assert NAME not in logged
    assert "Traceback" in logged and "CheckViolationError" in logged and "parsing failed" in logged
    assert logged.count(WITHHELD) >= 3


def test_a_span_recording_the_exception_leaves_without_the_row() -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Redacting(spans)))
    with pytest.raises(asyncpg.CheckViolationError), provider.get_tracer("test").start_as_current_span("project section11"):
        raise _refused_row()
    with provider.get_tracer("test").start_as_current_span("quiet", attributes={"scrutiny.events": 3}):
        pass
    failed, quiet = spans.get_finished_spans()
    exported = str(failed.to_json())
    assert NAME not in exported and "CheckViolationError" in exported and WITHHELD in exported
    assert failed.status.description is not None and NAME not in failed.status.description
    assert dict(quiet.attributes or {}) == {"scrutiny.events": 3}
