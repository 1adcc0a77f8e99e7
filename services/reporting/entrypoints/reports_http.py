"""The reports and the board pack over HTTP: the tiered assurance report, the thematic
report on a theme, a yearly report, the risk register (each as Word with `?format=docx`)
and a group's board pack for a meeting (`?format=pdf|docx`); each live or `?as_of=` a
past day, from the one as-of service as every other page."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from services.reporting.adapters.as_of import FIRST_DAY, LAST_DAY, parse_day
from services.reporting.adapters.docx_board_pack import board_pack_docx
from services.reporting.adapters.docx_reports import docx_name, thematic_docx, tiered_docx, yearly_docx
from services.reporting.adapters.docx_writer import MEDIA_TYPE as DOCX
from services.reporting.adapters.pages import board_pack_name, render_board_pack, render_board_pack_pdf
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.report_pages import (
    ThemesIndex,
    render_risks,
    render_thematic,
    render_themes,
    render_tiered,
    render_yearly,
)
from services.reporting.domain.views.board_pack_schedule import UnknownGroup, default_group
from services.reporting.entrypoints.reading import BadRequest, NotFound, Reading, download, wants


def routes(reading: Reading) -> list[Route]:
    async def board_pack(request: Request) -> Response:
        """?meeting=YYYY-MM-DD (default the as-of day, else today) &group= (default the board) &since=
        &as_of= &format=pdf|docx"""
        profile = reading.profile_of(request)
        query = request.query_params
        fmt = wants(request, "pdf", "docx")
        try:
            meeting = parse_day(query["meeting"]) if query.get("meeting") else None
            since = parse_day(query["since"]) if query.get("since") else None
        except ValueError:
            raise BadRequest(f"meeting and since are dates (YYYY-MM-DD) from {FIRST_DAY.isoformat()}") from None
        async with reading.records(request) as records:
            try:
                pack = await BoardPackReadModels.over(records.read_models).board_pack(
                    profile, query.get("group") or default_group(profile), meeting or records.day or reading.today(),
                    records.moment, since,
                )
            except UnknownGroup as unknown:
                return PlainTextResponse(f"404 not found: {unknown}\n", status_code=404)
        if fmt == "docx":
            return download(await asyncio.to_thread(board_pack_docx, pack), DOCX, f"{board_pack_name(pack)}.docx")
        if fmt == "pdf":
            pdf = await asyncio.to_thread(render_board_pack_pdf, pack)
            return download(pdf, "application/pdf", f"{board_pack_name(pack)}.pdf", inline=True)
        return HTMLResponse(await asyncio.to_thread(render_board_pack, pack))

    async def tiered_report(request: Request) -> Response:
        """The profile's tiers, tools and where each is reported, each indicator's rating and its evidence."""
        profile = reading.profile_of(request)
        fmt = wants(request, "docx")
        async with reading.records(request) as records:
            report = await ReportReadModels(reading.pool, records.schema).tiered(profile, records.moment)
        if fmt == "docx":
            return download(await asyncio.to_thread(tiered_docx, report), DOCX, docx_name(report))
        return HTMLResponse(render_tiered(report, page=reading.page(request, profile, records)))

    async def thematic_report(request: Request) -> Response:
        """?theme= (and ?template=): the report on a theme; without a theme, the themes to choose from."""
        profile = reading.profile_of(request)
        theme = request.query_params.get("theme", "").strip()
        template = request.query_params.get("template") or None
        fmt = wants(request, "docx")
        if template and template not in {t.id for t in profile.reporting.templates}:
            raise NotFound(f"{template!r} is not a report template of {profile.name}")
        async with reading.records(request) as records:
            reports = ReportReadModels(reading.pool, records.schema)
            if not theme:
                index = ThemesIndex(profile.id, profile.name, await reports.themes(profile))
                return HTMLResponse(render_themes(index, reading.page(request, profile, records)))
            report = await reports.thematic(profile, theme, records.moment, template)
        if fmt == "docx":
            return download(await asyncio.to_thread(thematic_docx, report), DOCX, docx_name(report))
        return HTMLResponse(render_thematic(report, template=template, page=reading.page(request, profile, records)))

    async def yearly_report(request: Request) -> Response:
        """A yearly report of the year starting in {year}, and where it is in its sign-off: the
        profile's first (the partnership's own), or the one named by {report}."""
        profile = reading.profile_of(request)
        report_id = request.path_params.get("report")
        if report_id is not None and profile.reporting.yearly(report_id) is None:
            raise NotFound(f"{profile.name} names no yearly report {report_id!r}")
        text = request.path_params["year"]
        if not (text.isascii() and text.isdigit() and FIRST_DAY.year <= int(text) < LAST_DAY.year):
            raise BadRequest(f"the year is a number from {FIRST_DAY.year} (2026 for 2026/27), not {text!r}")
        fmt = wants(request, "docx")
        async with reading.records(request) as records:
            report = await ReportReadModels(reading.pool, records.schema).yearly(profile, int(text), records.moment, report_id)
        if fmt == "docx":
            return download(await asyncio.to_thread(yearly_docx, report), DOCX, docx_name(report))
        return HTMLResponse(render_yearly(report, page=reading.page(request, profile, records)))

    async def risk_register(request: Request) -> Response:
        profile = reading.profile_of(request)
        async with reading.records(request) as records:
            register = await ReportReadModels(reading.pool, records.schema).risks(profile, records.moment)
        return HTMLResponse(render_risks(register, page=reading.page(request, profile, records)))

    return [
        Route("/p/{partnership}/board-pack", board_pack),
        Route("/p/{partnership}/reports/tiered", tiered_report),
        Route("/p/{partnership}/reports/thematic", thematic_report),
        Route("/p/{partnership}/reports/yearly/{year}", yearly_report),
        Route("/p/{partnership}/reports/yearly/{report}/{year}", yearly_report),
        Route("/p/{partnership}/risks", risk_register),
    ]
