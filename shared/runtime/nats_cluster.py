"""A JetStream cluster of local nats-server processes on loopback (tests, and trying the
scale-out set-up on one machine): each node its own store directory, client port and
route port; streams created with `num_replicas=3` are kept by all three (RAFT), so
one node can be killed and the other two carry on.
"""

from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.runtime.nats_server import _nats_binary
from shared.runtime.processes import HOST, accepts_connections, free_port, tail

log = logging.getLogger(__name__)


@dataclass
class Node:
    name: str
    dir: Path
    port: int
    route_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.dir / "nats-server.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class EmbeddedNatsCluster:
    data_dir: Path
    size: int = 3
    name: str = "scrutiny"
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        root = Path(self.data_dir).resolve() / "nats-cluster"
        ports: list[int] = []
        while len(ports) < 2 * self.size:  # a client and a route port each, all different
            if (port := free_port()) not in ports:
                ports.append(port)
        self.nodes = [
            Node(f"n{i + 1}", root / f"n{i + 1}", ports[2 * i], ports[2 * i + 1]) for i in range(self.size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def _config(self, node: Node) -> str:
        routes = ", ".join(f"nats-route://{HOST}:{other.route_port}" for other in self.nodes if other is not node)
        return (
            f'server_name: "{node.name}"\n'
            f'listen: "{HOST}:{node.port}"\n'
            f'jetstream {{ store_dir: "{node.dir}" }}\n'
            f'cluster {{ name: "{self.name}", listen: "{HOST}:{node.route_port}", routes: [{routes}] }}\n'
        )

    def start(self, *, timeout: float = 30.0) -> list[str]:
        for node in self.nodes:
            self.start_node(node, wait=False)
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            self._wait_ready(node, deadline)
        return self.urls

    def start_node(self, node: Node, *, wait: bool = True, timeout: float = 30.0) -> None:
        """Start (or start again, on the same ports and store) one node."""
        if node.running:
            return
        node.dir.mkdir(parents=True, exist_ok=True)
        config = node.dir / "nats-server.conf"
        config.write_text(self._config(node))
        with node.log_file.open("ab") as out:
            node.process = subprocess.Popen(
                [_nats_binary(), "--config", str(config), "--log", str(node.log_file)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )
        if wait:
            self._wait_ready(node, time.monotonic() + timeout)

    def _wait_ready(self, node: Node, deadline: float) -> None:
        assert node.process is not None
        while not accepts_connections(node.port):
            if node.process.poll() is not None:
                raise RuntimeError(f"nats-server {node.name} exited:\n{tail(node.log_file)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server {node.name} did not start:\n{tail(node.log_file)}")
            time.sleep(0.05)
        log.info("nats-server %s ready on %s", node.name, node.url)

    def kill(self, node: Node) -> None:
        """SIGKILL one node, as a crash or a lost machine would."""
        if node.process is not None and node.process.poll() is None:
            node.process.kill()
            node.process.wait()

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(10)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()
