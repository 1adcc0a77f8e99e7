"""Prometheus metrics of the kernel (faststream's middleware adds per-subscriber ones)."""

from prometheus_client import Counter, Gauge

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
    "scrutiny_consumer_lag_events", "Events a projection has still to apply, per source store",
    ["projection", "source"],
)
OUTBOX_PENDING = Gauge(
    "scrutiny_outbox_pending_events", "Events committed but not yet relayed", ["store"]
)
