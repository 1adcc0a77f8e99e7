"""Traces out by OTLP: each service, run as `scrutiny up` runs it, exports its spans to a
real OTLP receiver process over the standard `OTEL_EXPORTER_OTLP_ENDPOINT`, and one trace
runs from an agency's request through the section11 service (its store and relay) into
reporting's projection. Redaction still applies."""

import json
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest

from services.platform.supervisor import Platform
from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.waiting import eventually
from tests.support.platform import CYCLE, PARTNERSHIP
from tests.support.platform import test_settings as settings_for
from tests.support.returns import answers
from tests.support.today import today

pytestmark = pytest.mark.e2e

POLICE = "humberside-police"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    out = tmp_path / "spans.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.otlp_receiver", str(out)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        port = int(process.stdout.readline())  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}", out
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
async def traced_platform(
    nats_url: str, database: str, namespace: str, tmp_path: Path, receiver: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver[0])
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")  # batches leave every 0.2 s, not 5 s
    settings = settings_for(nats_url, database, namespace).model_copy(update={"data_dir": tmp_path / "platform"})
    platform = await Platform(settings).start()
    try:
        yield platform
    finally:
        platform.stop()


def _spans(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


async def test_a_request_is_one_trace_from_the_agency_to_the_projection(traced_platform: Platform, receiver: tuple[str, Path]) -> None:
    subjects = Subjects(traced_platform.settings.namespace)
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    nc = await nats.connect(traced_platform.servers.nats_url)
    try:
        opened = {"request_id": str(uuid4()), "cycle_id": CYCLE, "opened_on": today().isoformat()}
        reply = await nc.request(subjects.operator_command("section11", "open-cycle", PARTNERSHIP), json.dumps(opened).encode(), timeout=30)
        assert json.loads(reply.data)["status"] == "accepted"
        body = {
            "request_id": str(uuid4()), "agency_id": POLICE, "cycle_id": CYCLE,
            "answers": answers(load_builtin(PARTNERSHIP)), "submitted_by": "Safeguarding lead (invented)",
        }
        reply = await nc.request(
            subjects.agency_command("section11", "submit", PARTNERSHIP, POLICE), json.dumps(body).encode(), timeout=30,
            headers={"traceparent": f"00-{trace_id}-{parent}-01"},
        )
        assert json.loads(reply.data)["status"] == "accepted"
    finally:
        await nc.close()

    def traced() -> bool:
        spans = _spans(receiver[1])
        handled = [s for s in spans if s["trace_id"] == trace_id and s["service"] == "scrutiny-section11"]
        projected = [s for s in spans if s["service"] == "scrutiny-reporting" and trace_id in (s["trace_id"], *s["links"])]
        return bool(handled and projected)

    await eventually(traced, timeout=120, what="the request's trace in section11 and reporting")
    spans = _spans(receiver[1])
    # The agency's request handled in section11 (its append and the reply) under the caller's trace...
    [handled] = [s for s in spans if s["trace_id"] == trace_id and s["name"].endswith(f".submit.{POLICE} process")]
    assert handled["parent_span_id"] == parent
    # ...and the projection of what it appended, which the relay published, linked back to it.
    assert any(s["name"] == "project section11" and trace_id in s["links"] for s in spans)
    assert {s["service"] for s in spans} >= {"scrutiny-section11", "scrutiny-reporting"}
    assert "Safeguarding lead" not in receiver[1].read_text()  # no payload leaves in a span
