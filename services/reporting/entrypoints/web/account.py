"""A person's own account page: who they are signed in as, their roles in each
partnership, how they take the platform's emails (at once or a daily digest; the choice
is saved by inbox.py), and signing out on every device (every session of theirs ends)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.notifications import Notifications
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import visitor
from shared.partnerships import Partnerships


def routes(accounts: Accounts, render: Renderer, partnerships: Partnerships, told: Notifications) -> list[Route]:
    async def account(request: Request) -> Response:
        found = await visitor(request, accounts)
        person = found.person
        assert person is not None
        rows = []
        for grant in sorted(person.grants, key=lambda g: (g.partnership_id, g.role.value)):
            profile = partnerships[grant.partnership_id] if grant.partnership_id in partnerships else None
            names = {a.id: a.name for a in profile.agencies} | {p.id: p.name for p in profile.statutory_partners} if profile else {}
            rows.append({"partnership": profile.name if profile else grant.partnership_id, "role": grant.role.label,
                         "scope": names.get(grant.scope or "", grant.scope or ""), "until": grant.until})
        digest = await told.messages.digest(person.account_id)
        return render.page(request, "account.html", found, page_title="Your account", grants=rows, digest=digest,
                           emailing=told.emailing, saved=request.query_params.get("saved") == "delivery")

    return [Route("/account", account, methods=["GET"])]
