"""PostgreSQL from the pgserver wheel, as a child process, and database helpers."""

from __future__ import annotations

import functools
import logging
import os
import shlex
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, urlsplit

import asyncpg
import psutil

from shared.runtime.processes import (
    HOST,
    Server,
    alive,
    free_port,
    kill_tree,
    tail,
)

log = logging.getLogger(__name__)

PG_SYSTEM_USER = "pgserver"  # the account pgserver itself uses when run as root



@functools.cache
def _pgserver() -> ModuleType:
    """pgserver.utils, imported quietly.

    Importing pgserver computes a runtime directory we never use and warns
    when XDG_RUNTIME_DIR is unset.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver.utils
    return pgserver.utils


def _pg_bin() -> Path:
    _pgserver()
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


@functools.cache
def _open_pg_binaries_to(user: str) -> None:
    """PostgreSQL refuses to run as root; let the unprivileged user reach the binaries."""
    utils = _pgserver()
    utils.ensure_user_exists(user)
    bin_dir = _pg_bin()
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    utils.ensure_prefix_permissions(bin_dir)
    utils.ensure_folder_permissions(bin_dir, read | execute)
    utils.ensure_folder_permissions(bin_dir.parent / "lib", read)


def _lock_owner(lock_file: Path) -> psutil.Process | None:
    """The live process named on the first line of a PostgreSQL lock file."""
    try:
        proc = psutil.Process(int(lock_file.read_text().split("\n", 1)[0]))
        if proc.name() == "postgres" and alive(proc):
            return proc
    except (OSError, ValueError, psutil.Error):
        pass
    return None


class EmbeddedPostgres(Server):
    """A PostgreSQL cluster in ``data_dir/pg``, started with pg_ctl.

    ``durable=False`` turns off fsync and full-page writes: only for throwaway
    test servers, where speed matters and a power cut loses nothing of value.
    A killed server still keeps every commit it acknowledged, so crash tests
    can run against it.
    """

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        root = Path(data_dir).resolve()
        self.pgdata = root / "pg"
        self.run_dir = root / "pg-run"  # log file and (usually) the unix socket
        self.log_file = self.run_dir / "postgres.log"
        self.durable = durable
        self.socket_dir = self.run_dir
        self._port: int | None = None
        self._user = PG_SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("EmbeddedPostgres has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return with_database(self.url, name)

    @property
    def running(self) -> bool:
        return self._port is not None and self._postmaster() is not None

    def start(self, *, timeout: float = 30.0) -> str:
        if self.running:
            return self.url
        self._prepare_dirs()
        self._stop_leftover()
        self._clear_dead_locks()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(timeout)
        # Port 0-then-close leaves a window in which another process can take
        # the port; a fresh port on the next attempt covers that rare case.
        attempts = 1 if self._port is not None else 3
        for attempt in range(1, attempts + 1):
            port = self._port or free_port()
            try:
                self._pg_ctl_start(port, timeout)
            except RuntimeError:
                if attempt == attempts:
                    raise
                log.warning("postgres failed to start on port %s, trying another", port)
                continue
            self._port = port
            log.info("postgres ready on %s (data in %s)", self.url, self.pgdata)
            return self.url
        raise AssertionError("unreachable")

    def _prepare_dirs(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # The socket path must fit in sun_path (~107 bytes); deep data dirs get a short one.
        short = Path(tempfile.gettempdir()) / "scrutiny-pg"
        self.socket_dir = _pgserver().find_suitable_socket_dir(self.run_dir, short)
        if self._user is not None:
            import pwd

            _open_pg_binaries_to(self._user)
            entry = pwd.getpwnam(self._user)
            for path in (self.pgdata, self.run_dir, self.socket_dir):
                _pgserver().ensure_prefix_permissions(path)
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(self, program: str, *args: str, timeout: float) -> None:
        # Output goes to a file, not a pipe: the postmaster pg_ctl leaves behind
        # would inherit a pipe and keep subprocess.run waiting for EOF.
        with tempfile.TemporaryFile() as out:
            result = subprocess.run(
                [str(_pg_bin() / program), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                user=self._user,
                cwd=self.run_dir,  # root's cwd may be unreadable for the postgres user
                check=False,
            )
            if result.returncode != 0:
                out.seek(0)
                output = out.read().decode(errors="replace")
                raise RuntimeError(
                    f"{program} {' '.join(args)} failed ({result.returncode}):\n{output}\n"
                    f"--- server log ---\n{tail(self.log_file)}"
                )

    def _initdb(self, timeout: float) -> None:
        log.info("initialising a new PostgreSQL cluster in %s", self.pgdata)
        args = ["-D", str(self.pgdata), "-U", "postgres", "--auth=trust"]
        # C locale: the same sorting on every machine and no dependency on installed locales.
        args += ["--encoding=UTF8", "--locale=C"]
        if not self.durable:
            args.append("--no-sync")
        self._run("initdb", *args, timeout=timeout)

    def _pg_ctl_start(self, port: int, timeout: float) -> None:
        options = ["-h", HOST, "-p", str(port), "-k", str(self.socket_dir)]
        options += ["-c", "max_connections=300"]
        # An error's DETAIL quotes the row's values (a unique violation names its key); the
        # server's log keeps the message only, so no value of an event reaches it.
        options += ["-c", "log_error_verbosity=terse"]
        if not self.durable:
            # synchronous_commit stays on: without fsync it costs one write() per
            # commit, and turning it off would lose acknowledged commits on kill().
            options += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        self._run(
            "pg_ctl",
            *("-D", str(self.pgdata), "-l", str(self.log_file)),
            *("-w", "-t", str(int(timeout)), "-o", shlex.join(options), "start"),
            timeout=timeout + 5,
        )

    def _postmaster(self) -> psutil.Process | None:
        return _lock_owner(self.pgdata / "postmaster.pid")

    def _clear_dead_locks(self) -> None:
        """Remove lock files whose postmaster is gone.

        PostgreSQL cleans up after dead owners itself, but it takes an unreaped
        corpse (a container whose init does not reap) or a recycled pid for a
        live server and refuses to start.
        """
        locks = [self.pgdata / "postmaster.pid", *self.socket_dir.glob(".s.PGSQL.*.lock")]
        for lock in locks:
            if lock.exists() and _lock_owner(lock) is None:
                lock.unlink(missing_ok=True)

    def _stop_leftover(self) -> None:
        if self._postmaster() is None:
            return
        log.warning("stopping a postgres left running on %s", self.pgdata)
        try:
            self._pg_ctl_stop()
        except (RuntimeError, subprocess.TimeoutExpired):
            proc = self._postmaster()
            if proc is not None:
                kill_tree(proc)

    def _pg_ctl_stop(self, timeout: float = 30.0) -> None:
        self._run(
            "pg_ctl",
            *("-D", str(self.pgdata), "-m", "fast", "-w", "-t", str(int(timeout)), "stop"),
            timeout=timeout + 5,
        )

    def stop(self) -> None:
        if self._postmaster() is None:
            return
        self._pg_ctl_stop()
        log.info("postgres on port %s stopped", self._port)

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
