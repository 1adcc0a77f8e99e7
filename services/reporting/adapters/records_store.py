"""Where the reporting service keeps its own records, and how they reach JetStream.

The read models live in schema `reporting` and are dropped and rebuilt at will
(`scrutiny replay`), so the service's own events are kept apart, in schema
`reporting_records`. They are published as the `reporting` service's events
(`{ns}.{p}.evt.reporting.{EventType}`, stream `{NS}_REPORTING`), like any service's."""

from datetime import datetime

import asyncpg

from shared.clock import Clock
from shared.eventstore.postgres import PostgresEventStore
from shared.messaging.subjects import Subjects
from shared.outbox import OutboxRelay

SERVICE = "reporting"
SCHEMA = "reporting_records"


class RecordsStore(PostgresEventStore):
    """The service's own store. Read by the projection runner like the other services'
    stores; on a database where the service never ran it holds nothing yet."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock | None = None) -> None:
        super().__init__(pool, SCHEMA, clock)

    async def read_rows(
        self,
        after: int = 0,
        limit: int = 1000,
        recorded_until: datetime | None = None,
        partnership: str | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> list[asyncpg.Record]:
        try:
            return await super().read_rows(after, limit, recorded_until, partnership, conn)
        except asyncpg.UndefinedTableError:
            return []

    async def head(self, recorded_until: datetime | None = None, partnership: str | None = None) -> int:
        try:
            return await super().head(recorded_until, partnership)
        except asyncpg.UndefinedTableError:
            return 0


class _PublishedAsReporting(Subjects):
    """Subjects with the store's schema standing for the `reporting` service."""

    def event(self, partnership: str, service: str, event_type: str) -> str:
        return super().event(partnership, SERVICE if service == SCHEMA else service, event_type)

    def stream(self, service: str) -> str:
        return super().stream(SERVICE if service == SCHEMA else service)


def published_as_reporting(subjects: Subjects) -> Subjects:
    """The subjects the records store's events go out on (the `reporting` service's)."""
    return _PublishedAsReporting(subjects.namespace)


def records_relay(pool: asyncpg.Pool, js: object, subjects: Subjects, nc: object = None) -> OutboxRelay:
    """The outbox relay of the records store, publishing on the reporting service's subjects,
    and (given the connection) the outcomes of an event naming an agency to that agency: a
    performance indicator's values and early warnings to the agency that supplies it."""
    return OutboxRelay(pool, SCHEMA, js, published_as_reporting(subjects), nc=nc)  # type: ignore[arg-type]
