"""The servers a benchmark run measures: embedded ones in a temporary directory, or external ones."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg
import nats
from nats.js.errors import NotFoundError

log = logging.getLogger("bench")



@dataclass
class Servers:
    """Embedded servers in a temporary directory, unless URLs are given."""

    prefix: str  # of every database and JetStream stream the benchmark creates
    nats_url: str = ""
    pg_server_url: str = ""  # a superuser connection, used to create the databases
    nats_embedded: bool = False
    pg_embedded: bool = False
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _stops: list[Callable[[], None]] = field(default_factory=list)
    _databases: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        nats_kind = "embedded NATS" if self.nats_embedded else "external NATS"
        pg_kind = "embedded durable PostgreSQL" if self.pg_embedded else "external PostgreSQL"
        return f"{nats_kind} + {pg_kind}"

    async def start(self) -> Servers:
        """Start what is not given by URL; on failure, `stop` still cleans up."""
        nats_url = os.environ.get("SCRUTINY_NATS_URL")
        database_url = os.environ.get("SCRUTINY_DATABASE_URL")
        if not (nats_url and database_url):
            from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres

            self._tmp = tempfile.TemporaryDirectory(prefix="scrutiny-bench-")
            data = Path(self._tmp.name)
            if not nats_url:
                server = EmbeddedNats(data)
                self._stops.append(server.stop)
                nats_url = server.start()
                self.nats_embedded = True
            if not database_url:
                pg = EmbeddedPostgres(data, durable=True)
                self._stops.append(pg.stop)
                pg.start()
                database_url = pg.url
                self.pg_embedded = True
        self.nats_url = nats_url
        self.pg_server_url = database_url
        return self

    async def database(self, name: str) -> str:
        """A fresh database on the server (dropped again by `stop`); returns its URL."""
        conn = await asyncpg.connect(self.pg_server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._databases.append(name)
        return urlsplit(self.pg_server_url)._replace(path="/" + quote(name, safe="")).geturl()

    async def settle(self, database_url: str) -> None:
        """VACUUM ANALYZE a database a measurement has just written, then CHECKPOINT: else the
        autovacuum its tens of thousands of new rows set off (and the dirty pages) would run
        during the next measurement and be paid for by whoever comes next."""
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
        await self.checkpoint()

    async def checkpoint(self) -> None:
        """Flush dirty pages so one measurement's writes are not paid for by the next."""
        conn = await asyncpg.connect(self.pg_server_url)
        try:
            await conn.execute("CHECKPOINT")
        except asyncpg.PostgresError as error:  # not a superuser on an external server
            log.info("CHECKPOINT refused: %s", error)
        finally:
            await conn.close()

    async def stop(self) -> None:
        if self.nats_url and not self.nats_embedded:
            try:
                await delete_streams(self.nats_url, self.prefix.upper())
            except Exception as error:
                log.warning("deleting the benchmark's streams failed: %s", error)
        if self._databases and not self.pg_embedded:
            with contextlib.suppress(Exception):
                conn = await asyncpg.connect(self.pg_server_url)
                try:
                    for name in self._databases:
                        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await conn.close()
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception as error:
                log.warning("stopping a server failed: %s", error)
        if self._tmp is not None:
            self._tmp.cleanup()


@contextlib.asynccontextmanager
async def jetstream(url: str, **options: object) -> AsyncIterator[nats.js.JetStreamContext]:
    nc = await nats.connect(url, max_reconnect_attempts=2)
    try:
        yield nc.jetstream(**options)
    finally:
        await nc.close()


async def delete_streams(nats_url: str, prefix: str) -> None:
    async with jetstream(nats_url) as js:
        names: list[str] = []
        offset = 0
        while page := await js.streams_info(offset=offset):
            offset += len(page)
            names += [s.config.name for s in page if (s.config.name or "").startswith(prefix)]
        for name in names:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)
