"""Who may read and send what, asked from outside over HTTP: every route of the running
front door (its own and the mounted dashboard's, read from the Starlette app, so a new
route fails here until the table says who may use it) and every command row of every
service (asked of the running services over NATS, as the front door asks) × every role
of shared/roles.py, against the role table of issue 14.

A page a role may not read is 404, never 403, and another agency's page answers exactly
as an unknown agency's does. A command form a role may not send is 404; a POST to it is
refused (403 or 404) and records nothing in any store. One platform, one test function
per matrix, so the file runs in seconds.

Not repeated here, because they are proven at the NATS side: an agency's credentials
publish only on its own subjects (test_security_agency_bounds.py, test_agency_credentials.py),
and a person's signed header (`Scrutiny-Person`) cannot be forged, nor reused for another
subject or body, by an agency or anyone without the installation's secret
(test_person_actor.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest
from starlette.routing import Mount, Route

from services.reporting.adapters.people.commands import CommandTables
from shared.messaging.subjects import SERVICES
from shared.roles import Role
from tests.support.people import base_url, client_for, csrf_of, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform
from tests.support.scrutiny import MEETING, record_meeting

pytestmark = pytest.mark.integration

P = f"/p/{PARTNERSHIP}"
OWN = "humberside-police"  # the agency lead's agency
OTHER = "nlc-housing"  # another agency of the partnership
UNKNOWN = "no-such-agency"
PARTNER = "north-lincolnshire-council"  # the partner's statutory partner
STORES = ("section11", "events", "reviews", "reporting_records")


@dataclass(frozen=True)
class Persona:
    role: Role | None  # None: nobody signed in
    scope: str | None = None
    until: date | None = None


# The columns of every table below. The clock stands at 2 November 2026.
PERSONAS = {
    "business-unit": Persona(Role.BUSINESS_UNIT),
    "agency-lead": Persona(Role.AGENCY_LEAD, OWN),
    "partner": Persona(Role.PARTNER, PARTNER),
    "scrutineer": Persona(Role.SCRUTINEER),
    "board-member": Persona(Role.BOARD_MEMBER),
    "inspector": Persona(Role.INSPECTOR, until=date(2027, 3, 31)),
    "inspector-ended": Persona(Role.INSPECTOR, until=date(2026, 10, 31)),  # their period is over
    "operator": Persona(Role.OPERATOR),
    "nobody": Persona(None),
}
COLUMNS = tuple(PERSONAS)

# Issue 14's table, page by page. Each row: the route as the app names it, a URL of it, and
# the status for each column above (GET unless the row says POST). 200 read, 404 not for
# this role (or not there at all), 303 to sign in (or on, for the sign-in pages), 403 a
# POST without the form's CSRF token or to a read-only page the role may read.
# {EVENT} is an event recorded in the partnership; {STATIC} one of the front door's assets.
#                                                                         BU   AL   P    S    BM   I    I-x  Op   nobody
PAGES: list[tuple[str, str, str, tuple[int, ...]]] = [
    # signing in: the same for everyone (test_front_door.py goes through it)
    ("/sign-in", "GET", "/sign-in", (303, 303, 303, 303, 303, 303, 303, 303, 200)),
    ("/sign-in/code", "GET", "/sign-in/code", (303, 303, 303, 303, 303, 303, 303, 303, 303)),
    ("/sign-in/directory/back", "GET", "/sign-in/directory/back", (303, 303, 303, 303, 303, 303, 303, 303, 303)),
    ("/sign-in/link/{token}", "GET", "/sign-in/link/not-a-link", (404, 404, 404, 404, 404, 404, 404, 404, 404)),
    ("/invitation/{token}", "GET", "/invitation/not-an-invitation", (404, 404, 404, 404, 404, 404, 404, 404, 404)),
    ("/sign-in", "POST", "/sign-in", (403, 403, 403, 403, 403, 403, 403, 403, 403)),
    ("/sign-in/code", "POST", "/sign-in/code", (403, 403, 403, 403, 403, 403, 403, 403, 403)),
    ("/sign-in/directory", "POST", "/sign-in/directory", (303, 303, 303, 303, 303, 303, 303, 303, 303)),
    ("/invitation/{token}", "POST", "/invitation/not-an-invitation", (403, 403, 403, 403, 403, 403, 403, 403, 403)),
    ("/sign-out", "POST", "/sign-out", (403, 403, 403, 403, 403, 403, 403, 403, 403)),
    # public: the statement, the assets, health and metrics
    ("/accessibility", "GET", "/accessibility", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("/static/{path}", "GET", "/static/{STATIC}", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("/healthz", "GET", "/healthz", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("/metrics", "GET", "/metrics", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # every signed-in person has a home page (an ended inspector's and the operator's have no partnership on it)
    ("/", "GET", "/", (200, 200, 200, 200, 200, 200, 200, 200, 303)),
    ("/account", "GET", "/account", (200, 200, 200, 200, 200, 200, 200, 200, 303)),
    ("/account/notifications", "POST", "/account/notifications", (303, 303, 303, 303, 303, 303, 303, 303, 403)),
    # each person's own messages; another's, as an unknown one, is not found
    ("/inbox", "GET", "/inbox", (200, 200, 200, 200, 200, 200, 200, 200, 303)),
    ("/inbox/{message_id}", "GET", f"/inbox/{uuid4()}", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    # the operator's page: services' health and dead letters, the operator's alone
    ("/ops", "GET", "/ops", (404, 404, 404, 404, 404, 404, 404, 200, 303)),
    # the dashboard, reports, risks, board packs, event records: every reader of the partnership;
    # never the operator (no child-level records), an agency lead, or an inspector after their period
    ("/p/{partnership}", "GET", P, (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}", "GET", "/p/no-such-partnership", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}", "GET", f"{P}?as_of=2026-11-01", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    # the dashboard's pages, one per area: as the overview
    ("/p/{partnership}/section11", "GET", f"{P}/section11", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/risk-flags", "GET", f"{P}/risk-flags", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/reviews", "GET", f"{P}/reviews", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/actions", "GET", f"{P}/actions?as_of=2026-11-01", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/assurance", "GET", f"{P}/assurance", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/planner", "GET", f"{P}/planner", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/performance", "GET", f"{P}/performance", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/planner", "GET", "/p/no-such-partnership/planner", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/section11", "POST", f"{P}/section11", (403, 404, 403, 403, 403, 403, 404, 404, 403)),
    ("/p/{partnership}/event/{event_id}", "GET", f"{P}/event/{{EVENT}}", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/event/{event_id}", "GET", f"{P}/event/{uuid4()}", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/board-pack", "GET", f"{P}/board-pack", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/reports/tiered", "GET", f"{P}/reports/tiered", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/reports/thematic", "GET", f"{P}/reports/thematic", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/reports/yearly/{year}", "GET", f"{P}/reports/yearly/2026", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    (
        "/p/{partnership}/reports/yearly/{report}/{year}",
        "GET",
        f"{P}/reports/yearly/annual-report/2026",
        (200, 404, 200, 200, 200, 200, 404, 404, 303),
    ),
    (
        "/p/{partnership}/reports/yearly/{report}/{year}",
        "GET",
        f"{P}/reports/yearly/no-such-report/2026",
        (404, 404, 404, 404, 404, 404, 404, 404, 303),
    ),
    ("/p/{partnership}/risks", "GET", f"{P}/risks", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    # the independent scrutineer's workspace and annual report: as every partnership page (an
    # agency lead sees the challenges put to its agency on its agency page instead)
    ("/p/{partnership}/scrutiny", "GET", f"{P}/scrutiny", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    # a meeting on the partnership's calendar (its agenda, pack and actions): as the board pack
    ("/p/{partnership}/meetings/{meeting_id}", "GET", f"{P}/meetings/{MEETING}", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/meetings/{meeting_id}", "GET", f"{P}/meetings/no-such-meeting", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    (
        "/p/{partnership}/scrutiny",
        "GET",
        f"{P}/scrutiny?record_kind=s11-cycle&record_id=2026-27",
        (200, 404, 200, 200, 200, 200, 404, 404, 303),
    ),
    ("/p/{partnership}/reports/scrutineer/{year}", "GET", f"{P}/reports/scrutineer/2026", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    (
        "/p/{partnership}/reports/scrutineer/{year}",
        "GET",
        f"{P}/reports/scrutineer/2026?format=docx",
        (200, 404, 200, 200, 200, 200, 404, 404, 303),
    ),
    (
        "/p/{partnership}/reports/scrutineer/{year}",
        "GET",
        f"{P}/reports/scrutineer/not-a-year",
        (400, 404, 400, 400, 400, 400, 404, 404, 303),
    ),
    ("/p/{partnership}/reports/tiered", "GET", f"{P}/reports/tiered?format=docx", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    # the pages' tables as files: as the pages (an agency lead downloads no partnership-wide table);
    # a table no page shows, or a format there is none of, is not found
    ("/p/{partnership}/export/{table}.{format}", "GET", f"{P}/export/heatmap.csv", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/export/{table}.{format}", "GET", f"{P}/export/risk-register.xlsx", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/export/{table}.{format}", "GET", f"{P}/export/no-such-table.csv", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/export/{table}.{format}", "GET", f"{P}/export/heatmap.pdf", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    # an agency's page: the readers, and the lead of that agency only; another agency is as unknown
    ("/p/{partnership}/agency/{agency_id}", "GET", f"{P}/agency/{OWN}", (200, 200, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/agency/{agency_id}", "GET", f"{P}/agency/{OTHER}", (200, 404, 200, 200, 200, 200, 404, 404, 303)),
    ("/p/{partnership}/agency/{agency_id}", "GET", f"{P}/agency/{UNKNOWN}", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    # the dashboard's pages are read-only: a POST is refused (403), or not found for who may not read them
    ("/p/{partnership}", "POST", P, (403, 404, 403, 403, 403, 403, 404, 404, 403)),
    ("/p/{partnership}/agency/{agency_id}", "POST", f"{P}/agency/{OWN}", (403, 403, 403, 403, 403, 403, 404, 404, 403)),
    # an agency's Section 11 return: its own lead, and the business unit to read; a draft is
    # narrower than the agency's page. The lead's own POSTs reach the return (a redirect, or a
    # 400 about what was sent); the business unit's and anyone else's are not found.
    ("/p/{partnership}/return/{agency}", "GET", f"{P}/return/{OWN}", (200, 200, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/return/{agency}", "GET", f"{P}/return/{OTHER}", (200, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/return/{agency}", "GET", f"{P}/return/{UNKNOWN}", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    (
        "/p/{partnership}/return/{agency}/domain/{domain_id}",
        "GET",
        f"{P}/return/{OWN}/domain/{{DOMAIN}}",
        (303, 200, 404, 404, 404, 404, 404, 404, 303),
    ),
    (
        "/p/{partnership}/return/{agency}/domain/{domain_id}",
        "GET",
        f"{P}/return/{OTHER}/domain/{{DOMAIN}}",
        (303, 404, 404, 404, 404, 404, 404, 404, 303),
    ),
    ("/p/{partnership}/return/{agency}/check", "GET", f"{P}/return/{OWN}/check", (200, 200, 404, 404, 404, 404, 404, 404, 303)),
    (
        "/p/{partnership}/return/{agency}/amend/{domain_id}",
        "GET",
        f"{P}/return/{OWN}/amend/{{DOMAIN}}",
        (303, 303, 404, 404, 404, 404, 404, 404, 303),
    ),
    (
        "/p/{partnership}/return/{agency}/carry-forward",
        "POST",
        f"{P}/return/{OWN}/carry-forward",
        (404, 400, 404, 404, 404, 404, 404, 404, 403),
    ),
    # an answer to a finding put to the agency (answer-prompt): its own lead's alone (no such prompt: back to the return)
    (
        "/p/{partnership}/return/{agency}/prompt/{prompt_id}",
        "POST",
        f"{P}/return/{OWN}/prompt/no-such-prompt",
        (404, 303, 404, 404, 404, 404, 404, 404, 403),
    ),
    (
        "/p/{partnership}/return/{agency}/prompt/{prompt_id}",
        "POST",
        f"{P}/return/{OTHER}/prompt/no-such-prompt",
        (404, 404, 404, 404, 404, 404, 404, 404, 403),
    ),
    (
        "/p/{partnership}/return/{agency}/domain/{domain_id}",
        "POST",
        f"{P}/return/{OWN}/domain/{{DOMAIN}}",
        (404, 303, 404, 404, 404, 404, 404, 404, 403),
    ),
    (
        "/p/{partnership}/return/{agency}/domain/{domain_id}",
        "POST",
        f"{P}/return/{OTHER}/domain/{{DOMAIN}}",
        (404, 404, 404, 404, 404, 404, 404, 404, 403),
    ),
    ("/p/{partnership}/return/{agency}/check", "POST", f"{P}/return/{OWN}/check", (404, 400, 404, 404, 404, 404, 404, 404, 403)),
    (
        "/p/{partnership}/return/{agency}/amend/{domain_id}",
        "POST",
        f"{P}/return/{OWN}/amend/{{DOMAIN}}",
        (404, 303, 404, 404, 404, 404, 404, 404, 403),
    ),
    # a document kept as evidence: whoever may read a record attaching it (test_documents.py goes
    # through who); one no record attaches, or no document at all, is not found for everyone
    ("/p/{partnership}/documents/{sha256}", "GET", f"{P}/documents/{'0' * 64}", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/documents/{sha256}", "GET", f"{P}/documents/not-a-hash", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    # the evidence bundle: the business unit, the scrutineer and an inspector in their period
    ("/p/{partnership}/evidence", "GET", f"{P}/evidence", (200, 404, 404, 200, 404, 200, 404, 404, 303)),
    # the task list, people and the outbox (what the partnership's people are told): the business unit's alone
    ("/p/{partnership}/tasks", "GET", f"{P}/tasks", (200, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/people", "GET", f"{P}/people", (200, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/outbox", "GET", f"{P}/outbox", (200, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/people/invite", "POST", f"{P}/people/invite", (200, 404, 404, 404, 404, 404, 404, 404, 403)),
    ("/p/{partnership}/people/remove", "POST", f"{P}/people/remove", (303, 404, 404, 404, 404, 404, 404, 404, 403)),
    # a form: who may send each row is the command matrix below; no row is no form for anyone
    ("/p/{partnership}/do/{service}/{token}", "GET", f"{P}/do/section11/no-such-command", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/do/{service}/{token}", "GET", f"{P}/do/no-such-service/open-cycle", (404, 404, 404, 404, 404, 404, 404, 404, 303)),
    ("/p/{partnership}/do/{service}/{token}", "POST", f"{P}/do/section11/open-cycle", (200, 404, 404, 404, 404, 404, 404, 404, 403)),
    # an upload of performance data: who may send record-indicator-values (the business unit, an
    # agency lead as its own agency); a POST without a file is the form again with its error
    (
        "/p/{partnership}/do/reporting/record-indicator-values/upload",
        "GET",
        f"{P}/do/reporting/record-indicator-values/upload",
        (200, 200, 404, 404, 404, 404, 404, 404, 303),
    ),
    (
        "/p/{partnership}/do/reporting/record-indicator-values/upload",
        "POST",
        f"{P}/do/reporting/record-indicator-values/upload",
        (400, 400, 404, 404, 404, 404, 404, 404, 403),
    ),
]

# Issue 14's table, command by command: who sends what from the front door. The business unit
# sends every business-unit row; an agency lead every agency row, for its own agency only; a
# partner endorses, agrees reports and proposes as itself; the scrutineer signs off and
# comments, and raises and closes challenges, makes and judges recommendations and signs off
# their annual report (those are theirs alone: the business unit answers and records
# responses); a board member, an inspector and the operator send nothing.
PARTNER_SENDS = {("events", "propose"), ("events", "endorse"), ("events", "agree-report")}
SCRUTINEER_SENDS = {
    ("reviews", "sign-off-rapid-review-decision"),
    ("reporting", "comment-on-yearly-report"),
    ("reporting", "scrutineer-sign-off-yearly-report"),
    ("reviews", "sign-off-review"),
}
SCRUTINEER_ALONE = {
    ("reporting", "raise-challenge"),
    ("reporting", "close-challenge"),
    ("reporting", "make-recommendation"),
    ("reporting", "judge-recommendation"),
    ("reporting", "sign-off-scrutineer-report"),
}
SCRUTINEER_SENDS |= SCRUTINEER_ALONE


def app_routes(app: Any, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route of the app, through its mounts (the dashboard's at /)."""
    out: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Mount):
            inner = route.routes
            if inner:
                out |= app_routes(route, prefix + route.path)
            else:  # a static files mount
                out.add(("GET", prefix + route.path + "/{path}"))
        elif isinstance(route, Route):
            for method in route.methods or {"GET"}:
                if method != "HEAD":
                    out.add((method, prefix + route.path))
    return out


async def counts(platform: RunningPlatform) -> dict[str, int]:
    return {store: await platform.count(f"SELECT count(*) FROM {store}.events") for store in STORES}


@dataclass
class Signed:
    client: httpx.AsyncClient
    csrf: str
    account_id: str | None


async def sign_in_everyone(platform: RunningPlatform) -> dict[str, Signed]:
    out: dict[str, Signed] = {}
    for name, persona in PERSONAS.items():
        if persona.role is None:
            client = httpx.AsyncClient(base_url=await base_url(platform), timeout=30)
            out[name] = Signed(client, "", None)
            continue
        person = await make_person(platform, persona.role, persona.scope, until=persona.until, name=f"Test {name}")
        client = await client_for(platform, person)
        home = await client.get("/")
        assert home.status_code == 200, (name, home.status_code)
        out[name] = Signed(client, csrf_of(home.text), person.account_id)
    return out


async def close_all(signed: dict[str, Signed]) -> None:
    for s in signed.values():
        await s.client.aclose()


async def test_every_route_for_every_role(platform: RunningPlatform) -> None:
    app = platform.wired["reporting"].server.config.app
    served = app_routes(app)
    # a POST to a partnership's read-only page is the guard's to refuse, though no route takes it
    guarded = {("POST", route) for method, route in served if method == "GET" and route.startswith("/p/")}
    tabled = {(method, route) for route, method, _, _ in PAGES}
    assert served <= tabled, f"routes without a row in PAGES: {sorted(served - tabled)}"
    assert tabled <= served | guarded, f"rows of PAGES without a route: {sorted(tabled - served - guarded)}"
    for _, _, _, codes in PAGES:
        assert len(codes) == len(COLUMNS)

    opened = await platform.open_cycle()
    assert opened["status"] == "accepted", opened
    await record_meeting(platform)
    fill = {"{EVENT}": opened["events"][0]["event_id"], "{STATIC}": "govuk/govuk-frontend.min.css",
            "{DOMAIN}": platform.hosts["section11"].partnerships.profile(PARTNERSHIP).section11.domains[0].id}
    signed = await sign_in_everyone(platform)
    # the business unit goes last: it alone may remove a role (the ended inspector's)
    order = [c for c in COLUMNS if c != "business-unit"] + ["business-unit"]
    try:
        wrong: list[str] = []
        bodies: dict[tuple[str, str], str] = {}
        recorded: dict[tuple[str, str], dict[str, int]] = {}
        for column in order:
            s = signed[column]
            for route, method, url, codes in PAGES:
                for key, value in fill.items():
                    url = url.replace(key, value)
                expected = codes[COLUMNS.index(column)]
                if method == "GET":
                    response = await s.client.get(url)
                else:
                    before = await counts(platform)
                    response = await s.client.post(url, data=_post_data(route, s, signed))
                    after = await counts(platform)
                    recorded[(column, url)] = {k: after[k] - before[k] for k in STORES if after[k] != before[k]}
                    if response.status_code in (403, 404) and recorded[(column, url)]:
                        wrong.append(f"{column:16} POST {url}: refused, yet recorded {recorded[(column, url)]}")
                bodies[(column, url)] = response.text
                if response.status_code != expected:
                    wrong.append(f"{column:16} {method:4} {url}: {response.status_code}, expected {expected}")
                if response.status_code == 303 and column == "nobody" and method == "GET" and url.startswith("/p/"):
                    assert response.headers["location"].startswith("/sign-in?next="), url
        assert not wrong, "\n".join(["answers not as the table says:", *wrong])

        # another agency's page is exactly an unknown agency's page, for its lead
        assert bodies[("agency-lead", f"{P}/agency/{OTHER}")] == bodies[("agency-lead", f"{P}/agency/{UNKNOWN}")]
        assert bodies[("agency-lead", f"{P}/return/{OTHER}")] == bodies[("agency-lead", f"{P}/return/{UNKNOWN}")]
        assert "Page not found" in bodies[("agency-lead", f"{P}/agency/{OTHER}")]
        # and the business unit's POSTs were real: an invitation, a role removed, a cycle opened
        assert recorded[("business-unit", f"{P}/people/invite")] == {"reporting_records": 1}
        assert recorded[("business-unit", f"{P}/people/remove")] == {"reporting_records": 1}
        assert recorded[("business-unit", f"{P}/do/section11/open-cycle")] == {"section11": 1}
    finally:
        await close_all(signed)


def _post_data(route: str, s: Signed, signed: dict[str, Signed]) -> dict[str, str]:
    """A POST the business unit would have made, so a missing check would show as a record."""
    if route.startswith(("/sign-in", "/invitation", "/sign-out")):
        return {}  # no CSRF token: refused whoever asks
    data = {"csrf": s.csrf}
    if "/return/" in route:
        data |= {"request_id": str(uuid4()), "from_cycle_id": "2025-26"}
    elif route.endswith("/people/invite"):
        data |= {"name": "Invited Person", "email": f"invited-{uuid4().hex[:8]}@example.org", "grant": Role.BOARD_MEMBER.value}
    elif route == "/account/notifications":
        data |= {"delivery": "digest"}
    elif route.endswith("/people/remove"):
        data |= {"account_id": signed["inspector-ended"].account_id or "", "role": Role.INSPECTOR.value, "scope": ""}
    elif "/do/" in route:
        data |= {"request_id": str(uuid4()), "cycle_id": "2027-28",
                 "opened_on-day": "2", "opened_on-month": "11", "opened_on-year": "2026"}
    return data


async def test_every_command_for_every_role(platform: RunningPlatform) -> None:
    tables = CommandTables(platform.nc, platform.subjects)
    rows = [row for service in SERVICES for row in await tables.rows(service)]
    assert {row.service for row in rows} == set(SERVICES)
    forms = sorted({(row.service, row.token) for row in rows})

    # the table above, and what each row names: the same
    named: dict[str, set[tuple[str, str]]] = {column: set() for column in COLUMNS}
    for row in rows:
        for role in row.roles:
            for column, persona in PERSONAS.items():
                if persona.role is not None and persona.role.value == role and column != "inspector-ended":
                    named[column].add((row.service, row.token))
    expected = {
        "business-unit": {(r.service, r.token) for r in rows if r.sender == "business-unit"} - SCRUTINEER_ALONE,
        "agency-lead": {(r.service, r.token) for r in rows if r.sender == "agency"},
        "partner": PARTNER_SENDS,
        "scrutineer": SCRUTINEER_SENDS,
        "board-member": set(), "inspector": set(), "inspector-ended": set(), "operator": set(), "nobody": set(),
    }
    assert named == expected, "the rows' roles() no longer say what issue 14's table says"
    agency_rows = {(r.service, r.token) for r in rows if r.by_agency}

    signed = await sign_in_everyone(platform)
    try:
        wrong: list[str] = []
        for column in COLUMNS:
            s = signed[column]
            for service, token in forms:
                allowed = (service, token) in expected[column]
                want = 200 if allowed else (303 if column == "nobody" else 404)
                response = await s.client.get(f"{P}/do/{service}/{token}")
                if response.status_code != want:
                    wrong.append(f"{column:16} GET {service}/{token}: {response.status_code}, expected {want}")
                elif allowed and column in ("agency-lead", "partner"):
                    # the pinned field is the person's own agency or partner, never an input
                    field = next(r.roles[persona_role(column)] for r in rows
                                 if (r.service, r.token) == (service, token) and persona_role(column) in r.roles)
                    if re.search(rf'name="{field}"', response.text):
                        wrong.append(f"{column:16} GET {service}/{token}: {field} is offered as an input")
            # an agency lead asking for another agency's form (?as=) is not found, as an unknown form is
            if column == "agency-lead":
                for service, token in sorted(agency_rows):
                    response = await s.client.get(f"{P}/do/{service}/{token}?as={OTHER}")
                    if response.status_code != 404:
                        wrong.append(f"agency-lead      GET {service}/{token}?as={OTHER}: {response.status_code}, expected 404")
        assert not wrong, "\n".join([f"forms not as the table says ({len(wrong)}):", *wrong])

        # Every form POSTed by every role that may not send it: refused before the form is read
        # (403 or 404, never a 400 about its fields) and nothing recorded anywhere.
        before = await counts(platform)
        refused = 0
        for column in COLUMNS:
            s = signed[column]
            for service, token in forms:
                if (service, token) in expected[column]:
                    continue
                data = {"csrf": s.csrf, "request_id": str(uuid4()), "cycle_id": "2026-27", "agency_id": OWN,
                        "opened_on-day": "2", "opened_on-month": "11", "opened_on-year": "2026", "partner_id": PARTNER}
                response = await s.client.post(f"{P}/do/{service}/{token}", data=data)
                refused += 1
                if response.status_code not in (403, 404):
                    wrong.append(f"{column:16} POST {service}/{token}: {response.status_code}, expected 403 or 404")
            if column == "agency-lead":
                response = await s.client.post(f"{P}/do/section11/save-draft?as={OTHER}", data={"csrf": s.csrf})
                if response.status_code != 404:
                    wrong.append(f"agency-lead      POST section11/save-draft?as={OTHER}: {response.status_code}")
        assert not wrong, "\n".join([f"POSTs not refused ({len(wrong)}):", *wrong])
        assert await counts(platform) == before, "a refused command recorded something"
        assert refused > 400
    finally:
        await close_all(signed)


def persona_role(column: str) -> str:
    role = PERSONAS[column].role
    assert role is not None
    return role.value
