"""Every service serves the metrics an operator watches, with bounded labels, and its
health and readiness; the dashboard and alert rules in deploy/ name only what is served.

The four services run in the test's process (one Prometheus registry between them), each
host serving its own endpoint on a free port, as `scrutiny up` runs each in its own
process (tests/e2e/test_metrics_processes.py)."""

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.clock import ManualClock
from shared.telemetry.codes import OTHER, OUTCOMES, known_codes
from shared.waiting import eventually
from tests.support import promql
from tests.support.dashboard import dashboard_port
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform
from tests.support.platform import test_settings as settings_for
from tests.support.scrape import get, samples, value

pytestmark = pytest.mark.integration

POLICE = "humberside-police"
FAMILIES = {
    "scrutiny_requests": {"service", "command", "outcome"},
    "scrutiny_request_duration_seconds": {"service", "command", "outcome"},
    "scrutiny_projection_lag_events": {"projection", "source"},
    "scrutiny_projection_oldest_unprojected_age_seconds": {"projection", "source"},
    "scrutiny_outbox_pending_events": {"store"},
    "scrutiny_dead_letters_waiting": {"service", "code"},
    "scrutiny_dead_lettered": {"service", "code"},
    "scrutiny_deadlines_overdue": {"service"},
    "scrutiny_deadline_overdue_seconds": {"service"},
    "scrutiny_deadline_watcher_last_tick_age_seconds": {"service"},
    "scrutiny_events_appended": {"store"},
    "scrutiny_events_relayed": {"store"},
    "scrutiny_consumer_lag_events": {"projection", "source"},
}


@pytest.fixture
async def metered(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    settings = settings_for(nats_url, database, namespace).model_copy(
        update={"metrics_port": 0, "metrics_interval_seconds": 0.2}
    )
    async with running_platform(settings, clock) as running:
        yield running


async def test_each_service_serves_its_metrics_health_and_readiness(metered: RunningPlatform) -> None:
    urls = {name: host.operations.url for name, host in metered.hosts.items()}
    assert all(urls.values()) and len(set(urls.values())) == 4
    for name in urls:  # the health answer over NATS names the endpoint too
        health = await metered.request(f"{metered.settings.namespace}.health.{name}", b"")
        assert health == {"service": name, "status": "ok", "metrics": urls[name]}

    # Counters belong to the process: in a suite other tests' platforms counted before this one.
    status, text = await get(f"{urls['section11']}/metrics")
    before = samples(text)
    assert (await metered.open_cycle())["status"] == "accepted"
    assert (await metered.submit(POLICE))["status"] == "accepted"
    refused = await metered.open_cycle()  # the same cycle again: a rule of the domain says no
    assert refused["status"] == "refused"
    bad = await metered.request(metered.subjects.agency_command("section11", "submit", PARTNERSHIP, POLICE), b"{not json")
    assert bad["error"]["code"] == "invalid_json"
    accepted_events = len((await metered.submit("nlc-childrens-social-care"))["events"])
    assert accepted_events

    async def scraped_all() -> dict[str, list[Any]] | None:
        scrapes = {}
        for name, url in urls.items():
            status, text = await get(f"{url}/metrics")
            assert status == 200
            scrapes[name] = samples(text)
        s = scrapes["section11"]
        caught_up = all(  # both of reporting's projections: the notices may land after the read model
            value(s, "scrutiny_projection_lag_events", projection=projection, source=source) == 0
            for projection in ("reporting", "reporting_notices")
            for source in ("section11", "events", "reviews", "reporting")
        )
        caught_up &= value(scrapes["reporting"], "scrutiny_consumer_lag_events", source="section11") == 0
        waiting = [value(s, "scrutiny_dead_letters_waiting", service="section11", code=code) for code in ("invalid_json", "cycle_exists")]
        sampled = all(value(s, "scrutiny_outbox_pending_events", store=store) is not None
                      for store in ("section11", "events", "reviews", "reporting_records"))
        sampled &= all(value(s, name, service=service) is not None for service in ("section11", "events", "reviews") for name in (
            "scrutiny_deadlines_overdue", "scrutiny_deadline_overdue_seconds", "scrutiny_deadline_watcher_last_tick_age_seconds"))
        sampled &= value(s, "scrutiny_dead_letters_waiting", service="events", code=OTHER) is not None
        sampled &= value(s, "scrutiny_projection_oldest_unprojected_age_seconds", projection="reporting", source="section11") == 0
        if caught_up and sampled and waiting == [1, 1] and value(s, "scrutiny_outbox_pending_events", store="section11") == 0:
            return scrapes
        return None

    scrapes = await eventually(scraped_all, timeout=60, what="the gauges sampled after the requests")
    s = scrapes["section11"]
    def counted(name: str, **labels: str) -> float:
        return (value(s, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert counted("scrutiny_requests_total", service="section11", command="open-cycle", outcome="accepted") == 1
    assert counted("scrutiny_requests_total", service="section11", command="open-cycle", outcome="refused") == 1
    assert counted("scrutiny_requests_total", service="section11", command="submit", outcome="accepted") == 2
    assert counted("scrutiny_requests_total", service="section11", command="submit", outcome="invalid") == 1
    assert counted("scrutiny_request_duration_seconds_count", service="section11", command="submit", outcome="accepted") == 2
    assert value(s, "scrutiny_dead_letters_waiting", service="section11", code="cycle_exists") == 1
    assert value(s, "scrutiny_dead_letters_waiting", service="events", code=OTHER) == 0
    assert value(s, "scrutiny_projection_oldest_unprojected_age_seconds", projection="reporting", source="section11") == 0
    for projection in ("reporting", "reporting_notices"):
        for source in ("section11", "events", "reviews", "reporting"):
            assert value(s, "scrutiny_projection_lag_events", projection=projection, source=source) == 0, (projection, source)
    for service in ("section11", "events", "reviews"):
        assert value(s, "scrutiny_deadlines_overdue", service=service) == 0
        assert value(s, "scrutiny_deadline_overdue_seconds", service=service) == 0
        assert value(s, "scrutiny_deadline_watcher_last_tick_age_seconds", service=service) is not None
    for store in ("section11", "events", "reviews", "reporting_records"):
        assert value(s, "scrutiny_outbox_pending_events", store=store) is not None, store

    exported_families = {f for scrape in scrapes.values() for f, *_ in scrape}
    exported_samples = {n for scrape in scrapes.values() for _, n, *_ in scrape}
    for family, labels in FAMILIES.items():
        seen = [ls for scrape in scrapes.values() for f, _, ls, _ in scrape if f == family]
        assert seen, (family, sorted(exported_families))
        assert all(set(ls) - {"le"} == labels for ls in seen), (family, seen[:3])

    # Bounded labels: never a concrete subject, partnership, agency or inbox.
    for scrape in scrapes.values():
        for family, name, labels, _ in scrape:
            for label, text in labels.items():
                for concrete in (PARTNERSHIP, POLICE, "nlc-childrens-social-care", "_INBOX."):
                    assert concrete not in text, (name, label, text)
            if family.startswith("scrutiny_"):
                assert labels.get("outcome", "accepted") in OUTCOMES
                assert labels.get("code", OTHER) in known_codes() | {OTHER}
                assert re.fullmatch(r"[a-z][a-z0-9-]{0,63}", labels.get("command", "open-cycle"))  # a row's token

    # The dashboard and the alert rules name only what the services serve.
    unknown = {n for n in promql.names_used() if not promql.exported(n, exported_samples, exported_families)}
    assert unknown == set()

    # The front door's /metrics still serves the same registry.
    status, text = await get(f"http://127.0.0.1:{await dashboard_port(metered)}/metrics")
    assert status == 200 and "scrutiny_requests_total" in text

    for url in urls.values():
        assert (await get(f"{url}/healthz"))[0] == 200
        status, body = await get(f"{url}/readyz")
        assert status == 200 and json.loads(body)["checks"] == {"database": True, "nats": True, "consumers": True}
    assert (await get(f"{urls['section11']}/nowhere"))[0] == 404

    await metered.hosts["section11"].pool.close()  # its database unreachable: not ready, still alive
    status, body = await get(f"{urls['section11']}/readyz")
    assert status == 503 and json.loads(body)["checks"]["database"] is False
    assert (await get(f"{urls['section11']}/healthz"))[0] == 200
    assert (await get(f"{urls['events']}/readyz"))[0] == 200

