"""A real SMTP server (aiosmtpd) for the notification tests, run as its own process.

    python -m tests.support.smtp_server --port PORT --folder DIR [--refuse-first N]

Every message it accepts is written to DIR as one .eml file (written aside, then
renamed, so a reader never sees half of one). With --refuse-first N it answers the
first N RCPT TO of each address with 550, as a server refusing a mailbox does, and
accepts from then on. `SmtpServer` starts it, waits until it takes connections (no
sleeps) and stops it; `received` reads back what it accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import signal
import subprocess
import sys
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

from aiosmtpd.controller import Controller

from shared.runtime.processes import free_port
from shared.waiting import eventually


class Keeper:
    """aiosmtpd handler: refuses an address's first N recipients, keeps every message."""

    def __init__(self, folder: Path, refuse_first: int) -> None:
        self.folder = folder
        self.refuse_first = refuse_first
        self.asked: Counter[str] = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802, ANN201
        self.asked[address] += 1
        if self.asked[address] <= self.refuse_first:
            return "550 5.2.1 Mailbox unavailable (refused by the test server)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802, ANN201
        name = uuid4().hex
        partial = self.folder / f".{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / f"{name}.eml")
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--refuse-first", type=int, default=0)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keeper(args.folder, args.refuse_first), hostname="127.0.0.1", port=args.port)
    controller.start()
    stopped = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    try:
        loop.run_until_complete(stopped.wait())
    finally:
        controller.stop()
        loop.close()


class SmtpServer:
    """The server process on a port chosen before it runs (so a platform can be pointed at
    it while it is still down)."""

    def __init__(self, folder: Path, port: int | None = None, refuse_first: int = 0) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.refuse_first = refuse_first
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=noreply@scrutiny.test"

    def _launch(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.smtp_server", "--port", str(self.port), "--folder", str(self.folder),
             "--refuse-first", str(self.refuse_first)],
            cwd=Path(__file__).resolve().parents[2],
        )

    async def start(self) -> None:
        self._launch()
        await eventually(self._answers, timeout=30, what="the SMTP server to take connections")

    async def _answers(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise RuntimeError(f"the SMTP server exited with {self._process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)
        self._process = None

    def received(self) -> list[EmailMessage]:
        out = []
        for path in sorted(self.folder.glob("*.eml")) if self.folder.exists() else []:
            out.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return out  # type: ignore[return-value]


if __name__ == "__main__":
    main()
