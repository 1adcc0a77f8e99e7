"""What people are told, in the front door: each person's inbox (every message made for
them, emailed or not, marked read when opened), how they take their emails (at once or a
daily digest, on their account page), and the business unit's outbox (every message made
for its partnership's people: what was, or without SMTP would have been, sent).
"""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.messages import Message
from services.reporting.adapters.people.notifications import Notifications
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import check_csrf, forbidden, visitor
from services.reporting.entrypoints.web.work import NotFound
from shared import london
from shared.partnerships import Partnerships
from shared.roles import Role

CHOICES = {"immediate": False, "digest": True}
STATES = {"queued": ("Waiting to be sent", "govuk-tag--yellow"), "sent": ("Sent", "govuk-tag--green"),
          "failed": ("Not delivered", "govuk-tag--red")}


def routes(accounts: Accounts, render: Renderer, partnerships: Partnerships, told: Notifications) -> list[Route]:
    messages = told.messages

    def row(m: Message) -> dict:
        state, tag = STATES[m.state] if told.emailing else ("Kept (no email server)", "govuk-tag--grey")
        if m.state == "queued" and m.attempts and told.emailing:
            state = f"Retrying ({m.attempts} attempt{'s' if m.attempts != 1 else ''})"
        return {"id": str(m.message_id), "subject": m.subject, "lines": m.lines, "link": m.link, "to": m.to,
                "when": london.local_day(m.created_at).strftime("%-d %B %Y"), "unread": m.read_at is None,
                "partnership": partnerships[m.partnership_id].name if m.partnership_id in partnerships else m.partnership_id,
                "state": state, "tag": tag, "digest": m.digest, "error": m.last_error}

    async def inbox(request: Request) -> Response:
        found = await visitor(request, accounts)
        assert found.person is not None
        listed = [row(m) for m in await messages.inbox(found.person.account_id)]
        today = request.app.state.today()
        outboxes = [{"href": f"/p/{p}/outbox", "name": partnerships[p].name} for p in found.person.partnerships(today)
                    if p in partnerships and Role.BUSINESS_UNIT in found.person.roles_in(p, today)]
        return render.page(request, "inbox.html", found, page_title="Messages", messages=listed, emailing=told.emailing,
                           outboxes=outboxes)

    async def one(request: Request) -> Response:
        found = await visitor(request, accounts)
        assert found.person is not None
        try:
            key = UUID(request.path_params["message_id"])
        except ValueError:
            raise NotFound("message") from None
        message = await messages.open(found.person.account_id, key)
        if message is None:
            raise NotFound("message")
        return render.page(request, "inbox_message.html", found, page_title=message.subject, message=row(message))

    async def outbox(request: Request) -> Response:
        found = await visitor(request, accounts)
        partnership = request.path_params["partnership"]
        if partnership not in partnerships:
            raise NotFound(partnership)
        listed = [row(m) for m in await messages.outbox(partnership)]
        return render.page(request, "outbox.html", found, page_title="Outbox", messages=listed, emailing=told.emailing)

    async def choose(request: Request) -> Response:
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        assert found.person is not None
        choice = str((await request.form()).get("delivery", ""))
        if choice not in CHOICES:
            return RedirectResponse("/account", status_code=303)
        await messages.choose(found.person.account_id, CHOICES[choice])
        return RedirectResponse("/account?saved=delivery", status_code=303)

    return [
        Route("/inbox", inbox, methods=["GET"]),
        Route("/inbox/{message_id}", one, methods=["GET"]),
        Route("/p/{partnership}/outbox", outbox, methods=["GET"]),
        Route("/account/notifications", choose, methods=["POST"]),
    ]
