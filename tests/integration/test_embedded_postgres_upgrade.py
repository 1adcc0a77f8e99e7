"""An embedded data directory of the PostgreSQL 16 that scrutiny ran before (the pgserver wheel)
is carried over to PostgreSQL 18 by the platform itself when it starts on it (issue 21)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import asyncpg
import pytest

from shared.eventstore.postgres import PostgresEventStore
from shared.runtime import db_roles, postgres_cluster
from shared.runtime.embedded import EmbeddedPostgres
from shared.runtime.postgres_upgrade import OldClusterError
from tests.support.events import envelopes

pytestmark = pytest.mark.integration


def _socket_url(socket_dir: Path, database: str) -> str:
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{database}"


def _old_cluster(data: Path) -> tuple[Path, postgres_cluster.Account]:
    """``data/pg`` as the previous scrutiny made it: pgserver's PostgreSQL 16, initdb trusting
    everyone; started, on a socket in data/pg-run. Its bin directory and account."""
    old = postgres_cluster.old_bin_dir("16")
    if old is None:
        pytest.skip("the pgserver wheel (PostgreSQL 16) is not installed: pip install -e '.[test]'")
    account = postgres_cluster.server_account()
    data.mkdir(mode=0o700)
    if not account.is_own:
        postgres_cluster.open_binaries_to_all(old)
        postgres_cluster.let_traverse(data, account)
        os.chown(data, -1, account.gid)
        data.chmod(0o710)
    pgdata, run_dir = data / "pg", data / "pg-run"
    postgres_cluster.owned_private_dir(pgdata, account)
    postgres_cluster.owned_private_dir(run_dir, account)
    postgres_cluster.run(old, "initdb", "-D", str(pgdata), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                         "--locale=C", "--no-sync", account=account, cwd=data, timeout=120)
    options = ["-c", "listen_addresses=", "-k", str(run_dir), "-c", "fsync=off"]
    postgres_cluster.pg_ctl_start(old, pgdata, account, options=options, log_file=run_dir / "postgres.log", timeout=60)
    return old, account


async def _old_platform_data(data: Path) -> None:
    """The old cluster with the services' roles, six events in the section11 store and a row."""
    old, account = await asyncio.to_thread(_old_cluster, data)
    run_dir = data / "pg-run"
    try:
        conn = await asyncpg.connect(_socket_url(run_dir, "postgres"))
        try:
            assert (await conn.fetchval("SHOW server_version")).startswith("16.")
            await conn.execute("CREATE DATABASE scrutiny")
        finally:
            await conn.close()
        url = _socket_url(run_dir, "scrutiny")
        await db_roles.apply(url)
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            store = PostgresEventStore(pool, "section11")
            await store.create_schema()
            for n in range(6):
                stream = f"s-{n}-{uuid4()}"
                await store.append(stream, 0, envelopes(stream, 0, 1))
            await store.close()
            await pool.execute("CREATE TABLE public.kept (n int, words text); INSERT INTO public.kept VALUES (1, 'café')")
        finally:
            await pool.close()
    finally:
        await asyncio.to_thread(postgres_cluster.pg_ctl_stop, old, data / "pg", account, cwd=run_dir)


async def test_a_postgresql_16_data_directory_is_carried_over_when_the_platform_starts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await _old_platform_data(data)
    assert (data / "pg" / "PG_VERSION").read_text().strip() == "16"

    # `scrutiny verify` starts the embedded server on it, as any command or `scrutiny up` would.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")} | {"COLUMNS": "200"}
    verified = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.cli.main", "verify", "--data-dir", str(data)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert any("section11" in line and "6 events, chain intact" in line for line in verified.stdout.splitlines()), verified.stdout
    assert "carried over" in verified.stderr  # told to the operator, with where the old one is kept

    assert (data / "pg" / "PG_VERSION").read_text().strip() == "18"
    assert (data / "pg-16.old" / "PG_VERSION").read_text().strip() == "16"
    assert not (data / "pg.new").exists() and not (data / "pg-carry").exists()  # no dump left lying about
    with EmbeddedPostgres(data, durable=False) as server:
        conn = await asyncpg.connect(server.database_url("scrutiny"))
        try:
            assert (await conn.fetchval("SHOW server_version")).startswith("18.")
            assert await conn.fetchval("SELECT count(*) FROM section11.events") == 6
            assert await conn.fetchval("SELECT words FROM public.kept") == "café"
            # The services' roles came along, each still owning its own schema.
            assert (
                await conn.fetchval("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'section11'")
                == "scrutiny_section11"
            )
            assert await conn.fetchval("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'scrutiny\\_%'") == len(db_roles.SERVICES)
        finally:
            await conn.close()
        # As its role, the service still reaches only what it did.
        service = await asyncpg.connect(db_roles.role_url(server.database_url("scrutiny"), "scrutiny_reviews"))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await service.fetchval("SELECT count(*) FROM section11.events")
        finally:
            await service.close()


def test_without_the_old_binaries_it_refuses_to_start_and_says_how_to_carry_it_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_cluster, "old_bin_dir", lambda major: None)
    data = tmp_path / "data"
    (data / "pg").mkdir(parents=True)
    (data / "pg" / "PG_VERSION").write_text("16\n")
    with pytest.raises(OldClusterError) as refused:
        EmbeddedPostgres(data, durable=False).start()
    message = str(refused.value)
    assert "PostgreSQL 16 cluster" in message and "PostgreSQL 18" in message
    assert "pip install 'scrutiny[pg16]'" in message and postgres_cluster.OLD_BINDIR_ENV in message
    assert "Nothing was changed" in message
    assert (data / "pg" / "PG_VERSION").read_text() == "16\n" and sorted(p.name for p in (data / "pg").iterdir()) == ["PG_VERSION"]


async def test_a_carry_over_interrupted_between_its_two_renames_is_finished(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path, durable=False) as server:
        conn = await asyncpg.connect(server.url)
        try:
            await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")
        finally:
            await conn.close()
    (tmp_path / "pg").rename(tmp_path / "pg.new")  # the old one moved away, the new one not yet in place
    with EmbeddedPostgres(tmp_path, durable=False) as server:
        conn = await asyncpg.connect(server.url)
        try:
            assert await conn.fetchval("SELECT n FROM kept") == 7
        finally:
            await conn.close()
    assert not (tmp_path / "pg.new").exists()
