"""A meeting's page over HTTP (issue 16 item 4): `/p/{p}/meetings/{meeting_id}`, a meeting
on the partnership's calendar with its agenda (from its group's board pack for its day),
a link to that pack (`/p/{p}/board-pack?meeting=<date>&group=<id>`), the actions raised
against it and, once held, its decisions and minutes. Read by the partnership's readers,
like the board pack."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from services.reporting.adapters.dashboard_pages import page_for
from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.scrutiny_pages import render_meeting
from shared import london
from shared.clock import Clock
from shared.partnerships import Partnerships


def routes(read_models: ReadModels, partnerships: Partnerships, clock: Clock) -> list[Route]:
    async def meeting(request: Request) -> Response:
        partnership, meeting_id = request.path_params["partnership"], request.path_params["meeting_id"]
        if partnership not in partnerships:
            return PlainTextResponse("404 not found: no such partnership\n", status_code=404)
        profile = partnerships[partnership]
        view = await BoardPackReadModels.over(read_models).meeting_page(profile, meeting_id, clock.now())
        if view is None:
            return PlainTextResponse(f"404 not found: no meeting {meeting_id!r} on {profile.name}'s calendar\n", status_code=404)
        return HTMLResponse(render_meeting(view, page_for(profile, request.url.path, london.today(clock))))

    return [Route("/p/{partnership}/meetings/{meeting_id}", meeting)]
