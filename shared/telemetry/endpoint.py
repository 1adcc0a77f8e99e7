"""Each service process's own small HTTP endpoint: `/metrics`, `/healthz`, `/readyz`.

Served by asyncio itself (a few dozen lines of HTTP/1.0), not by a web framework: the
command services do not load one (the reporting process alone carries starlette and
uvicorn, for the front door). It answers GET only, one request a connection.

- `/metrics`: the process's Prometheus registry, in the text format.
- `/healthz`: 200 while the process's event loop answers (alive).
- `/readyz`: 200 when every check passes (its database answers, its NATS connection is
  up, its consumers started), else 503; the body says which failed, as JSON.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)

Checks = Callable[[], Awaitable[dict[str, bool]]]
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
MAX_HEAD = 8192


class Endpoint:
    def __init__(self, service: str, ready: Checks, registry: CollectorRegistry = REGISTRY) -> None:
        self._service = service
        self._ready = ready
        self._registry = registry
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: a free port); returns the port bound."""
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                head = await reader.readuntil(b"\r\n\r\n")
                status, content_type, body = await self._answer(head)
                writer.write(
                    f"HTTP/1.0 {status} {_REASONS[status]}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, head: bytes) -> tuple[int, str, bytes]:
        parts = head[:MAX_HEAD].split(b"\r\n", 1)[0].split()
        if len(parts) != 3:
            return 400, "text/plain", b"bad request\n"
        method, target = parts[0], parts[1].split(b"?", 1)[0]
        if method != b"GET":
            return 405, "text/plain", b"GET only\n"
        if target == b"/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(self._registry)
        if target == b"/healthz":
            return 200, "application/json", json.dumps({"service": self._service, "status": "alive"}).encode()
        if target == b"/readyz":
            try:
                checks = await self._ready()
            except Exception as error:  # a check that raised is a check that failed
                log.debug("readiness of %s failed: %r", self._service, error)
                checks = {"checks": False}
            ready = all(checks.values())
            body = json.dumps({"service": self._service, "ready": ready, "checks": checks}).encode()
            return (200 if ready else 503), "application/json", body
        return 404, "text/plain", b"not found\n"
