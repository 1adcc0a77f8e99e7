"""The independent scrutineer's pages over HTTP: the workspace (`/p/{p}/scrutiny`: the
register, every challenge and recommendation; `?record_kind=&record_id=` the page of one
record's challenges) and the scrutineer's annual report (`/p/{p}/reports/scrutineer/{year}`,
`?format=pdf|docx`). Behind the front door like every partnership page: read by the
partnership's readers; an agency lead sees the challenges put to its agency on its own
agency page instead."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from services.reporting.adapters.docx_writer import MEDIA_TYPE as DOCX
from services.reporting.adapters.read_models.scrutiny import read_workspace
from services.reporting.adapters.scrutiny_pages import (
    annual_report_docx,
    annual_report_pdf,
    file_stem,
    render_annual_report,
    render_workspace,
)
from services.reporting.domain.records.scrutiny import RECORD_KINDS
from services.reporting.domain.views.scrutiny import KIND_NAMES, build_annual_report
from services.reporting.entrypoints.reading import BadRequest, Reading, download, wants

FIRST_YEAR, LAST_YEAR = 2000, 2100


def routes(reading: Reading) -> list[Route]:
    pool, schema, clock = reading.pool, reading.schema, reading.clock

    async def workspace(request: Request) -> Response:
        profile = reading.profile_of(request)
        w = await read_workspace(pool, schema, profile, clock.now())
        kind, record_id = request.query_params.get("record_kind", ""), request.query_params.get("record_id", "")
        record = None
        if kind or record_id:
            if kind not in RECORD_KINDS or not record_id:
                raise BadRequest(f"record_kind is one of {', '.join(RECORD_KINDS)} and record_id names the record")
            w = type(w)(w.partnership_id, w.partnership_name, w.as_of,
                        challenges=[c for c in w.challenges if (c.record_kind, c.record_id) == (kind, record_id)],
                        recommendations=[r for r in w.recommendations if (r.record_kind, r.record_id) == (kind, record_id)])
            record = f"{KIND_NAMES[kind]} {record_id}"
        today = reading.today()
        first = min([a.starts_on.year for a in w.appointments] or [today.year])
        last = today.year if today.month >= 4 else today.year - 1
        years = list(range(last, min(first, last) - 1, -1))
        return HTMLResponse(render_workspace(w, reading.page(request, profile), years, record))

    async def annual_report(request: Request) -> Response:
        profile = reading.profile_of(request)
        text = request.path_params["year"]
        if not (text.isascii() and text.isdigit() and FIRST_YEAR <= int(text) < LAST_YEAR):
            raise BadRequest(f"the year is a number (2026 for April 2026 to March 2027), not {text!r}")
        fmt = wants(request, "pdf", "docx")
        w = await read_workspace(pool, schema, profile, clock.now())
        report = build_annual_report(w, int(text))
        if fmt == "docx":
            return download(await asyncio.to_thread(annual_report_docx, report), DOCX, f"{file_stem(report)}.docx")
        if fmt == "pdf":
            return download(await asyncio.to_thread(annual_report_pdf, report), "application/pdf", f"{file_stem(report)}.pdf", inline=True)
        return HTMLResponse(render_annual_report(report, page=reading.page(request, profile)))

    return [
        Route("/p/{partnership}/scrutiny", workspace),
        Route("/p/{partnership}/reports/scrutineer/{year}", annual_report),
    ]

