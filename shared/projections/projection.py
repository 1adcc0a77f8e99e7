"""A read model fed by events: its tables, how to empty them, how to apply one event."""

from abc import ABC, abstractmethod

import asyncpg

from shared.envelope import Envelope


class Projection(ABC):
    """Applies events to tables in a given schema, so the same projection can be
    built live (in `reporting`) or as of a past date (in a scratch schema)."""

    name: str

    @abstractmethod
    def ddl(self, schema: str) -> str:
        """CREATE statements (idempotent) for this projection's tables."""

    @abstractmethod
    def tables(self) -> list[str]: ...

    @abstractmethod
    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        """Apply one event. Runs inside the runner's transaction, with its checkpoint."""
