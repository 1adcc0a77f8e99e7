"""The front door: one web application serving every person, signed in as themselves.

It is reporting's HTTP app grown (docs/architecture.md): the dashboard, reports and
board packs are reporting's read models, the forms are the services' command tables
asked over NATS. The guard here is the only gate: a path is public (signing in, the
static assets, health), or it needs a signed-in person, and a partnership's page needs
that person to be allowed to read it (domain/people/policy.py), or it is not found.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.commands import CommandSender, CommandTables, ServiceAway
from services.reporting.adapters.people.drafts import AgencyReturns
from services.reporting.adapters.people.notifications import Notifications
from services.reporting.adapters.read_models import ReadModels
from services.reporting.domain.people.policy import Area, may_read
from services.reporting.entrypoints.http import SecurityHeaders
from services.reporting.entrypoints.web import (
    account,
    evidence,
    evidence_files,
    inbox,
    indicator_upload,
    operations,
    people,
    returns,
    signin,
    work,
)
from services.reporting.entrypoints.web.render import STATIC, Renderer
from services.reporting.entrypoints.web.session import forbidden, to_sign_in, visitor
from shared.clock import Clock
from shared.documents.store import DocumentStore
from shared.eventstore.heads import SignedHeads
from shared.partnerships import Partnerships

PUBLIC = ("/sign-in", "/invitation/", "/static/", "/healthz", "/metrics", "/accessibility")


def area_of(parts: list[str]) -> tuple[Area, str | None]:
    """`/p/{partnership}/{rest…}` -> what the page shows (and which agency, for an agency's page)."""
    rest = parts[2:]
    head = rest[0] if rest else ""
    if head in ("agency", "return") and len(rest) > 1:
        return Area.AGENCY, rest[1]
    areas = {"people": Area.PEOPLE, "outbox": Area.PEOPLE, "tasks": Area.TASKS, "evidence": Area.EVIDENCE,
             "documents": Area.DOCUMENTS}
    return areas.get(head, Area.PARTNERSHIP), None


class Guard:
    """Pure ASGI: a request it lets through goes on to the routes as it came (no task and
    no stream of the body between them, as starlette's BaseHTTPMiddleware puts there)."""

    def __init__(self, app: ASGIApp, accounts: Accounts, partnerships: Partnerships, render: Renderer) -> None:
        self._app = app
        self._accounts = accounts
        self._partnerships = partnerships
        self._render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = await self.refusal(Request(scope, receive))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self._app(scope, receive, send)

    async def refusal(self, request: Request) -> Response | None:
        """None: the request may go on."""
        path = request.url.path
        if path.startswith(PUBLIC) or path in ("/sign-in", "/accessibility"):
            return None
        found = await visitor(request, self._accounts)
        if found.person is None:
            return to_sign_in(request) if request.method == "GET" else forbidden("sign in first")
        today = request.app.state.today()
        parts = path.strip("/").split("/")
        if parts[0] == "p":
            if len(parts) < 2 or parts[1] not in self._partnerships:
                return self.not_found(request, found)
            area, agency = area_of(parts)
            if parts[2:3] == ["do"]:
                if not found.person.roles_in(parts[1], today):
                    return self.not_found(request, found)
            elif not may_read(found.person, parts[1], area, today, agency):
                return self.not_found(request, found)
            if request.method != "GET" and parts[2:3] not in (["do"], ["people"], ["return"]):
                return forbidden("these pages are read-only")
        elif parts[0] == "ops" and not found.person.is_operator(today):
            return self.not_found(request, found)
        return None

    def not_found(self, request: Request, found: Any) -> Response:
        return self._render.page(request, "message.html", found, status=404, page_title="Page not found",
                                 heading="Page not found", lines=["If you typed the web address, check it is correct."],
                                 link={"href": "/", "text": "Go to your home page"})


def build_front_door(
    dashboard: Starlette,
    accounts: Accounts,
    tables: CommandTables,
    sender: CommandSender,
    partnerships: Partnerships,
    today: Callable[[], date],
    read_models: ReadModels,
    clock: Clock,
    *,
    base_url: str,
    secure: bool = False,
    directory: Any = None,
    messages: Notifications,
    documents: DocumentStore,
    signed_heads: SignedHeads | None = None,
) -> Starlette:
    render = Renderer({pid: p.name for pid, p in partnerships.items()})

    async def accessibility(request: Request) -> Response:
        found = await visitor(request, accounts)
        return render.page(request, "message.html", found, page_title="Accessibility statement", heading="Accessibility statement",
                           lines=["This service aims to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA, "
                                  "as the Public Sector Bodies Accessibility Regulations require.",
                                  "Every page is checked by axe-core in the platform's tests, works without JavaScript, "
                                  "reflows at 320 pixels wide and can be used with a keyboard alone.",
                                  "If you find a page that does not work for you, tell the partnership's business unit."])

    async def not_found(request: Request, exc: Exception) -> Response:
        found = await visitor(request, accounts)
        return render.page(request, "message.html", found, status=404, page_title="Page not found", heading="Page not found",
                           lines=["If you typed the web address, check it is correct."], link={"href": "/", "text": "Go to your home page"})

    async def away(request: Request, exc: Exception) -> Response:
        found = await visitor(request, accounts)
        return render.page(request, "message.html", found, status=503, page_title="Try again", heading="Sorry, try again in a moment",
                           lines=[str(exc).capitalize()])

    routes = [
        *signin.routes(accounts, render, secure, directory),
        *indicator_upload.routes(accounts, tables, sender, render, partnerships),
        *work.routes(accounts, tables, sender, render, partnerships, base_url, read_models, clock, documents),
        *account.routes(accounts, render, partnerships, messages),
        *inbox.routes(accounts, render, partnerships, messages),
        *people.routes(accounts, render, partnerships, base_url),
        *operations.routes(accounts, render, tables.nc, tables.subjects),
        *evidence.routes(accounts, render, partnerships, read_models._pool, clock, signed_heads),
        *returns.routes(accounts, tables, sender, render, partnerships, AgencyReturns.over(read_models), documents),
        *evidence_files.routes(accounts, partnerships, read_models._pool, documents),
        Route("/accessibility", accessibility),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        Mount("/", app=dashboard),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(Guard, accounts=accounts, partnerships=partnerships, render=render)],
        exception_handlers={work.NotFound: not_found, 404: not_found, ServiceAway: away},
    )
    app.state.today = today
    return app

