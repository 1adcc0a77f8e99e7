"""The evidence bundle over the web: what an inspector takes away, proof included.

`/p/{partnership}/evidence` asks for a period; with `from` and `to` it exports the same
bundle `scrutiny evidence export` writes (the partnership's events with their chain
anchors, and the reports as of the period's end), zipped, and sends it. The bundle is
checked offline with `scrutiny verify`. Who may take it is the policy's (Area.EVIDENCE).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import asyncpg
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from services.reporting.adapters.as_of import FIRST_DAY, parse_day
from services.reporting.adapters.evidence import Period, export_evidence
from services.reporting.adapters.people.accounts import Accounts
from services.reporting.entrypoints.web.forms import Field, read_form
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import visitor
from shared.clock import Clock
from shared.eventstore.heads import SignedHeads
from shared.partnerships import Partnerships

FIELDS = [
    Field("from", "From", "date", "The first day of the period", True),
    Field("to", "To", "date", "The last day of the period (today at the latest)", True),
]


def routes(
    accounts: Accounts, render: Renderer, partnerships: Partnerships, pool: asyncpg.Pool, clock: Clock,
    signed_heads: SignedHeads | None = None,
) -> list[Route]:
    async def evidence(request: Request) -> Response:
        found = await visitor(request, accounts)
        profile = partnerships[request.path_params["partnership"]]
        today: date = request.app.state.today()
        query = request.query_params
        if not any(k.startswith(("from-", "to-")) for k in query):
            return render.page(request, "evidence.html", found, page_title="Evidence bundle", fields=FIELDS, values={}, errors={})
        payload, filled = read_form(FIELDS, query, query.getlist)
        days = {}
        for name in ("from", "to"):
            if name in payload and name not in filled.errors:
                day = parse_day(payload[name])
                if day < FIRST_DAY or day > today:
                    filled.errors[name] = f"{name.capitalize()} must be a day from {FIRST_DAY.year} to today"
                days[name] = day
        if not filled.errors and days["from"] > days["to"]:
            filled.errors["to"] = "To must be the same as or after From"
        if filled.errors:
            return render.page(request, "evidence.html", found, status=400, page_title="Evidence bundle", fields=FIELDS,
                               values=filled.values, errors=filled.errors)
        folder = Path(tempfile.mkdtemp(prefix="scrutiny-evidence-"))
        exported = await export_evidence(pool, Period(days["from"], days["to"]), folder, [profile],
                                         partnership=profile.id, clock=clock, zip_bundle=True,
                                         signed_heads=signed_heads)
        assert exported.zip is not None
        return FileResponse(exported.zip, media_type="application/zip", filename=exported.zip.name,
                            background=BackgroundTask(_remove, folder))

    return [Route("/p/{partnership}/evidence", evidence, methods=["GET"])]


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
