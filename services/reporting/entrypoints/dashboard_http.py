"""The dashboard's pages over HTTP: the overview (`/p/{p}`), each area on a page of its
own, an agency's page, an event's record, and any table of them as CSV or Excel
(`/p/{p}/export/{table}.csv|xlsx`); live or `?as_of=` a past day."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from services.reporting.adapters.dashboard_pages import (
    AREAS,
    render_agency_page,
    render_area_page,
    render_dashboard_page,
    render_event_page,
)
from services.reporting.adapters.read_models.agency import agency_view
from services.reporting.adapters.read_models.event_detail import event_detail
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.read_models.scrutiny import read_workspace
from services.reporting.adapters.spreadsheets import FORMATS, Stamp, file_name, render
from services.reporting.domain.tables import UnknownTable, spec
from services.reporting.domain.views.event_detail import return_answers
from services.reporting.entrypoints.reading import NotFound, Reading, download


def routes(reading: Reading) -> list[Route]:
    async def dashboard(request: Request) -> Response:
        """The overview: the headline figures, each opening its area's page; ?as_of=YYYY-MM-DD for the
        records at the end of that day."""
        profile = reading.profile_of(request)
        async with reading.records(request) as records:
            view = await records.read_models.dashboard(profile, records.moment, area="overview")
        return HTMLResponse(render_dashboard_page(view, reading.page(request, profile, records)))

    async def area(request: Request) -> Response:
        """One area of the dashboard (AREAS: Section 11, risk flags, reviews, actions, assurance events,
        the planner) on a page of its own, live or ?as_of= as the overview."""
        profile = reading.profile_of(request)
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        async with reading.records(request) as records:
            view = await records.read_models.dashboard(profile, records.moment, area=name)
        return HTMLResponse(render_area_page(view, reading.page(request, profile, records), name))

    async def agency(request: Request) -> Response:
        profile = reading.profile_of(request)
        agency_id = request.path_params["agency_id"]
        async with reading.records(request) as records:
            try:
                view = await agency_view(reading.pool, records.schema, profile, agency_id, records.moment)
            except KeyError:
                raise NotFound(f"{agency_id!r} is not an agency of {profile.name}") from None
            scrutiny = (await read_workspace(reading.pool, records.schema, profile, records.moment)).for_agency(agency_id)
        return HTMLResponse(render_agency_page(view, reading.page(request, profile, records), scrutiny))

    async def event(request: Request) -> Response:
        """The stored envelope; an event of another partnership is not found, as an unknown one is."""
        profile = reading.profile_of(request)
        event_id = request.path_params["event_id"]
        detail = await event_detail(reading.pool, profile.id, event_id)
        if detail is None:
            raise NotFound(f"no event {event_id} in {profile.name}'s records")
        frame = reading.page(request, profile, day=reading.day_of(request))
        return HTMLResponse(render_event_page(detail, frame, return_answers(detail.payload, profile)))

    async def export(request: Request) -> Response:
        """A table of a page as CSV or Excel (domain/tables), of ?as_of= as the page is."""
        profile = reading.profile_of(request)
        fmt, name = request.path_params["format"], request.path_params["table"]
        if fmt not in FORMATS:
            raise NotFound(f"a table downloads as {' or '.join(FORMATS)}, not {fmt!r}")
        try:
            table_spec = spec(name)
        except UnknownTable:
            raise NotFound(f"{name!r} is not a table of the pages") from None
        async with reading.records(request) as records:
            match table_spec.page:
                case "dashboard":
                    view: Any = await records.read_models.dashboard(profile, records.moment)
                case "risks":
                    view = await ReportReadModels(reading.pool, records.schema).risks(profile, records.moment)
                case _:
                    view = await ReportReadModels(reading.pool, records.schema).tiered(profile, records.moment)
        table = table_spec.build(view)
        stamp = Stamp(profile.id, profile.name, records.day or reading.today(), records.moment, records.built is None)
        return download(await asyncio.to_thread(render, table, stamp, fmt), FORMATS[fmt], file_name(table, stamp, fmt))

    return [
        Route("/p/{partnership}", dashboard),
        *(Route(f"/p/{{partnership}}/{name}", area) for name in AREAS),
        Route("/p/{partnership}/agency/{agency_id}", agency),
        Route("/p/{partnership}/event/{event_id}", event),
        Route("/p/{partnership}/export/{table}.{format}", export),
    ]
