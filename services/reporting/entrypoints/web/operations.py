"""The operator's page: is each service answering, and how many dead letters wait.

An operator keeps the platform running and reads no partnership's records: this page
shows the services' health (each answers `{ns}.health.{service}`) and the number of
messages waiting in the dead-letter stream, nothing of any child, agency or case.
Dead letters themselves are read and replayed with `scrutiny deadletters`.
"""

from __future__ import annotations

import json

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import visitor
from shared.messaging.subjects import SERVICES, Subjects

HEALTH_TIMEOUT = 2.0


def routes(accounts: Accounts, render: Renderer, nc: Client, subjects: Subjects) -> list[Route]:
    async def operations(request: Request) -> Response:
        found = await visitor(request, accounts)
        services = []
        for service in SERVICES:
            try:
                answer = json.loads((await nc.request(f"{subjects.namespace}.health.{service}", b"", timeout=HEALTH_TIMEOUT)).data)
                services.append({"name": service, "status": answer.get("status", "?"), "ok": answer.get("status") == "ok"})
            except (TimeoutError, NoRespondersError):
                services.append({"name": service, "status": "not answering", "ok": False})
        try:
            info = await nc.jetstream().stream_info(subjects.deadletter_stream)
            waiting: int | None = info.state.messages
        except Exception:  # noqa: BLE001 - the stream may not exist yet; say so rather than fail
            waiting = None
        return render.page(request, "operations.html", found, page_title="Operations", services=services, dead_letters=waiting)

    return [Route("/ops", operations, methods=["GET"])]
