"""A read model fed by events: its tables, how to empty them, how to apply one event
(live, as SQL), and optionally how to fold one into rows held in memory (a rebuild)."""

from abc import ABC, abstractmethod

import asyncpg

from shared.catalogue import DomainEvent
from shared.envelope import Envelope
from shared.projections.rows import Rows


def event_types(*classes: type[DomainEvent]) -> frozenset[str]:
    """A projection's `reads`, from the event classes its `apply` and `fold` match."""
    return frozenset(c.event_type for c in classes)


class Projection(ABC):
    """Applies events to tables in a given schema, so the same projection can be
    built live (in `reporting`) or as of a past date (in a scratch schema)."""

    name: str
    folds: bool = False
    """True if `fold` is written: a rebuild then folds this projection's rows in memory."""
    append_only: frozenset[str] = frozenset()
    """Of its tables, those whose rows are keyed by the event and never changed after insert."""
    reads: frozenset[str] | None = None
    """The event types `apply` and `fold` act on, where they are few: the runner hands this
    projection those alone, and opens the personal texts of the types some projection reads
    (None: every event, for a projection that acts on what an event carries or where it was
    recorded, not on its type). tests/integration/test_projection_fold.py shows each
    projection's tables are the same with and without its `reads`."""

    @abstractmethod
    def ddl(self, schema: str) -> str:
        """CREATE statements (idempotent) for this projection's tables."""

    @abstractmethod
    def tables(self) -> list[str]: ...

    @abstractmethod
    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        """Apply one event. Runs inside the runner's transaction, with its checkpoint."""

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """Apply one event to the rows in memory, leaving them as `apply` leaves the tables
        (a rebuild of empty tables, `shared.projections.rows`)."""
        raise NotImplementedError(f"{self.name} does not fold")
