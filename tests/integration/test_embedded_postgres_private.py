"""The embedded PostgreSQL is reachable only by the platform, and what the platform writes is
its owner's only (issue 19, finding 8: any local account was the database's superuser over
loopback TCP, and board packs and logs were world-readable)."""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest

from shared.runtime import postgres_cluster
from shared.runtime.embedded import EmbeddedPostgres

pytestmark = pytest.mark.integration

AS_ROOT = os.geteuid() == 0


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres(tmp_path / "data", durable=False) as running:
        yield running


async def test_it_listens_on_no_tcp_port_only_on_its_socket(server: EmbeddedPostgres) -> None:
    postmaster = psutil.Process(int((server.pgdata / "postmaster.pid").read_text().split()[0]))
    assert postmaster.net_connections(kind="inet") == []
    assert [c.laddr for c in postmaster.net_connections(kind="unix")] == [str(server.socket_dir / ".s.PGSQL.5432")]
    assert "127.0.0.1" not in server.url and str(server.socket_dir).replace("/", "%2F") in server.url
    conn = await asyncpg.connect(server.url)
    try:
        assert await conn.fetchval("SHOW listen_addresses") == ""
        assert await conn.fetchval("SHOW unix_socket_permissions") == "0700"
        assert (await conn.fetchval("SHOW server_version")).startswith("18.")
    finally:
        await conn.close()


def test_its_folders_are_its_own_and_nobody_else_may_enter(server: EmbeddedPostgres) -> None:
    account = server.account
    for folder in (server.pgdata, server.run_dir, server.socket_dir):
        assert _mode(folder) == 0o700, folder
        assert folder.stat().st_uid == account.uid
    assert _mode(server.log_file) == 0o600
    if AS_ROOT:
        # Its account (pgserver) may pass through the data directory to its own folders, and only that.
        assert _mode(server.root) == 0o710 and server.root.stat().st_gid == account.gid
        assert account.login == postgres_cluster.PG_SYSTEM_USER
    else:
        assert _mode(server.root) == 0o700


def test_its_authentication_trusts_nobody(server: EmbeddedPostgres) -> None:
    rules = [line.split() for line in (server.pgdata / "pg_hba.conf").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules == [["local", "all", "all", "peer", "map=scrutiny"]]
    idents = {line.split()[1].strip('"') for line in (server.pgdata / "pg_ident.conf").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert idents == {pwd.getpwuid(os.geteuid()).pw_name, server.account.login}
    assert _mode(server.pgdata / "pg_hba.conf") == 0o600


def _psql_as(user: str, server: EmbeddedPostgres) -> subprocess.CompletedProcess[str]:
    psql = postgres_cluster.bin_dir() / "psql"
    env = {"PATH": "/usr/bin:/bin", "HOME": "/"}
    return subprocess.run(
        [str(psql), "-X", "-h", str(server.socket_dir), "-U", "postgres", "-d", "postgres", "-c", "SELECT 1"],
        user=user, group=pwd.getpwnam(user).pw_gid, extra_groups=[], env=env, cwd="/",
        capture_output=True, text=True, timeout=30, check=False,
    )


@contextlib.contextmanager
def _opened(*paths: Path) -> Iterator[None]:
    modes = {path: _mode(path) for path in paths}
    try:
        for path in paths:
            path.chmod(modes[path] | (0o777 if path.is_socket() else 0o711))
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@pytest.mark.skipif(not AS_ROOT, reason="needs another operating-system account to connect as")
def test_another_local_account_cannot_connect_even_to_an_opened_socket(server: EmbeddedPostgres) -> None:
    refused = _psql_as("nobody", server)
    assert refused.returncode != 0 and "Permission denied" in refused.stderr, refused.stderr
    # The folders and the socket opened to everyone by mistake: peer authentication still says no.
    socket = server.socket_dir / ".s.PGSQL.5432"
    with _opened(*[p for p in (server.root, server.run_dir, server.socket_dir) if p.exists()], socket):
        refused = _psql_as("nobody", server)
    assert refused.returncode != 0 and 'Peer authentication failed for user "postgres"' in refused.stderr, refused.stderr


def test_a_board_pack_in_an_evidence_bundle_is_written_for_its_owner_only(tmp_path: Path) -> None:
    """`scrutiny` on its embedded server, from a data directory made 0755 before: the directory
    becomes private and what the command writes is 0600 in 0700 folders, whatever the umask."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")} | {"COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from services.cli.main import main; sys.argv[0] = 'scrutiny'; main()",
         "evidence", "export", "--from", "2026-04-01", "--to", "2026-06-30", "--profile", "north-lincolnshire",
         "--zip", "--data-dir", str(data)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = list((data / "evidence").rglob("*"))
    assert any(p.name == "board-pack.html" for p in written) and any(p.suffix == ".zip" for p in written)
    for path in [data / "evidence", *written]:
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert _mode(data) & 0o067 == 0  # 0700 (0710 for the server's group, as root)
    assert _mode(data / "pg-run" / "postgres.log") == 0o600
