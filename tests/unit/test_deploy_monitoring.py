"""The monitoring files in deploy/ load, have the shape their tools expect, and name only
metrics the platform declares (tests/integration/test_metrics.py checks the same names
against what a running platform actually serves)."""

import json
import logging

import pytest
import yaml
from prometheus_client import REGISTRY

import shared.telemetry.metrics  # noqa: F401  (declares the platform's metrics)
from shared.telemetry.codes import OUTCOMES, bounded_code, known_codes, outcome_of
from shared.telemetry.logs import JsonLines
from shared.telemetry.redaction import WITHHELD, redact_logs
from tests.support import promql


def declared() -> tuple[set[str], set[str]]:
    """The families and sample names of the platform's own metrics (labelled ones included)."""
    families = {m.name for m in REGISTRY.collect() if m.name.startswith("scrutiny_")}
    counters = {m.name + "_total" for m in REGISTRY.collect() if m.type == "counter" and m.name.startswith("scrutiny_")}
    return families, counters


def test_the_dashboard_is_a_grafana_dashboard() -> None:
    board = promql.dashboard()
    assert board["title"] and board["uid"] and isinstance(board["panels"], list)
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len(panels) >= 8
    for panel in panels:
        assert panel["title"] and panel["targets"], panel
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert all(t["expr"] and t["refId"] for t in panel["targets"])
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
    text = json.dumps(board)
    for wanted in ("scrutiny_requests_total", "scrutiny_request_duration_seconds_bucket", "scrutiny_projection_lag_events",
                   "scrutiny_projection_oldest_unprojected_age_seconds", "scrutiny_outbox_pending_events",
                   "scrutiny_dead_letters_waiting", "scrutiny_deadline_overdue_seconds",
                   "scrutiny_deadline_watcher_last_tick_age_seconds", 'up{job=\\"scrutiny\\"}'):
        assert wanted in text, wanted


def test_the_alerts_are_a_prometheus_rule_file() -> None:
    rules = promql.rule_file()
    assert set(rules) == {"groups"}
    names = []
    for group in rules["groups"]:
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule
            assert rule["labels"]["severity"] in {"critical", "warning"}
            assert {"summary", "description"} <= set(rule["annotations"])
            assert isinstance(rule["for"], str) and rule["for"][-1] in "smh"
            names.append(rule["alert"])
    assert len(set(names)) == len(names)
    exprs = {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}
    assert "up" in promql.metric_names(exprs["ScrutinyServiceDown"])
    assert "== 0" in exprs["ScrutinyServiceDown"]
    assert "scrutiny_projection_lag_events" in promql.metric_names(exprs["ScrutinyProjectionLagGrowing"])
    assert "scrutiny_dead_letters_waiting" in promql.metric_names(exprs["ScrutinyDeadLettersArriving"])
    assert "scrutiny_deadline_watcher_last_tick_age_seconds" in promql.metric_names(exprs["ScrutinyDeadlineWatcherStalled"])


def test_the_scrape_example_loads_the_rules() -> None:
    config = yaml.safe_load(promql.SCRAPE.read_text())
    assert config["rule_files"] == ["alerts.yml"]
    assert [job["job_name"] for job in config["scrape_configs"]] == ["scrutiny"]


@pytest.mark.parametrize(("expr", "names"), [
    ('sum by (service, command) (rate(scrutiny_requests_total{outcome!="accepted"}[5m]))', {"scrutiny_requests_total"}),
    ("histogram_quantile(0.95, sum by (le) (rate(x_bucket[$__rate_interval])))", {"x_bucket"}),
    ('up{job="scrutiny"} == 0', {"up"}),
    ("a > 0 and on (s) b offset 10m or max_over_time(c[1h:5m]) > 1e3", {"a", "b", "c"}),
    ('label_replace(d, "x", "$1", "y", "(.*)")', {"d"}),
])
def test_metric_names_are_read_from_promql(expr: str, names: set[str]) -> None:
    assert promql.metric_names(expr) == names


def test_the_files_name_only_declared_metrics() -> None:
    families, counters = declared()
    unknown = {n for n in promql.names_used() if not promql.exported(n, counters, families)}
    assert unknown == set()


def test_label_values_are_bounded() -> None:
    assert bounded_code("invalid_json") == "invalid_json"
    assert bounded_code("cycle_exists") == "cycle_exists"  # a domain's refusal, found in the source
    assert bounded_code("north-lincolnshire.humberside-police") == "other"
    assert bounded_code(None) == "other"
    assert len(known_codes()) < 1000
    assert outcome_of({"status": "accepted", "events": []}) == "accepted"
    assert outcome_of({"status": "refused", "error": {"code": "invalid_json"}}) == "invalid"
    assert outcome_of({"status": "refused", "error": {"code": "cycle_exists"}}) == "refused"
    assert outcome_of({"status": "refused", "error": {"code": "a made-up code"}}) == "refused"
    assert outcome_of(None) == "error"
    assert set(OUTCOMES) >= {"accepted", "refused", "invalid", "forbidden", "error"}


def test_json_logs_carry_trace_ids_and_stay_redacted() -> None:
    from opentelemetry.sdk.trace import TracerProvider

    redact_logs()
    tracer = TracerProvider().get_tracer("test")
    formatter = JsonLines("section11")
    with tracer.start_as_current_span("request") as span:
        record = logging.getLogger("scrutiny.test").makeRecord(
            "scrutiny.test", logging.WARNING, __file__, 1,
            'failed: duplicate key\nDETAIL:  Key (name)=(Tallulah Brackenridge) already exists.', None, None,
        )
        line = json.loads(formatter.format(record))
    context = span.get_span_context()
    assert line["trace_id"] == f"{context.trace_id:032x}" and line["span_id"] == f"{context.span_id:016x}"
    assert line["service"] == "section11" and line["level"] == "WARNING" and line["logger"] == "scrutiny.test"
    assert "Tallulah" not in line["message"] and WITHHELD in line["message"]
    assert line["time"].endswith("+00:00")
    outside = json.loads(formatter.format(logging.makeLogRecord({"msg": "no span", "levelname": "INFO"})))
    assert outside["trace_id"] is None and outside["message"] == "no span"
