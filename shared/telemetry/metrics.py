"""Prometheus metrics of the platform (faststream's middleware adds per-subscriber ones).

Every label takes its values from a bounded set, never from a message: a service, a store
or projection schema, a source service, a command token (from the service's own command
table), an outcome class (`OUTCOMES`) and an error code the platform's own code raises
(`shared.telemetry.codes`, anything else counted as "other"). Never a concrete subject,
partnership, agency or person: an agency cannot grow `/metrics` by what it sends.

Counters and the request histogram are updated where things happen; the gauges that need
a query (outbox depth, projection lag, deadlines, dead letters waiting) are sampled by
each service process every few seconds (`shared.telemetry.sampling`). What each metric
means, and how to read it, is in docs/operations.md ("Metrics, dashboards and alerts").
"""

from collections.abc import Mapping
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from shared.telemetry.codes import bounded_code, outcome_of

EVENTS_APPENDED = Counter(
    "scrutiny_events_appended_total", "Events committed to a service's event store", ["store"]
)
EVENTS_RELAYED = Counter(
    "scrutiny_events_relayed_total", "Events published from the outbox to JetStream", ["store"]
)
DEAD_LETTERED = Counter(
    "scrutiny_dead_lettered_total", "Messages refused and parked in the dead-letter stream",
    ["service", "code"],
)
CONSUMER_LAG = Gauge(
    "scrutiny_consumer_lag_events",
    "Messages JetStream holds for reporting's durable consumer of a source, not yet delivered to it",
    ["projection", "source"],
)
OUTBOX_PENDING = Gauge(
    "scrutiny_outbox_pending_events", "Events committed but not yet relayed (the outbox's rows)", ["store"]
)

# -- requests ------------------------------------------------------------------------------

REQUESTS = Counter(
    "scrutiny_requests_total", "Requests a service answered, by command and outcome",
    ["service", "command", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "scrutiny_request_duration_seconds", "Time from a request's arrival to its answer",
    ["service", "command", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# -- projections ---------------------------------------------------------------------------

PROJECTION_LAG = Gauge(
    "scrutiny_projection_lag_events",
    "Positions of a source's store past a projection's checkpoint (0: caught up)",
    ["projection", "source"],
)
OLDEST_UNPROJECTED = Gauge(
    "scrutiny_projection_oldest_unprojected_age_seconds",
    "Age of the oldest event a projection has not applied yet (0: caught up)",
    ["projection", "source"],
)

# -- dead letters --------------------------------------------------------------------------

DEAD_LETTERS_WAITING = Gauge(
    "scrutiny_dead_letters_waiting",
    "Dead letters parked and not replayed (still in the stream), by service and error code",
    ["service", "code"],
)

# -- deadlines -----------------------------------------------------------------------------

DEADLINES_OVERDUE = Gauge(
    "scrutiny_deadlines_overdue",
    "Deadlines past due whose events the watcher has not raised yet", ["service"],
)
DEADLINE_OVERDUE_SECONDS = Gauge(
    "scrutiny_deadline_overdue_seconds",
    "Seconds since the oldest deadline past due and not raised fell due (0: none)", ["service"],
)
DEADLINE_TICK_AGE = Gauge(
    "scrutiny_deadline_watcher_last_tick_age_seconds",
    "Seconds since the deadline watcher last completed a tick", ["service"],
)

# -- the sampling itself -------------------------------------------------------------------

SAMPLE_FAILURES = Counter(
    "scrutiny_metrics_sample_failures_total",
    "Samples of a gauge that failed (database or NATS away, or too slow)", ["service", "probe"],
)


def observe_request(service: str, command: str, reply: Mapping[str, Any] | None, seconds: float) -> None:
    """Count one answered request and its time; `reply` None: it failed without an answer."""
    outcome = outcome_of(reply)
    REQUESTS.labels(service, command, outcome).inc()
    REQUEST_SECONDS.labels(service, command, outcome).observe(seconds)


def dead_lettered(service: str, code: str) -> None:
    DEAD_LETTERED.labels(service=service, code=bounded_code(code)).inc()
