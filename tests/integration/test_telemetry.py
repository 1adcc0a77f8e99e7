"""A projection's span belongs to the trace of the request that caused the event."""

import json
from uuid import UUID

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.tracing import setup_tracing
from shared.waiting import eventually
from tests.support.platform import RunningPlatform

pytestmark = pytest.mark.integration


async def test_the_projection_span_links_to_the_request(platform: RunningPlatform) -> None:
    spans = InMemorySpanExporter()
    setup_tracing("tests", exporter=spans)
    await platform.open_cycle()
    reply = await platform.submit("humberside-police")
    event_id = UUID(reply["events"][0]["event_id"])
    stored = json.loads(
        await platform.pool.fetchval("SELECT trace_context FROM section11.events WHERE event_id = $1", event_id)
    )
    trace_id = int(stored["traceparent"].split("-")[1], 16)

    def projection_spans() -> list[str]:
        return [
            s.name for s in spans.get_finished_spans()
            if any(link.context.trace_id == trace_id for link in s.links)
        ]

    names = await eventually(projection_spans, what="a projection span linked to the request's trace")
    assert names == ["project section11"]
