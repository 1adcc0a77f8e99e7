"""What a signed-in person does: their home page, a form for every command they may send,
and (for the business unit) the people of the partnership.

A form is the command's row as its service describes it (adapters/people/commands.py),
laid out by forms.py, with the profile's own words for agencies and partners. The
field pinned to the person (their agency, their partner) is filled here from their
grant and never shown as an input. The answer of the service decides: accepted, the
person sees what was recorded; refused, the form comes back with the refusal at its
field and everything typed kept. A command that takes documents (an action's completion)
has a file input: the files are typed and kept as uploads.py says, and their references
sent in the command.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.commands import CommandSender, CommandTables, ServiceAway
from services.reporting.adapters.read_models import ReadModels
from services.reporting.domain.people.policy import (
    Area,
    Person,
    Row,
    may_read,
    rows_for,
    sending,
)
from services.reporting.domain.people.tasks import next_for_agency, next_for_partner, tasks
from services.reporting.entrypoints.web.forms import (
    Field,
    Filled,
    error_field,
    fields_of,
    read_form,
)
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import Visitor, check_csrf, forbidden, visitor
from services.reporting.entrypoints.web.uploads import TooLarge, form_within, keep, take_files
from shared.clock import Clock
from shared.documents.store import DocumentStore
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile
from shared.roles import Role


class NotFound(Exception):
    pass


def choices_of(profile: FrameworkProfile) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    """Fields whose values the profile names: field -> (label, layout, [(value, the profile's words)])."""
    agencies = [(a.id, a.name) for a in profile.agencies]
    scale = [(str(level.value), f"{level.value} – {level.label}") for level in profile.section11.rating_scale.levels]
    return {
        "agency_id": ("Agency", "select", agencies),
        "owner_agency_id": ("Agency that owns the action", "select", agencies),
        "partner_id": ("Safeguarding partner", "radios", [(p.id, p.name) for p in profile.statutory_partners]),
        "activity_type": ("Activity", "select", [(a.id, a.name) for a in profile.activities]),
        "domain_id": ("Section 11 domain", "select", [(d.id, d.name) for d in profile.section11.domains]),
        "moderated_rating": ("Moderated rating", "radios", scale),
        "rating": ("Level of assurance", "radios", [(level.id, level.name) for level in profile.reporting.assurance_levels]),
        "grade": ("Grade", "radios", [(g.id, g.name) for g in profile.reviews.audit_grades]),
        "report_id": ("Yearly report", "radios", [(r.id, r.name) for r in profile.reporting.yearly_reports]),
    }


def words_of(profile: FrameworkProfile) -> dict[str, str]:
    """The profile's words for the values a form offers (`field:value` -> words)."""
    return {f"{name}:{value}": words for name, (_, _, values) in choices_of(profile).items() for value, words in values}


def form_fields(row: Row, profile: FrameworkProfile, pinned: str | None) -> list[Field]:
    """The row's fields, those the profile names offered as its own choices."""
    named = choices_of(profile)
    out = []
    for f in fields_of(row.schema, frozenset({pinned} if pinned else ())):
        if f.name in named and f.kind in ("text", "number"):
            label, layout, values = named[f.name]
            f = Field(f.name, label, layout if len(values) <= 6 or layout == "select" else "select", f.hint, f.required,
                      tuple(v for v, _ in values), f.default, numeric=f.kind == "number")
        out.append(f)
    return out


def routes(accounts: Accounts, tables: CommandTables, sender: CommandSender, render: Renderer,
           partnerships: Partnerships, base_url: str, read_models: ReadModels, clock: Clock,
           documents: DocumentStore) -> list[Route]:
    def profile_of(request: Request) -> FrameworkProfile:
        partnership = request.path_params["partnership"]
        if partnership not in partnerships:
            raise NotFound(partnership)
        return partnerships[partnership]

    def today(request: Request) -> date:
        return request.app.state.today()

    async def home(request: Request) -> Response:
        found = await visitor(request, accounts)
        person = found.person
        assert person is not None  # the guard sent anyone else to sign in
        day = today(request)
        parts = []
        rows = await tables.all_rows()
        for pid in person.partnerships(day):
            profile = partnerships[pid] if pid in partnerships else None
            if profile is None:
                continue
            parts.append(await _home_part(person, profile, rows, day))
        return render.page(request, "home.html", found, page_title="Home", heading=f"Hello, {person.name}",
                           partnerships=parts, operator=person.is_operator(day))

    async def _home_part(person: Person, profile: FrameworkProfile, rows: list[Row], day: date) -> dict[str, Any]:
        roles = person.roles_in(profile.id, day)
        view = await read_models.dashboard(profile, clock.now(), area="work") if roles & {Role.AGENCY_LEAD, Role.PARTNER} else None
        p = f"/p/{profile.id}"
        next_steps: list[dict[str, str]] = []
        pages: list[dict[str, str]] = []
        if Role.BUSINESS_UNIT in roles:
            next_steps += [{"href": f"{p}/tasks", "text": "Your tasks: what is due, overdue and awaiting a decision"},
                           {"href": f"{p}/people", "text": "People: invite someone, or remove a role"}]
        for agency_id in person.scopes(profile.id, Role.AGENCY_LEAD, day):
            name = next((a.name for a in profile.agencies if a.id == agency_id), agency_id)
            next_steps += [{"href": f"{p}/return/{agency_id}", "text": f"{name}: your Section 11 return"}]
            next_steps += [{"href": t.href, "text": t.text, "note": f"{t.status}: {t.hint}" if t.hint else t.status}
                           for t in next_for_agency(view, agency_id, day)] if view else []
            pages.append({"href": f"{p}/agency/{agency_id}", "text": f"{name}: flags, call-ins and actions"})
        for partner_id in person.scopes(profile.id, Role.PARTNER, day):
            next_steps += [{"href": t.href, "text": t.text, "note": t.status} for t in next_for_partner(view, partner_id)] if view else []
        if may_read(person, profile.id, Area.PARTNERSHIP, day):
            pages += [{"href": p, "text": "Dashboard"}, {"href": f"{p}/reports/tiered", "text": "Tiered assurance report"},
                      {"href": f"{p}/risks", "text": "Risk register"}, {"href": f"{p}/board-pack", "text": "Board pack"}]
        forms = [{"href": f"{p}/do/{row.service}/{row.token}", "text": row.title} for row, _ in rows_for(person, profile.id, rows, day)]
        if profile.reporting.performance.indicators and any(f["href"].endswith("/do/reporting/record-indicator-values") for f in forms):
            forms.append({"href": f"{p}/do/reporting/record-indicator-values/upload", "text": "Upload performance data (CSV or Excel)"})
        return {"name": profile.name, "roles": sorted(r.label for r in roles), "next": next_steps, "pages": pages,
                "forms": sorted(forms, key=lambda f: f["text"])}

    async def _row_for(request: Request, person: Person) -> tuple[Row, Any]:
        profile = profile_of(request)
        service, token = request.path_params["service"], request.path_params["token"]
        candidates = [r for r in await tables.rows(service) if r.token == token] if service in _services() else []
        day = today(request)
        scope = request.query_params.get("as") or None
        for row in sorted(candidates, key=lambda r: r.sender != "agency"):
            how = sending(person, profile.id, row, day, scope)
            if how is not None:
                return row, how
        raise NotFound(token)

    async def command_form(request: Request) -> Response:
        found = await visitor(request, accounts)
        assert found.person is not None
        profile = profile_of(request)
        row, how = await _row_for(request, found.person)
        fields = form_fields(row, profile, how.field)
        values = {k: v for k, v in request.query_params.items() if k != "as"}
        values["request_id"] = str(uuid4())
        return _form_page(request, found, profile, row, how, fields, Filled(values, {}))

    def _form_page(request: Request, found: Visitor, profile: FrameworkProfile, row: Row, how: Any, fields: list[Field],
                   filled: Filled, status: int = 200) -> Response:
        words = words_of(profile)
        pinned = None
        if how.field:
            pinned = words.get(f"{how.field}:{how.value}", how.value)
        return render.page(request, "form.html", found, status=status, page_title=row.title, caption=profile.name,
                           title=row.title, help=row.help, fields=fields, values=filled.values, errors=filled.errors,
                           words=words, pinned=pinned)

    async def send_command(request: Request) -> Response:
        try:
            return await _send_command(request)
        finally:
            await request.close()  # the form's spooled files, deleted

    async def _send_command(request: Request) -> Response:
        found = await visitor(request, accounts)
        assert found.person is not None
        try:
            form = await form_within(request)
        except TooLarge as too_large:  # nothing read into the form, nothing kept: the form again
            profile = profile_of(request)
            row, how = await _row_for(request, found.person)
            fields = form_fields(row, profile, how.field)
            where = next((f.name for f in fields if f.kind == "documents"), _first_visible(fields))
            return _form_page(request, found, profile, row, how, fields,
                              Filled({"request_id": str(uuid4())}, {where: str(too_large)}), status=413)
        if not await check_csrf(request, found):
            return forbidden()
        profile = profile_of(request)
        row, how = await _row_for(request, found.person)
        fields = form_fields(row, profile, how.field)
        payload, filled = read_form(fields, form, form.getlist)
        files = [f.name for f in fields if f.kind == "documents"]
        uploads = await take_files(form, files)
        filled.errors |= uploads.errors
        if filled.errors:
            return _form_page(request, found, profile, row, how, fields, filled, status=400)
        payload |= {name: uploads.refs(name) for name in files if uploads.refs(name)}
        await keep(documents, uploads)
        if how.field:
            payload[how.field] = how.value
        agency = how.value if row.by_agency else None
        try:
            answer = await sender.send(row, profile.id, payload, found.person.account_id, agency)
        except ServiceAway as away:
            filled.errors["request_id"] = str(away).capitalize()
            return _form_page(request, found, profile, row, how, fields, filled, status=503)
        if answer.get("status") == "accepted":
            events = answer.get("events", [])
            return render.page(request, "done.html", found, page_title=row.title, title="Recorded",
                               text=f"{row.title}: {len(events)} change{'s' if len(events) != 1 else ''} recorded",
                               back=f"/p/{profile.id}", back_text=f"Back to {profile.name}")
        error = answer.get("error", {})
        message = error.get("message", "the service refused this")
        message = message[:1].upper() + message[1:]
        # At its field; at the "recorded as" line for the field pinned to the person;
        # otherwise the summary links to the form's first field.
        pinned_error = how.field is not None and (error.get("field") or "").split(".")[0] == how.field
        filled.errors["pinned" if pinned_error else error_field(error.get("field"), fields) or _first_visible(fields)] = message
        return _form_page(request, found, profile, row, how, fields, filled, status=400)

    async def task_list(request: Request) -> Response:
        """The business unit's tasks: overdue, due within a week, awaiting a decision."""
        found = await visitor(request, accounts)
        profile = profile_of(request)
        view = await read_models.dashboard(profile, clock.now(), area="work")
        return render.page(request, "tasks.html", found, page_title="Tasks", groups=tasks(view, today(request)))

    return [
        Route("/", home, methods=["GET"]),
        Route("/p/{partnership}/do/{service}/{token}", command_form, methods=["GET"]),
        Route("/p/{partnership}/do/{service}/{token}", send_command, methods=["POST"]),
        Route("/p/{partnership}/tasks", task_list, methods=["GET"]),
    ]


def _services() -> tuple[str, ...]:
    from shared.messaging.subjects import SERVICES

    return SERVICES


def _first_visible(fields: list[Field]) -> str:
    return next((f.name for f in fields if f.kind != "hidden"), "request_id")
