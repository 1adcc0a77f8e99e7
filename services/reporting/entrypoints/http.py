"""The dashboard's pages over HTTP: the partnership's dashboard, agency pages, event
records, reports, risk register and board packs, live or as of a past day; each page's
tables as CSV or Excel (`/p/{p}/export/{table}.csv|xlsx`) and the reports and board pack
as Word (`?format=docx`), from the same views (docs/reporting.md, "Downloads").

These routes sit behind the front door (entrypoints/web/app.py), which signs people in
and decides who may read each page (the shared token they once needed is gone).

Over 300 lines: every route, its middleware and the mapping of errors to 400 and 404
are kept together, so what each page requires is visible in one place."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

import asyncpg
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from services.reporting.adapters.as_of import (
    FIRST_DAY,
    LAST_DAY,
    AsOf,
    AsOfSchemas,
    FutureDate,
    parse_day,
)
from services.reporting.adapters.dashboard_pages import (
    AREAS,
    Page,
    page_for,
    render_agency_page,
    render_area_page,
    render_dashboard_page,
    render_event_page,
)
from services.reporting.adapters.docx_board_pack import board_pack_docx
from services.reporting.adapters.docx_reports import (
    docx_name,
    thematic_docx,
    tiered_docx,
    yearly_docx,
)
from services.reporting.adapters.docx_writer import MEDIA_TYPE as DOCX
from services.reporting.adapters.pages import (
    board_pack_name,
    render_board_pack,
    render_board_pack_pdf,
)
from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.read_models.agency import agency_view
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.read_models.event_detail import event_detail
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.read_models.scrutiny import read_workspace
from services.reporting.adapters.report_pages import (
    ThemesIndex,
    render_risks,
    render_thematic,
    render_themes,
    render_tiered,
    render_yearly,
)
from services.reporting.adapters.spreadsheets import FORMATS, Stamp, file_name, render
from services.reporting.domain.tables import UnknownTable, spec
from services.reporting.domain.views.board_pack_schedule import UnknownGroup, default_group
from services.reporting.domain.views.event_detail import return_answers
from services.reporting.entrypoints import meetings_http, scrutiny_http
from shared import london
from shared.clock import Clock
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile

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


def _built(built: AsOf | None) -> tuple[date | None, int | None]:
    return (built.day, built.events) if built else (None, None)


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


def download(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def wants(request: Request, *formats: str) -> str:
    """?format=: "html" when absent; one of `formats`, else refused."""
    fmt = request.query_params.get("format", "").strip() or "html"
    if fmt not in ("html", *formats):
        raise BadRequest(f"format is one of {', '.join(('html', *formats))}, not {fmt!r}")
    return fmt


def build_app(
    read_models: ReadModels,
    partnerships: Partnerships,
    clock: Clock,
    *,
    pool: asyncpg.Pool | None = None,
    schema: str | None = None,
) -> Starlette:
    # The stores and the read models share one database: the dashboard reads the live read
    # models' pool and schema unless told otherwise, and builds as-of records beside them.
    pool = pool or read_models._pool
    schema = schema or read_models._schema
    as_of_schemas = AsOfSchemas(pool, clock)

    def profile_of(request: Request) -> FrameworkProfile:
        partnership = request.path_params["partnership"]
        if partnership not in partnerships:
            raise NotFound(f"{partnership!r} is not a partnership on this platform")
        return partnerships[partnership]

    def day_of(request: Request) -> date | None:
        """?as_of=YYYY-MM-DD; None (live) when absent or today; refused when not a date or later than today."""
        text = request.query_params.get("as_of", "").strip()
        if not text:
            return None
        try:
            day = parse_day(text)
        except ValueError:
            raise BadRequest(f"as_of is a date (YYYY-MM-DD) from {FIRST_DAY.isoformat()}, not {text!r}") from None
        today = london.today(clock)
        if day > today:
            raise BadRequest(f"as_of {day.isoformat()} is after today ({today.isoformat()}): there are no records of it yet")
        return None if day == today else day

    @asynccontextmanager
    async def records(request: Request) -> AsyncIterator[tuple[str, datetime, AsOf | None]]:
        """The schema to read, the moment it stands at, and the as-of day's build (None: live)."""
        day = day_of(request)
        if day is None:
            yield schema, clock.now(), None
            return
        try:
            async with as_of_schemas.reading(day, request.path_params.get("partnership")) as built:
                yield built.schema, built.moment, built
        except FutureDate as future:
            raise BadRequest(str(future)) from None

    def page(request: Request, profile: FrameworkProfile, day: date | None, events: int | None = None) -> Page:
        return page_for(profile, request.url.path, london.today(clock), day, events)

    async def dashboard(request: Request) -> Response:
        """The overview: the headline figures, each opening its area's page; ?as_of=YYYY-MM-DD for the
        records at the end of that day."""
        profile = profile_of(request)
        async with records(request) as (where, moment, built):
            view = await (read_models if built is None else ReadModels(pool, where)).dashboard(profile, moment)
        return HTMLResponse(render_dashboard_page(view, page(request, profile, *_built(built))))

    async def area(request: Request) -> Response:
        """One area of the dashboard (AREAS: Section 11, risk flags, reviews, actions, assurance events,
        the planner) on a page of its own, live or ?as_of= as the overview."""
        profile = profile_of(request)
        async with records(request) as (where, moment, built):
            view = await (read_models if built is None else ReadModels(pool, where)).dashboard(profile, moment)
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        return HTMLResponse(render_area_page(view, page(request, profile, *_built(built)), name))

    async def agency(request: Request) -> Response:
        profile = profile_of(request)
        agency_id = request.path_params["agency_id"]
        async with records(request) as (where, moment, built):
            try:
                view = await agency_view(pool, where, profile, agency_id, moment)
            except KeyError:
                raise NotFound(f"{agency_id!r} is not an agency of {profile.name}") from None
            scrutiny = (await read_workspace(pool, where, profile, moment)).for_agency(agency_id)
        return HTMLResponse(render_agency_page(view, page(request, profile, *_built(built)), scrutiny))

    async def event(request: Request) -> Response:
        """The stored envelope; an event of another partnership is not found, as an unknown one is."""
        profile = profile_of(request)
        event_id = request.path_params["event_id"]
        detail = await event_detail(pool, profile.id, event_id)
        if detail is None:
            raise NotFound(f"no event {event_id} in {profile.name}'s records")
        return HTMLResponse(render_event_page(detail, page(request, profile, day_of(request)), return_answers(detail.payload, profile)))

    async def board_pack(request: Request) -> Response:
        """?meeting=YYYY-MM-DD (default today) &group= (default the board) &since= &format=pdf|docx"""
        profile = profile_of(request)
        query = request.query_params
        fmt = wants(request, "pdf", "docx")
        try:
            meeting = parse_day(query["meeting"]) if query.get("meeting") else london.today(clock)
            since = parse_day(query["since"]) if query.get("since") else None
        except ValueError:
            raise BadRequest(f"meeting and since are dates (YYYY-MM-DD) from {FIRST_DAY.isoformat()}") from None
        try:
            pack = await BoardPackReadModels.over(read_models).board_pack(
                profile, query.get("group") or default_group(profile), meeting, clock.now(), since
            )
        except UnknownGroup as unknown:
            return PlainTextResponse(f"404 not found: {unknown}\n", status_code=404)
        if fmt == "docx":
            return download(await asyncio.to_thread(board_pack_docx, pack), DOCX, f"{board_pack_name(pack)}.docx")
        if fmt == "pdf":
            pdf = await asyncio.to_thread(render_board_pack_pdf, pack)
            name = f"{board_pack_name(pack)}.pdf"
            return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
        return HTMLResponse(await asyncio.to_thread(render_board_pack, pack))

    async def tiered_report(request: Request) -> Response:
        """The profile's tiers, tools and where each is reported, each indicator's rating and its evidence."""
        profile = profile_of(request)
        fmt = wants(request, "docx")
        async with records(request) as (where, moment, built):
            report = await ReportReadModels(pool, where).tiered(profile, moment)
        if fmt == "docx":
            return download(await asyncio.to_thread(tiered_docx, report), DOCX, docx_name(report))
        return HTMLResponse(render_tiered(report, page=page(request, profile, *_built(built))))

    async def thematic_report(request: Request) -> Response:
        """?theme= (and ?template=): the report on a theme; without a theme, the themes to choose from."""
        profile = profile_of(request)
        theme = request.query_params.get("theme", "").strip()
        template = request.query_params.get("template") or None
        fmt = wants(request, "docx")
        if template and template not in {t.id for t in profile.reporting.templates}:
            raise NotFound(f"{template!r} is not a report template of {profile.name}")
        async with records(request) as (where, moment, built):
            reports = ReportReadModels(pool, where)
            if not theme:
                index = ThemesIndex(profile.id, profile.name, await reports.themes(profile))
                return HTMLResponse(render_themes(index, page(request, profile, *_built(built))))
            report = await reports.thematic(profile, theme, moment, template)
        if fmt == "docx":
            return download(await asyncio.to_thread(thematic_docx, report), DOCX, docx_name(report))
        return HTMLResponse(render_thematic(report, template=template, page=page(request, profile, *_built(built))))

    async def yearly_report(request: Request) -> Response:
        """A yearly report of the year starting in {year}, and where it is in its sign-off: the
        profile's first (the partnership's own), or the one named by {report}."""
        profile = profile_of(request)
        report_id = request.path_params.get("report")
        if report_id is not None and profile.reporting.yearly(report_id) is None:
            raise NotFound(f"{profile.name} names no yearly report {report_id!r}")
        text = request.path_params["year"]
        if not (text.isascii() and text.isdigit() and FIRST_DAY.year <= int(text) < LAST_DAY.year):
            raise BadRequest(f"the year is a number from {FIRST_DAY.year} (2026 for 2026/27), not {text!r}")
        year = int(text)
        fmt = wants(request, "docx")
        async with records(request) as (where, moment, built):
            report = await ReportReadModels(pool, where).yearly(profile, year, moment, report_id)
        if fmt == "docx":
            return download(await asyncio.to_thread(yearly_docx, report), DOCX, docx_name(report))
        return HTMLResponse(render_yearly(report, page=page(request, profile, *_built(built))))

    async def risk_register(request: Request) -> Response:
        profile = profile_of(request)
        async with records(request) as (where, moment, built):
            register = await ReportReadModels(pool, where).risks(profile, moment)
        return HTMLResponse(render_risks(register, page=page(request, profile, *_built(built))))

    async def export(request: Request) -> Response:
        """A table of a page as CSV or Excel (domain/tables), of ?as_of= as the page is."""
        profile = profile_of(request)
        fmt, name = request.path_params["format"], request.path_params["table"]
        if fmt not in FORMATS:
            raise NotFound(f"a table downloads as {' or '.join(FORMATS)}, not {fmt!r}")
        try:
            table_spec = spec(name)
        except UnknownTable:
            raise NotFound(f"{name!r} is not a table of the pages") from None
        async with records(request) as (where, moment, built):
            match table_spec.page:
                case "dashboard":
                    view: Any = await (read_models if built is None else ReadModels(pool, where)).dashboard(profile, moment)
                case "risks":
                    view = await ReportReadModels(pool, where).risks(profile, moment)
                case _:
                    view = await ReportReadModels(pool, where).tiered(profile, moment)
        table = table_spec.build(view)
        stamp = Stamp(profile.id, profile.name, built.day if built else london.today(clock), moment, built is None)
        return download(await asyncio.to_thread(render, table, stamp, fmt), FORMATS[fmt], file_name(table, stamp, fmt))

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"404 not found: {exc}\n", status_code=404)

    async def bad_request(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"400 bad request: {exc}\n", status_code=400)

    pages = [
        Route("/p/{partnership}", dashboard),
        *(Route(f"/p/{{partnership}}/{name}", area) for name in AREAS),
        Route("/p/{partnership}/agency/{agency_id}", agency),
        Route("/p/{partnership}/event/{event_id}", event),
        Route("/p/{partnership}/board-pack", board_pack),
        Route("/p/{partnership}/reports/tiered", tiered_report),
        Route("/p/{partnership}/reports/thematic", thematic_report),
        Route("/p/{partnership}/reports/yearly/{year}", yearly_report),
        Route("/p/{partnership}/reports/yearly/{report}/{year}", yearly_report),
        Route("/p/{partnership}/risks", risk_register),
        *scrutiny_http.routes(read_models, partnerships, clock),
        *meetings_http.routes(read_models, partnerships, clock),
        Route("/p/{partnership}/export/{table}.{format}", export),
        Route("/metrics", metrics),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=pages, exception_handlers={NotFound: not_found, BadRequest: bad_request})
