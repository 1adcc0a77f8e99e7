"""The reporting service's pages over HTTP, put together: the dashboard's pages
(`dashboard_http`), the reports and board packs (`reports_http`), the scrutineer's pages
(`scrutiny_http`) and a meeting's page (`meetings_http`), each live or as of a past day
through the one `Reading` (`reading.py`: the partnership, the day, the records, the
frame, and the refusals mapped to 404 and 400), with the security headers every
response carries, metrics and health. Each page's tables download as CSV or Excel and
the reports and board pack as Word (docs/reporting.md, "Downloads").

These routes sit behind the front door (entrypoints/web/app.py), which signs people in
and decides who may read each page (the shared token they once needed is gone)."""

from typing import Any

import asyncpg
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from services.reporting.adapters.read_models import ReadModels
from services.reporting.entrypoints import dashboard_http, meetings_http, reports_http, scrutiny_http
from services.reporting.entrypoints.reading import ERRORS, Reading
from shared.clock import Clock
from shared.partnerships import Partnerships

# On every response: the pages hold safeguarding data. No script, frame or foreign origin
# is ever needed (the pages work without JavaScript, which only enhances them from this
# origin's own /static; charts are inline SVG or data: PNG).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response, refusals and errors included (pure ASGI)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self._headers}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + self._headers
            await send(message)

        await self._app(scope, receive, with_headers)


def build_app(
    read_models: ReadModels,
    partnerships: Partnerships,
    clock: Clock,
    *,
    pool: asyncpg.Pool | None = None,
    schema: str | None = None,
) -> Starlette:
    reading = Reading(read_models, partnerships, clock, pool, schema)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    pages = [
        *dashboard_http.routes(reading),
        *reports_http.routes(reading),
        *scrutiny_http.routes(reading),
        *meetings_http.routes(reading),
        Route("/metrics", metrics),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=pages, exception_handlers=dict(ERRORS))
