"""Fixtures for real backends: see tests/support/backends.py for how servers are chosen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import backends


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with backends.nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Server-level URL; tests that write data use ``database`` instead."""
    with backends.postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    name = backends.new_database_name()
    url = await backends.create_database(database_url, name)
    try:
        yield url
    finally:
        await backends.drop_database(database_url, name)


@pytest.fixture
async def namespace(nats_url: str) -> AsyncIterator[str]:
    """Root of NATS subjects and prefix of stream names, unique to this test."""
    ns = backends.new_namespace()
    try:
        yield ns
    finally:
        await backends.delete_streams(nats_url, ns)
