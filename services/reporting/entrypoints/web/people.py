"""The people of a partnership, for its business unit: who holds which role, an invitation
(a one-time link shown once, to send on), and removing a role.

An invitation names the person, their address and one role (an agency lead's agency, a
partner's statutory partner, an inspector's last day); accounts.py records it.
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.domain.people.policy import Grant
from services.reporting.entrypoints.web.forms import Field, read_form
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import Visitor, check_csrf, forbidden, visitor
from services.reporting.entrypoints.web.work import NotFound
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile
from shared.roles import SCOPED, Role


def routes(accounts: Accounts, render: Renderer, partnerships: Partnerships, base_url: str) -> list[Route]:
    def profile_of(request: Request) -> FrameworkProfile:
        partnership = request.path_params["partnership"]
        if partnership not in partnerships:
            raise NotFound(partnership)
        return partnerships[partnership]

    async def people(request: Request) -> Response:
        found = await visitor(request, accounts)
        profile = profile_of(request)
        return await _people_page(request, found, profile, {}, {}, None)

    async def _people_page(request: Request, found: Visitor, profile: FrameworkProfile, values: dict, errors: dict,
                           link: str | None, status: int = 200, granted: str | None = None) -> Response:
        listed = []
        for account, grants in await accounts.people_in(profile.id):
            listed.append({"account_id": account.account_id, "name": account.name, "grants": [
                {"role": g.role.value, "scope": g.scope, "until": g.until, "label": _grant_label(profile, g)} for g in grants]})
        choices = [{"value": "", "text": "Choose a role"}] + [
            {"value": value, "text": text, "selected": values.get("grant") == value} for value, text in grant_choices(profile)]
        until = Field("until", "Access until (inspectors)", "date", "The last day an inspector may read the records", False)
        return render.page(request, "people.html", found, status=status, page_title="People", people=listed, values=values,
                           errors=errors, grant_choices=choices, until_field=until, invited_link=link, granted=granted,
                           invite_url=f"/p/{profile.id}/people/invite", remove_url=f"/p/{profile.id}/people/remove")

    async def invite(request: Request) -> Response:
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        profile = profile_of(request)
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in ("name", "email", "grant")}
        until_field = Field("until", "Access until", "date", "", False)
        _, filled = read_form([until_field], form, form.getlist)
        values["until"] = filled.values.get("until")
        errors = dict(filled.errors)
        if not values["name"]:
            errors["name"] = "Enter the person's name"
        if "@" not in values["email"] or len(values["email"]) > 254 or " " in values["email"]:
            errors["email"] = "Enter an email address in the correct format, like name@example.org"
        grant = _grant_of(profile, values["grant"])
        if grant is None:
            errors["grant"] = "Choose the role to invite them to"
        until = None
        if not errors.get("until") and any((values["until"] or {}).values()):
            parts = values["until"]
            until = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        if grant is not None and grant.role is Role.INSPECTOR and until is None and "until" not in errors:
            errors["until"] = "Enter the last day the inspector may read the records"
        if errors:
            return await _people_page(request, found, profile, values, errors, None, status=400)
        assert grant is not None and found.person is not None
        grant = Grant(profile.id, grant.role, grant.scope, until)
        token = await accounts.invite(profile.id, values["email"], values["name"], grant, f"person:{found.person.account_id}")
        if token is None:  # they already sign in: the role is theirs now, nothing to send
            return await _people_page(request, found, profile, {}, {}, None, granted=values["name"])
        address = base_url or str(request.base_url).rstrip("/")
        return await _people_page(request, found, profile, {}, {}, f"{address}/invitation/{token}")

    async def remove(request: Request) -> Response:
        found = await visitor(request, accounts)
        if not await check_csrf(request, found):
            return forbidden()
        profile = profile_of(request)
        form = await request.form()
        try:
            role = Role(str(form.get("role", "")))
        except ValueError:
            raise NotFound("role") from None
        grant = Grant(profile.id, role, str(form.get("scope", "")) or None)
        assert found.person is not None
        await accounts.remove(str(form.get("account_id", "")), grant, f"person:{found.person.account_id}")
        return RedirectResponse(f"/p/{profile.id}/people", status_code=303)

    return [
        Route("/p/{partnership}/people", people, methods=["GET"]),
        Route("/p/{partnership}/people/invite", invite, methods=["POST"]),
        Route("/p/{partnership}/people/remove", remove, methods=["POST"]),
    ]


def grant_choices(profile: FrameworkProfile) -> list[tuple[str, str]]:
    out = [(Role.BUSINESS_UNIT.value, Role.BUSINESS_UNIT.label)]
    out += [(f"{Role.AGENCY_LEAD.value}:{a.id}", f"Agency lead: {a.name}") for a in profile.agencies]
    out += [(f"{Role.PARTNER.value}:{p.id}", f"Safeguarding partner: {p.name}") for p in profile.statutory_partners]
    out += [(r.value, r.label) for r in (Role.SCRUTINEER, Role.BOARD_MEMBER, Role.INSPECTOR, Role.OPERATOR)]
    return out


def _grant_of(profile: FrameworkProfile, value: str) -> Grant | None:
    if value not in dict(grant_choices(profile)):
        return None
    role_name, _, scope = value.partition(":")
    role = Role(role_name)
    if (role in SCOPED) != bool(scope):
        return None
    return Grant(profile.id, role, scope or None)


def _grant_label(profile: FrameworkProfile, grant: Grant) -> str:
    key = f"{grant.role.value}:{grant.scope}" if grant.scope else grant.role.value
    return dict(grant_choices(profile)).get(key, grant.role.label)
