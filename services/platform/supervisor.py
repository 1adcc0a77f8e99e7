"""`scrutiny up`: the servers, then each service as its own process, watched until stopped.

The reporting service's process serves the front door (people sign in as themselves) on
dashboard_host:dashboard_port. Once every service answers, its address is added to
data_dir/runtime.json (`front_door`), so that `scrutiny people` can print whole links.
Each service also serves /metrics, /healthz and /readyz on a port of its own on
metrics_host (metrics_port + its index when set, else a free one), recorded there too
(`metrics`: service -> URL) for a Prometheus to scrape."""

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nats

from services.platform.servers import Servers
from services.runner import BOOTSTRAPS
from shared.config import Settings
from shared.messaging.subjects import Subjects
from shared.runtime.demo_clock import clock_bucket, write_moment
from shared.runtime.nats_auth import write_private
from shared.waiting import eventually

log = logging.getLogger(__name__)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Platform:
    settings: Settings
    servers: Servers = field(init=False)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    dashboard_port: int = 0
    metrics_ports: dict[str, int] = field(default_factory=dict)
    # A demo's platform: its services start on this moment and follow the clock the demo
    # moves (shared/runtime/demo_clock.py); None: their own clock.
    demo_from: datetime | None = None

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()

    @property
    def front_door_url(self) -> str:
        """Where people reach the front door: settings.base_url, else this machine's address."""
        return front_door_address(self.settings, self.dashboard_port)

    def service_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SCRUTINY_NATS_URL=self.servers.nats_url,
            SCRUTINY_DATABASE_URL=self.servers.database_url,
            SCRUTINY_NAMESPACE=self.settings.namespace,
            SCRUTINY_DATA_DIR=str(self.data_dir),  # where the agencies' NATS credentials are
            SCRUTINY_PROFILES=json.dumps(self.settings.profiles),
            SCRUTINY_DASHBOARD_HOST=self.settings.dashboard_host,
            SCRUTINY_DASHBOARD_PORT=str(self.dashboard_port),
            SCRUTINY_DEADLINE_INTERVAL_SECONDS=str(self.settings.deadline_interval_seconds),
            SCRUTINY_STREAM_REPLICAS=str(self.settings.stream_replicas),
            **({"SCRUTINY_TODAY": self.settings.today.isoformat()} if self.settings.today else {}),
            SCRUTINY_DEMO_CLOCK="true" if self.demo_from is not None else "false",
        )
        # The front door's address and certificate as these settings have them (a copy made
        # in code, as the tests make, has them nowhere in the environment).
        for name, value in (("BASE_URL", self.settings.base_url), ("TLS_CERTFILE", self.settings.tls_certfile),
                            ("TLS_KEYFILE", self.settings.tls_keyfile)):
            if value:
                env[f"SCRUTINY_{name}"] = str(value)
        return env

    def spawn(self, name: str) -> subprocess.Popen[bytes]:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"{name}.log", "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "services.runner", name],
                env=self.service_env() | {"SCRUTINY_DATABASE_URL": self.servers.database_url_for(name)} | self.metrics_env(name),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C goes to the supervisor, which stops them in order
            )
        self.processes[name] = process
        return process

    def metrics_env(self, name: str) -> dict[str, str]:
        """The service's own metrics endpoint: metrics_port + its index, else a free port."""
        host, base = self.settings.metrics_host, self.settings.metrics_port
        port = self.metrics_ports.setdefault(name, base + list(BOOTSTRAPS).index(name) if base else _free_port(host))
        return {"SCRUTINY_METRICS_HOST": host, "SCRUTINY_METRICS_PORT": str(port)}

    def metrics_urls(self) -> dict[str, str]:
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(self.settings.metrics_host, self.settings.metrics_host)
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return {name: f"http://{host}:{port}" for name, port in self.metrics_ports.items()}

    async def wait_healthy(self, name: str, within: float = 180.0) -> None:
        nc = await nats.connect(self.servers.nats_url)
        try:
            async def answers() -> bool:
                if self.processes[name].poll() is not None:
                    raise RuntimeError(
                        f"service {name} exited with {self.processes[name].returncode}; see {self.data_dir / 'logs' / (name + '.log')}"
                    )
                try:
                    await nc.request(f"{self.settings.namespace}.health.{name}", b"", timeout=0.5)
                    return True
                except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                    return False

            await eventually(answers, timeout=within, what=f"service {name} to answer its health check")
        finally:
            await nc.close()

    async def start(self) -> "Platform":
        self.servers = Servers(self.settings)
        try:
            await self.servers.start()
            self.dashboard_port = self.settings.dashboard_port or _free_port(self.settings.dashboard_host)
            if self.demo_from is not None:
                await self._hold_clock_at(self.demo_from)
            for name in BOOTSTRAPS:
                self.spawn(name)
            for name in BOOTSTRAPS:
                await self.wait_healthy(name)
            self._record_front_door()
        except BaseException:
            # Half-started (a service failed, or Ctrl-C): leave no servers or services behind.
            self.stop()
            raise
        return self

    async def _hold_clock_at(self, moment: datetime) -> None:
        """Where the demo's year starts: the moment every service reads when it starts."""
        nc = await nats.connect(self.servers.nats_url)
        try:
            kv = await clock_bucket(nc.jetstream(), Subjects(self.settings.namespace), self.settings.stream_replicas)
            await write_moment(kv, moment)
        finally:
            await nc.close()

    def _record_front_door(self) -> None:
        """Add the front door's address to runtime.json, beside the servers' URLs."""
        runtime = self.servers.runtime_file
        state = json.loads(runtime.read_text()) if runtime.exists() else {}
        write_private(runtime, json.dumps(state | {"front_door": self.front_door_url, "metrics": self.metrics_urls()}))

    def kill(self, name: str) -> None:
        """kill -9 one service (crash tests)."""
        self.processes[name].kill()
        self.processes[name].wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log.warning("service %s did not stop in time; killing it", name)
                process.kill()
        self.processes.clear()
        self.servers.stop()


def front_door_address(settings: Settings, port: int) -> str:
    """settings.base_url, else http(s)://host:port as this machine reaches it (a server
    listening on every interface is reached here on the loopback)."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    scheme = "https" if settings.tls_certfile else "http"
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(settings.dashboard_host, settings.dashboard_host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


async def serve_until_interrupted(platform: Platform) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
