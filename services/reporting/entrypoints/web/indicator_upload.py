"""Upload a file of performance indicator values (CSV or Excel): the business unit for any
agency, an agency lead for its own agency's indicators, as the `record-indicator-values`
row of reporting's command table lets them (the same check as its form).

`/p/{partnership}/do/reporting/record-indicator-values/upload`: the file is read row by row
(adapters/indicator_files.py); any row that cannot be read is listed with its line and why,
and nothing is sent. Otherwise every value goes in one command, which the service records
whole or refuses whole: its refusal (`values.{n}.{field}`) is shown with the file's line.
The file itself is not kept: its values are the record."""

from __future__ import annotations

import re
from uuid import uuid4

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.reporting.adapters.indicator_files import Read, Unreadable, read_values
from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.commands import CommandSender, CommandTables, ServiceAway
from services.reporting.domain.people.policy import sending
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import check_csrf, forbidden, visitor
from services.reporting.entrypoints.web.uploads import TooLarge, form_within
from shared.partnerships import Partnerships

TOKEN = "record-indicator-values"
FILE_LIMIT = 2 * 1024 * 1024


class NoUpload(Exception):
    """Not a partnership, or this person may not send its values: not found."""


def _refusal_line(read: Read, error: dict) -> str:
    message = error.get("message", "the service refused this")
    message = message[:1].upper() + message[1:]
    found = re.match(r"values\.(\d+)\.", error.get("field") or "")
    line = read.line_of(int(found.group(1))) if found else None
    return f"Line {line}: {message}" if line else message


def routes(accounts: Accounts, tables: CommandTables, sender: CommandSender, render: Renderer,
           partnerships: Partnerships) -> list[Route]:
    async def how(request: Request):  # noqa: ANN202
        found = await visitor(request, accounts)
        assert found.person is not None  # the guard sent anyone else to sign in
        pid = request.path_params["partnership"]
        if pid not in partnerships:
            raise NoUpload(pid)
        day = request.app.state.today()
        scope = request.query_params.get("as") or None
        rows = [r for r in await tables.rows("reporting") if r.token == TOKEN]
        for row in sorted(rows, key=lambda r: r.sender != "agency"):
            way = sending(found.person, pid, row, day, scope)
            if way is not None:
                return found, partnerships[pid], row, way
        raise NoUpload(TOKEN)

    def page(request: Request, found, profile, way, errors: dict[str, str], problems: list[str], status: int = 200) -> Response:  # noqa: ANN001
        mine = [i for i in profile.reporting.performance.indicators if way.value is None or i.supplied_by == way.value]
        agency = next((a.name for a in profile.agencies if a.id == way.value), way.value)
        return render.page(request, "indicator_upload.html", found, status=status, page_title="Upload performance data",
                           caption=profile.name, agency=agency, indicators=mine, errors=errors, problems=problems,
                           agencies={a.id: a.name for a in profile.agencies})

    async def form(request: Request) -> Response:
        try:
            found, profile, _, way = await how(request)
        except NoUpload:
            return await _not_found(request)
        return page(request, found, profile, way, {}, [])

    async def upload(request: Request) -> Response:
        try:
            return await _upload(request)
        finally:
            await request.close()

    async def _upload(request: Request) -> Response:
        try:
            found, profile, row, way = await how(request)
        except NoUpload:
            return await _not_found(request)
        try:
            data = await form_within(request, FILE_LIMIT + 64 * 1024)
        except TooLarge:
            return page(request, found, profile, way, {"file": "The file must be 2 MB or smaller: nothing was recorded"}, [], 413)
        if not await check_csrf(request, found):
            return forbidden()
        chosen = data.get("file")
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            return page(request, found, profile, way, {"file": "Choose a CSV or Excel file of values"}, [], 400)
        body = await chosen.read(FILE_LIMIT + 1)
        if len(body) > FILE_LIMIT:
            return page(request, found, profile, way, {"file": "The file must be 2 MB or smaller: nothing was recorded"}, [], 413)
        try:
            read = read_values(body, chosen.filename)
        except Unreadable as why:
            return page(request, found, profile, way, {"file": f"{str(why)[:1].upper()}{str(why)[1:]}: nothing was recorded"}, [], 400)
        if read.problems:
            return page(
                request,
                found,
                profile,
                way,
                {"file": f"{len(read.problems)} row(s) of the file cannot be read: nothing was recorded"},
                read.problems,
                400,
            )
        payload = {"request_id": str(uuid4()), "values": read.values} | ({way.field: way.value} if way.field else {})
        try:
            answer = await sender.send(row, profile.id, payload, found.person.account_id, way.value if row.by_agency else None)
        except ServiceAway as away:
            return page(request, found, profile, way, {"file": str(away).capitalize()}, [], 503)
        if answer.get("status") != "accepted":
            line = _refusal_line(read, answer.get("error", {}))
            return page(request, found, profile, way, {"file": "A row was refused: nothing was recorded"}, [line], 400)
        events = answer.get("events", [])
        warnings = sum(1 for e in events if e.get("event_type") == "IndicatorEarlyWarningRaised")
        text = f"{len(read.values)} value{'s' if len(read.values) != 1 else ''} read; {len(events) - warnings} recorded"
        text += f", {warnings} early warning{'s' if warnings != 1 else ''} raised" if warnings else ""
        return render.page(request, "done.html", found, page_title="Performance data recorded", title="Recorded", text=text,
                           back=f"/p/{profile.id}#performance", back_text=f"Back to {profile.name}")

    async def _not_found(request: Request) -> Response:
        found = await visitor(request, accounts)
        return render.page(request, "message.html", found, status=404, page_title="Page not found", heading="Page not found",
                           lines=["If you typed the web address, check it is correct."], link={"href": "/", "text": "Go to your home page"})

    path = "/p/{partnership}/do/reporting/record-indicator-values/upload"
    return [Route(path, form, methods=["GET"]), Route(path, upload, methods=["POST"])]
