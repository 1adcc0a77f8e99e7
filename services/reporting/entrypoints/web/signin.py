"""Signing in: a password then an authenticator code, an organisation's directory (OpenID
Connect) then a code, an invitation accepted, a one-time link, signing out.

Both factors are asked of every role. Wrong answers are counted per account and lock
it for a while (accounts.LOCK_AFTER); an unknown address gets the same answer as a wrong
password, after the same work, so the form does not tell who has an account.

Over 300 lines by a little: every way in (password, directory, invitation, one-time
link) ends in the same second factor and the same new session, so they are read together.
"""

from __future__ import annotations

from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Account, Accounts
from services.reporting.adapters.people.oidc import OidcClient, OidcError, Started
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import (
    check_csrf,
    clear_cookie,
    ensure_session,
    forbidden,
    safe_next,
    set_cookie,
    visitor,
)
from services.reporting.entrypoints.web.throttle import Throttle

HASHER = PasswordHasher()
# Checked against when the address is unknown, so both answers cost the same.
_DUMMY = HASHER.hash("not a password anyone has")
MIN_PASSWORD = 12
WRONG = "Enter a correct email address and password"
ISSUER = "scrutiny"


def totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step a code belongs to (this one or either side), or None."""
    totp = pyotp.TOTP(secret)
    code = "".join(code.split())
    for offset in (0, -1, 1):
        at = now + offset * totp.interval
        if code.isdigit() and len(code) == 6 and totp.verify(code, for_time=at, valid_window=0):
            return int(at // totp.interval)
    return None


def routes(accounts: Accounts, render: Renderer, secure: bool, directory: OidcClient | None = None) -> list[Route]:
    throttle = Throttle(accounts.clock)
    async def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        cookie: list[str] = []
        found = await ensure_session(request, accounts, cookie)
        response = render.page(request, template, found, status=status, **context)
        return set_cookie(response, cookie[0], secure) if cookie else response

    async def sign_in_form(request: Request) -> Response:
        found = await visitor(request, accounts)
        if found.person is not None:
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        return await page(request, "sign_in.html", page_title="Sign in", values={}, errors={},
                          next=safe_next(request.query_params.get("next")), directory=directory.provider.name if directory else None)

    async def sign_in(request: Request) -> Response:
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        form = await request.form()
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        next_path = safe_next(form.get("next"))
        address = request.client.host if request.client else "unknown"
        if throttle.refused(address):
            return await page(request, "sign_in.html", status=429, page_title="Sign in", values={"email": email},
                              errors={"email": "Too many attempts from this connection; try again in 10 minutes"},
                              next=next_path, directory=directory.provider.name if directory else None)
        account = await accounts.by_email(email) if email else None
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"
        if not errors:
            if account is None or account.password_hash is None:
                _verify(_DUMMY, password)
                errors["email"] = WRONG
            elif accounts.locked(account):
                errors["email"] = "This account is locked after too many attempts; try again in 15 minutes"
            elif not _verify(account.password_hash, password):
                locked = await accounts.failed(account, "password")
                errors["email"] = WRONG if not locked else "This account is locked after too many attempts; try again in 15 minutes"
        if errors:
            if email and password:
                throttle.failed(address)
            return await page(request, "sign_in.html", status=400, page_title="Sign in", values={"email": email},
                              errors=errors, next=next_path, directory=directory.provider.name if directory else None)
        assert account is not None and found.token is not None
        await accounts.set_pending(found.token, account.account_id, {"step": "code", "method": "password", "next": next_path})
        return RedirectResponse("/sign-in/code", status_code=303)

    async def code_form(request: Request) -> Response:
        found = await visitor(request, accounts)
        pending = found.session.pending if found.session else None
        if not pending or pending.get("step") not in ("code", "enrol"):
            return RedirectResponse("/sign-in", status_code=303)
        return await page(request, "code.html", **await _code_context(found, pending, {}))

    async def _code_context(found: Any, pending: dict, errors: dict) -> dict[str, Any]:
        enrolling = pending["step"] == "enrol"
        context: dict[str, Any] = {
            "page_title": "Set up your authenticator app" if enrolling else "Enter your code",
            "heading": "Set up your authenticator app" if enrolling else "Enter the code from your authenticator app",
            "errors": errors,
            "next": pending.get("next", "/"),
        }
        if enrolling:
            secret = pending["secret"]
            account = await accounts.by_id(found.session.account_id)
            context |= {"secret": secret, "secret_spaced": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                        "uri": pyotp.TOTP(secret).provisioning_uri(name=account.email if account else "", issuer_name=ISSUER)}
        return context

    async def code(request: Request) -> Response:
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        pending = found.session.pending if found.session else None
        if not pending or pending.get("step") not in ("code", "enrol") or not found.session.account_id:
            return RedirectResponse("/sign-in", status_code=303)
        account = await accounts.by_id(found.session.account_id)
        if account is None:
            return RedirectResponse("/sign-in", status_code=303)
        form = await request.form()
        typed = str(form.get("code", ""))
        enrolling = pending["step"] == "enrol"
        secret = pending["secret"] if enrolling else account.totp_secret
        now = accounts.clock.now().timestamp()
        step = totp_step(secret, typed, now) if secret else None
        error = None
        if not typed.strip():
            error = "Enter the code from your authenticator app"
        elif accounts.locked(account):
            error = "This account is locked after too many attempts; try again in 15 minutes"
        elif step is None or (not enrolling and not await accounts.use_totp_step(account.account_id, step)):
            error = "The code is not right, or was used already: enter the code your app shows now"
            if not enrolling and await accounts.failed(account, "code"):
                error = "This account is locked after too many attempts; try again in 15 minutes"
        if error:
            return await page(request, "code.html", status=400, **await _code_context(found, pending, {"code": error}))
        token = await _finish(found.token, account, pending, step)
        return set_cookie(RedirectResponse(safe_next(pending.get("next")), status_code=303), token, secure)

    async def _finish(old_token: str, account: Account, pending: dict, step: int | None) -> str:
        from shared.catalogue.people import InvitationAccepted, MultiFactorEnrolled

        token = ""

        async def work(conn: Any) -> None:
            nonlocal token
            if pending["step"] == "enrol":
                if pending.get("invitation") and not await accounts.use_link(conn, pending["invitation"], "invitation"):
                    raise PermissionError("the invitation was used or has expired")
                await accounts.set_credentials(conn, account.account_id, password_hash=pending.get("password_hash"),
                                               totp_secret=pending["secret"], totp_step=step,
                                               directory=tuple(pending["directory"]) if pending.get("directory") else None)
                actor = f"person:{account.account_id}"
                events = [InvitationAccepted(account_id=account.account_id, method=pending["method"]),
                          MultiFactorEnrolled(account_id=account.account_id)]
                await accounts.record(conn, account.home_partnership, account.account_id, actor, events)
            token = await accounts.signed_in(old_token, account, pending["method"], conn=conn)

        await accounts.write(work)
        return token

    async def invitation_form(request: Request) -> Response:
        account = await accounts.link(request.path_params["token"], "invitation")
        if account is None:
            return await page(
                request,
                "message.html",
                status=404,
                page_title="Invitation not found",
                heading="This invitation link does not work",
                lines=["It may have been used already, or it has expired. Ask the partnership's business unit for a new one."],
            )
        person = await accounts.person(account.account_id)
        roles = sorted({g.role.label for g in person.grants}) if person else []
        return await page(request, "password.html", page_title="Create your account", errors={}, invited_as=", ".join(roles),
                          invitation=request.path_params["token"], directory=directory.provider.name if directory else None)

    async def accept(request: Request) -> Response:
        token = request.path_params["token"]
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        account = await accounts.link(token, "invitation")
        if account is None:
            return RedirectResponse(f"/invitation/{token}", status_code=303)
        form = await request.form()
        password, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
        errors = {}
        if len(password) < MIN_PASSWORD:
            errors["password"] = f"Enter a password of at least {MIN_PASSWORD} characters"
        elif len(set(password)) < 5:
            errors["password"] = "Enter a password that is harder to guess"
        elif password != confirm:
            errors["confirm"] = "Type the same password again"
        if errors:
            return await page(request, "password.html", status=400, page_title="Create your account", errors=errors,
                              invited_as="", invitation=token, directory=directory.provider.name if directory else None)
        await accounts.set_pending(found.token, account.account_id, {
            "step": "enrol", "method": "password", "invitation": token, "secret": pyotp.random_base32(),
            "password_hash": HASHER.hash(password), "next": "/"})
        return RedirectResponse("/sign-in/code", status_code=303)

    async def link(request: Request) -> Response:
        """A one-time sign-in link (made on this machine): signs in at once, once."""
        token = request.path_params["token"]
        account = await accounts.link(token, "sign-in")
        if account is None:
            return await page(request, "message.html", status=404, page_title="Link not found", heading="This sign-in link does not work",
                              lines=["It may have been used already, or it has expired (links last 15 minutes)."])
        found = await visitor(request, accounts)
        session_token = ""

        async def work(conn: Any) -> None:
            nonlocal session_token
            if not await accounts.use_link(conn, token, "sign-in"):
                raise PermissionError("used")
            session_token = await accounts.signed_in(found.token or "", account, "link", conn=conn)

        try:
            await accounts.write(work)
        except PermissionError:
            return RedirectResponse(f"/sign-in/link/{token}", status_code=303)
        return set_cookie(RedirectResponse("/", status_code=303), session_token, secure)

    async def sign_out(request: Request) -> Response:
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        form = await request.form()
        if found.token:
            if form.get("everywhere") == "yes" and found.session and found.session.account_id:
                account = await accounts.by_id(found.session.account_id)
                if account:
                    await accounts.sign_out_everywhere(account)
            await accounts.sign_out(found.token)
        return clear_cookie(RedirectResponse("/sign-in", status_code=303))

    async def directory_start(request: Request) -> Response:
        """To the organisation's directory, remembering (in the session) what comes back."""
        found = await visitor(request, accounts)
        if directory is None:
            return RedirectResponse("/sign-in", status_code=303)
        if not await check_csrf(request, found):
            return forbidden()
        form = await request.form()
        try:
            started = await directory.start()
        except OidcError as error:
            return await page(request, "message.html", status=503, page_title="Sign in", heading="Sign in", lines=[str(error)])
        await accounts.set_pending(found.token, None, {
            "step": "directory", "state": started.state, "nonce": started.nonce, "verifier": started.code_verifier,
            "url": started.url, "invitation": str(form.get("invitation", "")) or None, "next": safe_next(form.get("next"))})
        return RedirectResponse(started.url, status_code=303)

    async def directory_back(request: Request) -> Response:
        """The directory's answer: the account it is linked to (or the invitation being
        accepted), then the authenticator code as after a password."""
        found = await visitor(request, accounts)
        pending = found.session.pending if found.session else None
        if directory is None or not pending or pending.get("step") != "directory":
            return RedirectResponse("/sign-in", status_code=303)
        started = Started(pending["url"], pending["state"], pending["nonce"], pending["verifier"])
        try:
            identity = await directory.finish(started, dict(request.query_params))
        except OidcError as error:
            await accounts.set_pending(found.token, None, None)
            return await page(request, "message.html", status=400, page_title="Sign in", heading="Sign in", lines=[str(error)],
                              link={"href": "/sign-in", "text": "Sign in again"})
        if pending.get("invitation"):
            account = await accounts.link(pending["invitation"], "invitation")
            if account is None:
                return RedirectResponse(f"/invitation/{pending['invitation']}", status_code=303)
            await accounts.set_pending(found.token, account.account_id, {
                "step": "enrol", "method": "directory", "invitation": pending["invitation"], "secret": pyotp.random_base32(),
                "directory": [identity.issuer, identity.subject], "next": "/"})
            return RedirectResponse("/sign-in/code", status_code=303)
        account = await accounts.by_directory(identity.issuer, identity.subject)
        if account is None or not account.active:
            await accounts.set_pending(found.token, None, None)
            return await page(request, "message.html", status=403, page_title="Sign in", heading="No account for this sign-in",
                              lines=["Your organisation's account is not linked to an account here.",
                                     "Accept your invitation first, choosing to sign in with your organisation's account."])
        await accounts.set_pending(found.token, account.account_id, {"step": "code", "method": "directory", "next": pending["next"]})
        return RedirectResponse("/sign-in/code", status_code=303)

    return [
        Route("/sign-in/directory", directory_start, methods=["POST"]),
        Route("/sign-in/directory/back", directory_back, methods=["GET"]),
        Route("/sign-in", sign_in_form, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-in/code", code_form, methods=["GET"]),
        Route("/sign-in/code", code, methods=["POST"]),
        Route("/sign-in/link/{token}", link, methods=["GET"]),
        Route("/invitation/{token}", invitation_form, methods=["GET"]),
        Route("/invitation/{token}", accept, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
    ]


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
