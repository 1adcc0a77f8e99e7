"""Reaching the in-process dashboard, and a little recorded activity to show on it.

The dashboard's server runs on the test's event loop, so the blocking HTTP client runs
beside it in a thread (`asyncio.to_thread`)."""

import asyncio
import http.client
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from shared.waiting import eventually
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform

POLICE = "humberside-police"
HOSPITALS = "northern-lincolnshire-and-goole-hospitals"
AMBULANCE = "east-midlands-ambulance-service"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


async def dashboard_port(platform: RunningPlatform) -> int:
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the dashboard to listen")
    return server.servers[0].sockets[0].getsockname()[1]


async def reader_cookie(platform: RunningPlatform, *, fresh: bool = False) -> str:
    """A session of a business-unit person of every partnership on the platform: the person
    made once per platform, a new session when asked (a test that moves the clock a day on
    outlives the last one, as a person would)."""
    from services.reporting.domain.people.policy import Grant
    from shared.roles import Role
    from tests.support.people import client_for, make_person

    cached = getattr(platform, "_reader", None)
    if cached is None:
        partnerships = list(platform.hosts["reporting"].partnerships)
        person = await make_person(platform, Role.BUSINESS_UNIT, partnership=partnerships[0])
        for other in partnerships[1:]:
            await platform.wired["reporting"].accounts.grant(person.account_id, Grant(other, Role.BUSINESS_UNIT), "business-unit")
        cached = [person, None]
        platform._reader = cached  # type: ignore[attr-defined]
    if cached[1] is None or fresh:
        client = await client_for(platform, cached[0])
        cached[1] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        await client.aclose()
    return cached[1]


async def fetch(
    platform: RunningPlatform, path: str, *, signed_in: bool = True, method: str = "GET",
    form: dict[str, str] | None = None, cookie: str | None = None,
) -> Answer:
    """One request, redirects not followed; as a business-unit person signed in, unless not."""
    port = await dashboard_port(platform)
    headers: dict[str, str] = {}
    cookies = [c for c in (await reader_cookie(platform) if signed_in else None, cookie) if c]
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    body = urlencode(form).encode() if form is not None else None
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    def call() -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
        finally:
            conn.close()

    answer = await asyncio.to_thread(call)
    if signed_in and answer.status == 303 and answer.headers.get("location", "").startswith("/sign-in"):
        headers["Cookie"] = "; ".join(c for c in (await reader_cookie(platform, fresh=True), cookie) if c)
        answer = await asyncio.to_thread(call)
    return answer


async def page(platform: RunningPlatform, path: str) -> str:
    answer = await fetch(platform, path)
    assert answer.status == 200, (path, answer.status, answer.body[:500])
    return answer.body


def main_of(html: str) -> str:
    """The page's content (its <main>), without the as-of line or the as-of date in its links:
    what must be the same whether the page was rendered live that day or as of it later."""
    [main] = re.findall(r"<main[^>]*>(.*)</main>", html, flags=re.S)
    main = re.sub(r'<p class="meta asof">.*?</p>', "", main, flags=re.S)
    return re.sub(r"\?as_of=\d{4}-\d{2}-\d{2}", "", main)


def ok(reply: dict[str, Any]) -> list[dict[str, Any]]:
    assert reply["status"] == "accepted", reply
    return reply["events"]


@dataclass
class Activity:
    """The ids of what `record_activity` recorded, to look for on the pages."""

    events: dict[str, str] = field(default_factory=dict)  # a name -> the event id

    def __getitem__(self, name: str) -> str:
        return self.events[name]


async def record_activity(platform: RunningPlatform) -> Activity:
    """A cycle with three returns: the police flag a risk, the panel moderates the hospitals
    down, a practitioner survey challenges the ambulance service's green; an action for the
    police with a progress update. Waits until reporting shows it all."""
    seen = Activity()
    ok(await platform.open_cycle())
    police = ok(await platform.submit(POLICE, {"culture-and-challenge": 2}))
    seen.events["police-return"], seen.events["police-flag"] = police[0]["event_id"], police[1]["event_id"]
    seen.events["hospitals-return"] = ok(await platform.submit(HOSPITALS))[0]["event_id"]
    seen.events["ambulance-return"] = ok(await platform.submit(AMBULANCE, default=4))[0]["event_id"]
    moderated = ok(await platform.command("section11", "moderate", {
        "agency_id": HOSPITALS, "cycle_id": CYCLE, "domain_id": "leadership-and-governance", "moderated_rating": 2,
        "rationale": "Board minutes show no safeguarding report this year", "moderated_by": "Section 11 scrutiny panel",
    }))
    seen.events["moderated"] = moderated[0]["event_id"]
    survey = ok(await platform.command("section11", "record-survey", {
        "agency_id": AMBULANCE, "cycle_id": CYCLE, "survey_id": "practitioner-survey-2026",
        "statement": "I know how to escalate a concern about another agency", "agree_percent": 41, "respondents": 57,
    }))
    seen.events["gap"] = next(e["event_id"] for e in survey if e["event_type"] == "ConfidenceGapFlagged")
    seen.events["action"] = ok(await platform.command("reviews", "raise-action", {
        "action_id": "act-escalation-1", "title": "Refresh the escalation policy", "owner_agency_id": POLICE,
        "due_on": "2026-12-18", "source_type": "review", "source_id": "cspr-2026-03", "raised_by": "SPLIG (invented chair)",
    }))[0]["event_id"]
    seen.events["progress"] = ok(await platform.command("reviews", "update-action", {
        "action_id": "act-escalation-1", "owner_agency_id": POLICE, "progress": "Draft policy out to partners",
        "percent_complete": 50, "updated_by": "Force safeguarding lead",
    }, agency=POLICE))[0]["event_id"]
    await projected(platform, submissions=3, gaps=1, history=2)
    return seen


async def projected(platform: RunningPlatform, *, submissions: int, gaps: int, history: int) -> None:
    async def caught_up() -> bool:
        counts = (
            await platform.count("SELECT count(*) FROM reporting.s11_submissions WHERE partnership_id = $1", PARTNERSHIP),
            await platform.count("SELECT count(*) FROM reporting.s11_confidence_gaps WHERE partnership_id = $1", PARTNERSHIP),
            await platform.count("SELECT count(*) FROM reporting.action_history WHERE partnership_id = $1", PARTNERSHIP),
        )
        return counts == (submissions, gaps, history)

    await eventually(caught_up, what=f"reporting to show {submissions} returns, {gaps} gaps, {history} action events")
    # every store's last event applied (moderation and its flag included)
    for source in ("section11", "events", "reviews"):
        head = await platform.count(f"SELECT coalesce(max(position), 0) FROM {source}.events")
        await eventually(
            lambda source=source, head=head: _checkpoint_at(platform, source, head), what=f"reporting to apply {source} to {head}"
        )


async def _checkpoint_at(platform: RunningPlatform, source: str, head: int) -> bool:
    return await platform.count("SELECT position FROM reporting.checkpoints WHERE source = $1", source) >= head
