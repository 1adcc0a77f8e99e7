"""Real NATS and PostgreSQL servers for the test suite.

In order of preference: servers named by SCRUTINY_NATS_URL /
SCRUTINY_DATABASE_URL, containers when SCRUTINY_TEST_DOCKER=1 and Docker
answers, otherwise embedded servers in a temporary directory.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats

from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres, quote_ident, with_database
from shared.runtime.nats_auth import SERVER_INCLUDE, NatsAuth

log = logging.getLogger(__name__)


def new_namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def new_database_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@functools.cache
def docker_wanted() -> bool:
    if os.environ.get("SCRUTINY_TEST_DOCKER") != "1":
        return False
    try:
        from testcontainers.core.docker_client import DockerClient

        DockerClient().client.ping()
        return True
    except Exception as exc:  # any failure means no usable Docker
        log.info("testcontainers cannot reach Docker (%s); trying the docker CLI", exc)
    docker = shutil.which("docker")
    if docker is None:
        return False
    result = subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False)
    return result.returncode == 0


@contextlib.contextmanager
def nats_server(tmp: Path) -> Iterator[str]:
    if url := os.environ.get("SCRUTINY_NATS_URL"):
        yield url
    elif docker_wanted():
        from testcontainers.community.nats import NatsContainer

        with NatsContainer("nats:2.10", jetstream=True) as container:
            yield container.nats_uri()
    else:
        # Authorisation on, as `scrutiny up` runs it: the suite connects as the services' user.
        auth = NatsAuth(tmp)
        auth.write_config()
        with EmbeddedNats(tmp, extra_config=SERVER_INCLUDE) as server:
            yield auth.service_url(server.url)


@contextlib.contextmanager
def postgres_server(tmp: Path) -> Iterator[str]:
    """Yield a server-level URL (its ``postgres`` database, as a superuser)."""
    if url := os.environ.get("SCRUTINY_DATABASE_URL"):
        yield url
    elif docker_wanted():
        from testcontainers.community.postgres import PostgresContainer

        # Trust (a throwaway container): the services' roles connect without a password
        # (shared/runtime/db_roles.py), which a password-checking server would refuse; the
        # embedded server lets them in by peer authentication on its private socket instead.
        container = (
            PostgresContainer("postgres:16", username="postgres", password="postgres", dbname="postgres", driver=None)
            .with_env("POSTGRES_HOST_AUTH_METHOD", "trust")
            .with_command("postgres -c max_connections=300 -c fsync=off -c log_error_verbosity=terse")
        )
        with container:
            yield container.get_connection_url()
    else:
        with EmbeddedPostgres(tmp, durable=False) as server:
            yield server.url


async def create_database(server_url: str, name: str) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
    finally:
        await conn.close()


async def delete_streams(nats_url: str, namespace: str) -> list[str]:
    """Delete the JetStream streams of a test namespace (its key-value buckets' too); return their names."""
    prefix = namespace.upper() + "_"
    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=2)
    try:
        js = nc.jetstream(timeout=5)
        names: list[str] = []
        offset = 0
        while page := await js.streams_info(offset=offset):  # the server pages the list
            offset += len(page)
            names += [s.config.name for s in page if (s.config.name or "").startswith((prefix, "KV_" + prefix))]
        for name in names:
            await js.delete_stream(name)
    finally:
        await nc.close()
    return names
