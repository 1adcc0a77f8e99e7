"""What reporting's projections are built from, and the runner over them.

The three services' event stores and reporting's own records store, by the source name
each is published under; one runner applies every projection from them, live (the
service), rebuilt (`scrutiny replay`) or as of a past day (the dashboard, the CLI and
the evidence export all call `projection_runner`)."""

from collections.abc import Sequence

from services.reporting.adapters.areas import all_projections
from services.reporting.adapters.records_store import RecordsStore
from shared.eventstore.postgres import PostgresEventStore
from shared.projections import Projection, ProjectionRunner

SCHEMA = "reporting"
SOURCES = ("section11", "events", "reviews")
# The reporting service's own records (indicator ratings, the yearly report, the risk
# register): published as `reporting`, kept in the store `reporting_records`.
OWN_SOURCE = "reporting"


def projection_runner(host_pool: object, schema: str = SCHEMA, projections: Sequence[Projection] | None = None) -> ProjectionRunner:
    """The reporting projections (`all_projections()` unless given) over the three services'
    stores and reporting's records."""
    sources = {name: PostgresEventStore(host_pool, name) for name in SOURCES}  # type: ignore[arg-type]
    sources[OWN_SOURCE] = RecordsStore(host_pool)  # type: ignore[arg-type]
    chosen = all_projections() if projections is None else projections
    return ProjectionRunner(host_pool, schema, chosen, sources)  # type: ignore[arg-type]
