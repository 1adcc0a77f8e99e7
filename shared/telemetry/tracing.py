"""OpenTelemetry tracing, set up once per process, and the broker middleware that uses it."""

import os

from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from prometheus_client import REGISTRY

_provider: TracerProvider | None = None


def setup_tracing(service: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the tracer provider for this process (idempotent).

    Spans go to `exporter` when given (tests use an in-memory one), to the
    console when SCRUTINY_TRACE_CONSOLE=1, and nowhere otherwise.
    """
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": f"scrutiny-{service}"}))
        trace.set_tracer_provider(_provider)
    if exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif os.environ.get("SCRUTINY_TRACE_CONSOLE") == "1":
        _provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return _provider


def broker_middlewares(service: str) -> tuple[object, ...]:
    """Tracing and metrics for every message a service's broker sends or receives."""
    provider = setup_tracing(service)
    return (
        NatsTelemetryMiddleware(tracer_provider=provider),
        NatsPrometheusMiddleware(registry=REGISTRY, app_name=f"scrutiny-{service}"),
    )


def current_trace_context() -> dict[str, str]:
    """The W3C trace context of the active span, to store with the events it causes."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def links_to(carriers: list[dict[str, str]]) -> list[trace.Link]:
    """Span links to the traces stored with events: how a batch's span points back at
    each request that caused one of its events."""
    links = []
    for carrier in carriers:
        context = trace.get_current_span(propagate.extract(carrier)).get_span_context()
        if context.is_valid:
            links.append(trace.Link(context))
    return links
