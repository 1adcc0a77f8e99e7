"""The dashboard over HTTP. Every page but /healthz needs the dashboard token."""

import asyncio
import hmac
from datetime import date

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from services.reporting.adapters.pages import (
    board_pack_name,
    render_board_pack,
    render_board_pack_pdf,
    render_dashboard,
)
from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.domain.views.board_pack_schedule import UnknownGroup, default_group
from shared.clock import Clock
from shared.partnerships import Partnerships

COOKIE = "scrutiny_token"


class TokenRequired(BaseHTTPMiddleware):
    """Bearer header, ?token= (then remembered in a cookie) or the cookie itself."""

    def __init__(self, app: object, token: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self._token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/healthz":
            return await call_next(request)
        header = request.headers.get("authorization", "")
        offered = (
            header.removeprefix("Bearer ").strip()
            or request.query_params.get("token", "")
            or request.cookies.get(COOKIE, "")
        )
        if not offered or not hmac.compare_digest(offered, self._token):
            return PlainTextResponse("401 unauthorised: this dashboard needs its token\n", status_code=401)
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(COOKIE, self._token, httponly=True, samesite="strict")
        return response


def build_app(read_models: ReadModels, partnerships: Partnerships, clock: Clock, token: str) -> Starlette:
    async def home(request: Request) -> Response:
        first = next(iter(partnerships))
        return RedirectResponse(f"/p/{first}", status_code=303)

    async def dashboard(request: Request) -> Response:
        profile = partnerships.profile(request.path_params["partnership"])
        view = await read_models.dashboard(profile, clock.now())
        return HTMLResponse(render_dashboard(view))

    async def board_pack(request: Request) -> Response:
        """?meeting=YYYY-MM-DD (default today) &group= (default the board) &since= &format=pdf"""
        profile = partnerships.profile(request.path_params["partnership"])
        query = request.query_params
        try:
            meeting = date.fromisoformat(query.get("meeting") or clock.now().date().isoformat())
            since = date.fromisoformat(query["since"]) if query.get("since") else None
        except ValueError:
            return PlainTextResponse("400 bad request: meeting and since are dates (YYYY-MM-DD)\n", status_code=400)
        try:
            pack = await BoardPackReadModels.over(read_models).board_pack(
                profile, query.get("group") or default_group(profile), meeting, clock.now(), since
            )
        except UnknownGroup as unknown:
            return PlainTextResponse(f"404 not found: {unknown}\n", status_code=404)
        if query.get("format") == "pdf":
            pdf = await asyncio.to_thread(render_board_pack_pdf, pack)
            name = f"{board_pack_name(pack)}.pdf"
            return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
        return HTMLResponse(await asyncio.to_thread(render_board_pack, pack))

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    return Starlette(
        routes=[
            Route("/", home),
            Route("/p/{partnership}", dashboard),
            Route("/p/{partnership}/board-pack", board_pack),
            Route("/metrics", metrics),
            Route("/healthz", healthz),
        ],
        middleware=[Middleware(TokenRequired, token=token)],
    )
