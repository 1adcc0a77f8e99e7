"""What both embedded servers share: loopback ports, child processes and their end."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
RESERVED_PORTS = frozenset({4222, 5432})


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
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


