"""OpenTelemetry tracing, set up once per process, and the broker middleware that uses it."""

import os

from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler
from prometheus_client import REGISTRY

from shared.telemetry.redaction import Redacting, redact_logs
from shared.telemetry.subject_labels import prometheus_middleware

_provider: TracerProvider | None = None
_exporting = False


class _WhenExported(Sampler):
    """Record spans only once something collects them. Unrecorded spans still carry a
    real trace context, so events keep the traceparent of their request either way,
    and a platform nobody is tracing does not pay for building spans."""

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):  # type: ignore[no-untyped-def]
        return (ALWAYS_ON if _exporting else ALWAYS_OFF).should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "scrutiny: record when exported"


def _otlp_wanted() -> bool:
    env = os.environ
    exporters = {e.strip() for e in env.get("OTEL_TRACES_EXPORTER", "").split(",")}
    if "none" in exporters:
        return False
    return "otlp" in exporters or bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def setup_tracing(service: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the tracer provider for this process (idempotent).

    Spans go to `exporter` when given (tests use an in-memory one), over OTLP/HTTP when
    the standard variables name a collector (`OTEL_EXPORTER_OTLP_ENDPOINT`,
    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_TRACES_EXPORTER=otlp`; the exporter
    reads the other `OTEL_EXPORTER_OTLP_*` settings itself), to the console when
    SCRUTINY_TRACE_CONSOLE=1, and nowhere otherwise; through
    `Redacting` either way, and this process's log records are redacted too
    (`shared.telemetry.redaction`: what exceptions quote may be personal data).
    """
    global _provider, _exporting
    redact_logs()
    if _provider is None:
        _provider = TracerProvider(
            resource=Resource.create({"service.name": f"scrutiny-{service}"}), sampler=_WhenExported()
        )
        trace.set_tracer_provider(_provider)
        if os.environ.get("SCRUTINY_TRACE_CONSOLE") == "1":
            _provider.add_span_processor(BatchSpanProcessor(Redacting(ConsoleSpanExporter())))
            _exporting = True
        if _otlp_wanted():
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(Redacting(OTLPSpanExporter())))
            _exporting = True
    if exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(Redacting(exporter)))
        _exporting = True
    return _provider


def broker_middlewares(service: str) -> tuple[object, ...]:
    """Tracing and metrics for every message a service's broker sends or receives."""
    provider = setup_tracing(service)
    return (
        NatsTelemetryMiddleware(tracer_provider=provider),
        prometheus_middleware(REGISTRY, f"scrutiny-{service}"),
    )


def current_trace_context() -> dict[str, str]:
    """The W3C trace context of the active span, to store with the events it causes."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def links_to(carriers: list[dict[str, str]]) -> list[trace.Link]:
    """Span links to the traces stored with events: how a batch's span points back at
    each request that caused one of its events. None while nothing is exported: the batch's
    span is not recorded then, and a span not recorded keeps no links (extracting each event's
    context was a twentieth of the reporting process's CPU under load)."""
    if not _exporting:
        return []
    links = []
    for carrier in carriers:
        context = trace.get_current_span(propagate.extract(carrier)).get_span_context()
        if context.is_valid:
            links.append(trace.Link(context))
    return links
