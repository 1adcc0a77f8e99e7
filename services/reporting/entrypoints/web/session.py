"""Who is asking: the session cookie read once per request, and every form's CSRF token.

The cookie holds a random token (the table keeps its SHA-256); it is HttpOnly,
SameSite=Lax and Secure when the platform serves HTTPS. A session ends after
IDLE without a request and after ABSOLUTE however busy. A POST must carry the
session's CSRF token in its form, or it is refused before any route sees it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.sessions import Session
from services.reporting.domain.people.policy import Person

COOKIE = "scrutiny_session"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)


@dataclass
class Visitor:
    """The request's session (None: no cookie or an ended one) and, once both factors
    passed, the person."""

    token: str | None
    session: Session | None
    person: Person | None

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""


async def visitor(request: Request, accounts: Accounts) -> Visitor:
    if hasattr(request.state, "visitor"):
        return request.state.visitor
    token = request.cookies.get(COOKIE) or None
    session = await accounts.session(token, IDLE, ABSOLUTE) if token else None
    person = None
    if session is not None and session.signed_in and session.account_id:
        person = await accounts.person(session.account_id)
    found = Visitor(token if session else None, session, person)
    request.state.visitor = found
    return found


def set_cookie(response: Response, token: str, secure: bool) -> Response:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
    return response


def clear_cookie(response: Response) -> Response:
    response.delete_cookie(COOKIE, path="/")
    return response


async def ensure_session(request: Request, accounts: Accounts, response_cookie: list[str]) -> Visitor:
    """A session for a form shown before sign-in (its CSRF token needs one)."""
    found = await visitor(request, accounts)
    if found.session is None:
        token = await accounts.new_session()
        found = Visitor(token, await accounts.session(token, IDLE, ABSOLUTE), None)
        request.state.visitor = found
        response_cookie.append(token)
    return found


async def check_csrf(request: Request, found: Visitor) -> bool:
    if found.session is None:
        return False
    form = await request.form()
    offered = str(form.get("csrf", ""))
    return bool(offered) and hmac.compare_digest(offered.encode(), found.csrf.encode())


def to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def forbidden(message: str = "this form's session has ended or was not sent; go back and try again") -> Response:
    return PlainTextResponse(f"403 forbidden: {message}\n", status_code=403)


def safe_next(path: Any) -> str:
    """Only a path on this server (never //elsewhere or a scheme)."""
    text = str(path or "/")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else "/"


def today(request: Request) -> date:
    return request.app.state.today()
