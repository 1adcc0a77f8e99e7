"""A meeting's page over HTTP (issue 16 item 4): `/p/{p}/meetings/{meeting_id}`, a meeting
on the partnership's calendar with its agenda (from its group's board pack for its day),
a link to that pack (`/p/{p}/board-pack?meeting=<date>&group=<id>`), the actions raised
against it and, once held, its decisions and minutes. Read by the partnership's readers,
like the board pack."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.scrutiny_pages import render_meeting
from services.reporting.entrypoints.reading import NotFound, Reading


def routes(reading: Reading) -> list[Route]:
    async def meeting(request: Request) -> Response:
        profile, meeting_id = reading.profile_of(request), request.path_params["meeting_id"]
        view = await BoardPackReadModels.over(reading.read_models).meeting_page(profile, meeting_id, reading.clock.now())
        if view is None:
            raise NotFound(f"no meeting {meeting_id!r} on {profile.name}'s calendar")
        return HTMLResponse(render_meeting(view, reading.page(request, profile)))

    return [Route("/p/{partnership}/meetings/{meeting_id}", meeting)]
