"""What both embedded servers share: loopback ports, child processes and their end."""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
RESERVED_PORTS = frozenset({4222, 5432})


_CHOOSE = random.SystemRandom()  # never the seeded `random` of a test run: workers would choose alike
_LOWEST = 10_000


def _outgoing_ports_start() -> int:
    """The first port of the kernel's range for outgoing connections' own ports."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default; other systems' ranges start higher


def free_port() -> int:
    """A loopback port nothing listens on now, for a child process to bind later.

    Chosen below the kernel's range for outgoing connections' ports: between the choice and
    the child's bind, any connection opened on the machine may take a port of that range as
    its own (one took a test SMTP server's port, which then could not start), never one below
    it. Only another listener could, and this one was free when chosen."""
    top = _outgoing_ports_start()
    while True:
        port = _CHOOSE.randrange(_LOWEST, top) if top > _LOWEST else 0
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:  # in use: choose again
                continue
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def tail(path: Path, *, offset: int = 0, chars: int = 3000) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def alive(proc: psutil.Process) -> bool:
    # A killed process nobody has reaped yet still has a pid; it is dead all the same.
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(procs: list[psutil.Process], timeout: float) -> bool:
    # Not psutil.wait_procs: it would wait out the timeout on an unreaped corpse.
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in procs):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def kill_tree(proc: psutil.Process, timeout: float = 5.0) -> None:
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    wait_gone(procs, timeout)


class Server:
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


