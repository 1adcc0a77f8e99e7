"""`scrutiny up` gives each service process its own /metrics, /healthz and /readyz,
records where in runtime.json, and with SCRUTINY_LOG_FORMAT=json every service logs JSON
lines carrying the trace ids of the request they belong to."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import nats
import pytest

from services.platform.supervisor import Platform
from services.runner import BOOTSTRAPS
from shared.waiting import eventually
from tests.support.platform import test_settings as settings_for
from tests.support.scrape import get, samples, value

pytestmark = pytest.mark.e2e


@pytest.fixture
async def json_logged(
    nats_url: str, database: str, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    monkeypatch.setenv("SCRUTINY_LOG_FORMAT", "json")
    monkeypatch.setenv("SCRUTINY_LOG_LEVEL", "DEBUG")
    settings = settings_for(nats_url, database, namespace).model_copy(update={"data_dir": tmp_path})
    platform = await Platform(settings).start()
    try:
        yield platform
    finally:
        platform.stop()


async def test_each_process_serves_metrics_and_logs_json_lines(json_logged: Platform) -> None:
    runtime = json.loads((json_logged.data_dir / "runtime.json").read_text())
    urls = runtime["metrics"]
    assert sorted(urls) == sorted(BOOTSTRAPS) and len(set(urls.values())) == len(BOOTSTRAPS)
    for name, url in urls.items():
        assert (await get(f"{url}/healthz"))[0] == 200
        await eventually(lambda url=url: _ready(url), what=f"{name} to be ready")
        status, text = await get(f"{url}/metrics")
        assert status == 200 and "scrutiny_requests_total" in text and "scrutiny_metrics_sample_failures_total" in text

    # A request refused as bad input: the section11 process counts it and logs about it.
    nc = await nats.connect(json_logged.servers.nats_url)
    try:
        subject = f"{json_logged.settings.namespace}.north-lincolnshire.cmd.section11.open-cycle"
        reply = json.loads((await nc.request(subject, json.dumps({"request_id": str(uuid4())}).encode(), timeout=10)).data)
    finally:
        await nc.close()
    assert reply["status"] == "refused"

    async def counted() -> bool:
        text = (await get(f"{urls['section11']}/metrics"))[1]
        return 'command="open-cycle"' in text and 'outcome="invalid"' in text

    await eventually(counted, what="the refused request counted by the section11 process")
    for name, url in urls.items():  # each process may read what it samples (its own PostgreSQL role)
        scraped = samples((await get(f"{url}/metrics"))[1])
        failures = [(ls, v) for _, n, ls, v in scraped if n == "scrutiny_metrics_sample_failures_total"]
        assert failures and all(v == 0 for _, v in failures), (name, failures)
    reporting = samples((await get(f"{urls['reporting']}/metrics"))[1])
    assert value(reporting, "scrutiny_projection_lag_events", projection="reporting", source="section11") is not None

    logs = json_logged.data_dir / "logs"
    for name in BOOTSTRAPS:
        lines = [line for line in (logs / f"{name}.log").read_text().splitlines() if line.strip()]
        assert lines, name
        assert not [line for line in lines if not _json_object(line)], name  # every line is one JSON object
        records = [json.loads(line) for line in lines]
        assert all({"time", "level", "service", "logger", "message", "trace_id", "span_id"} <= set(r) for r in records)
        assert {r["service"] for r in records} == {name}
    section11 = [json.loads(line) for line in (logs / "section11.log").read_text().splitlines() if line.strip()]
    parked = [r for r in section11 if "dead-lettered" in r["message"]]
    assert parked and all(len(r["trace_id"]) == 32 and len(r["span_id"]) == 16 for r in parked)


async def _ready(url: str) -> bool:
    status, body = await get(f"{url}/readyz")
    return status == 200 and json.loads(body)["ready"] is True


def _json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
