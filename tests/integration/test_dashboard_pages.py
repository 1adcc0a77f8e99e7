"""The dashboard's pages through the platform: sign-in, the nav bar, an agency's drill-down,
the stored event behind a figure (and never another partnership's), on real NATS and
PostgreSQL with every service in-process."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
import yaml

from services.reporting.adapters.dashboard_pages import NAV_SECTIONS
from shared.clock import ManualClock
from shared.profiles import DATA_DIR
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.dashboard import (
    AMBULANCE,
    HOSPITALS,
    POLICE,
    fetch,
    ok,
    page,
    record_activity,
)
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform

pytestmark = pytest.mark.integration

OTHER = "dash-shire"


@pytest.fixture
async def platform(
    nats_url: str, database: str, namespace: str, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[RunningPlatform]:
    """North Lincolnshire and an invented second partnership on the same platform."""
    data = yaml.safe_load((DATA_DIR / f"{PARTNERSHIP}.yaml").read_text())
    data["id"], data["name"] = OTHER, "Dash-shire Safeguarding Children Partnership (invented)"
    other = tmp_path / f"{OTHER}.yaml"
    other.write_text(yaml.safe_dump(data))
    settings = support.test_settings(nats_url, database, namespace).model_copy(
        update={"profiles": [PARTNERSHIP, str(other)]}
    )
    async with running_platform(settings, clock) as running:
        yield running


async def test_every_page_needs_a_signed_in_person(platform: RunningPlatform) -> None:
    """The dashboard's routes behind the front door: no session, no page (what each role
    may see is tests/integration/test_role_matrix.py)."""
    pages = platform.wired["reporting"].server.config.app.routes[-1].app  # the mounted dashboard
    event_id = uuid4()
    samples = {"partnership": PARTNERSHIP, "agency_id": POLICE, "event_id": str(event_id), "year": "2026"}
    paths = {re.sub(r"\{(\w+)(:\w+)?\}", lambda m: samples.get(m.group(1), "x"), route.path) for route in pages.routes}
    assert "/healthz" in paths and f"/p/{PARTNERSHIP}/agency/{POLICE}" in paths and f"/p/{PARTNERSHIP}/event/{event_id}" in paths
    for path in paths:
        answer = await fetch(platform, path, signed_in=False)
        if path in ("/healthz", "/metrics"):
            assert answer.status == 200, path  # liveness and counts only
            continue
        assert answer.status == 303 and answer.headers["location"].startswith("/sign-in?next="), (path, answer.status)
        posted = await fetch(platform, path, signed_in=False, method="POST", form={})
        assert posted.status == 403, path
    # ?as_of=, ?token= and an old token cookie do not get round it
    assert (await fetch(platform, f"/p/{PARTNERSHIP}?as_of=2026-11-01", signed_in=False)).status == 303
    assert (await fetch(platform, f"/p/{PARTNERSHIP}?token=anything", signed_in=False)).status == 303
    assert (await fetch(platform, f"/p/{PARTNERSHIP}", signed_in=False, cookie="scrutiny_token=anything")).status == 303
    assert (await fetch(platform, f"/p/{PARTNERSHIP}")).status == 200


async def test_the_nav_bar_and_links_from_agency_names_and_event_traces(platform: RunningPlatform) -> None:
    seen = await record_activity(platform)
    html = await page(platform, f"/p/{PARTNERSHIP}")
    nav = re.search(r'<nav aria-label="Menu" class="govuk-service-navigation__wrapper">(.*?)</nav>', html, flags=re.S)
    assert nav is not None
    for _, path in NAV_SECTIONS:  # the overview links every area's page, and every page has the one navigation
        href = f"/p/{PARTNERSHIP}" + (f"/{path}" if path else "")
        assert f'href="{href}"' in nav.group(1)
        area = await page(platform, href)
        theirs = re.search(r'<nav aria-label="Menu" class="govuk-service-navigation__wrapper">(.*?)</nav>', area, flags=re.S)
        assert theirs is not None and hrefs(theirs.group(1)) == hrefs(nav.group(1)), href
        assert re.search(rf'<a class="govuk-service-navigation__link" href="{re.escape(href)}" aria-current="page">', area), href
        assert area.count("<main") == 1 and 'href="#main-content"' in area and 'name="viewport"' in area
        assert '<input class="govuk-input app-as-of__date" id="as_of" type="date" name="as_of" max="2026-11-02"' in area
    assert f'href="/p/{PARTNERSHIP}/board-pack"' in nav.group(1)
    areas = {path: await page(platform, f"/p/{PARTNERSHIP}/{path}") for _, path in NAV_SECTIONS if path}
    assert f'<a class="agency" href="/p/{PARTNERSHIP}/agency/{POLICE}">Humberside Police</a>' in areas["section11"]
    assert f'href="/p/{PARTNERSHIP}/event/{seen["police-flag"]}"' in areas["risk-flags"]
    assert f'href="/p/{PARTNERSHIP}/event/{seen["gap"]}"' in areas["section11"]
    assert f'href="/p/{PARTNERSHIP}/event/{seen["action"]}"' in areas["actions"]
    # a heat-map cell opens the agency's answers on that domain; the moderation's sign said in words
    assert f'href="/p/{PARTNERSHIP}/agency/{HOSPITALS}#domain-leadership-and-governance"' in areas["section11"]
    assert "moderated; self-assessed Good (self-assessed one level higher than moderated)" in areas["section11"]
    # every event link of the pages opens that event's page
    linked = set(re.findall(rf'href="/p/{PARTNERSHIP}/event/([0-9a-f-]+)"', "".join(areas.values())))
    assert len(linked) >= 4
    for event_id in linked:
        assert f"<td class=\"hash\">{event_id}</td>" in await page(platform, f"/p/{PARTNERSHIP}/event/{event_id}")


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


async def test_an_agency_page_holds_everything_about_it(platform: RunningPlatform) -> None:
    seen = await record_activity(platform)
    ok(await platform.command("section11", "amend", {
        "agency_id": POLICE, "cycle_id": support.CYCLE,
        "answers": {"cc-professional-challenge": {"rating": 3, "narrative": "Escalation policy re-issued."}},
        "reason": "Escalation policy re-issued and audited in October", "amended_by": "Detective superintendent, safeguarding",
    }, agency=POLICE))
    html = await _eventually_page(platform, f"/p/{PARTNERSHIP}/agency/{POLICE}", "Escalation policy re-issued and audited")
    assert '<h1 class="govuk-heading-l">Humberside Police</h1>' in html and "Cycle 2026-27" in html
    assert "Return <b" in html and "1 amendment" in html
    assert f'href="/p/{PARTNERSHIP}/event/{seen["police-return"]}"' in html
    assert "Culture and challenge" in html and f'href="/p/{PARTNERSHIP}/event/{seen["police-flag"]}"' in html
    assert "Refresh the escalation policy" in html and "Draft policy out to partners" in html
    assert f'href="/p/{PARTNERSHIP}/event/{seen["action"]}"' in html  # the action's evidence: its stream, progress too
    assert "Board minutes show no safeguarding report" not in html and "41%" not in html  # only this agency's

    hospitals = await page(platform, f"/p/{PARTNERSHIP}/agency/{HOSPITALS}")
    assert "Board minutes show no safeguarding report this year" in hospitals
    assert "self-assessed one level higher than moderated" in hospitals and 'id="domain-leadership-and-governance"' in hospitals
    assert f'href="/p/{PARTNERSHIP}/event/{seen["moderated"]}"' in hospitals
    ambulance = await page(platform, f"/p/{PARTNERSHIP}/agency/{AMBULANCE}")
    assert "41%" in ambulance and "I know how to escalate a concern" in ambulance
    assert f'href="/p/{PARTNERSHIP}/event/{seen["gap"]}"' in ambulance
    assert (await fetch(platform, f"/p/{PARTNERSHIP}/agency/no-such-agency")).status == 404
    assert (await fetch(platform, "/p/no-such-partnership/agency/humberside-police")).status == 404


async def _eventually_page(platform: RunningPlatform, path: str, text: str) -> str:
    async def shows() -> str | None:
        html = await page(platform, path)
        return html if text in html else None

    return await eventually(shows, what=f"{path} to show {text!r}")


async def test_the_event_page_shows_the_stored_envelope_and_never_another_partnerships(platform: RunningPlatform) -> None:
    seen = await record_activity(platform)
    html = await page(platform, f"/p/{PARTNERSHIP}/event/{seen['police-flag']}")
    row = await platform.pool.fetchrow("SELECT * FROM section11.events WHERE event_id = $1", UUID(seen["police-flag"]))
    assert '<h1 class="govuk-heading-l">Risk flagged</h1>' in html and "✓ Its content still matches its hash." in html
    assert "RiskFlagged (schema version" in html  # the type's own name, on the evidence page
    for value in (row["stream_id"], row["actor"], str(row["correlation_id"]), bytes(row["hash"]).hex(), bytes(row["prev_hash"]).hex()):
        assert value in html, value
    assert f"section11, position {row['position']}" in html
    assert '&#34;domain_id&#34;: &#34;culture-and-challenge&#34;' in html  # the payload, pretty-printed and escaped
    # the other events of its stream link to theirs: the return it came with
    assert f'href="/p/{PARTNERSHIP}/event/{seen["police-return"]}"' in html
    assert f'<a class="agency" href="/p/{PARTNERSHIP}/agency/{POLICE}">' in html

    # the progress update's stream starts with the action raised
    progress = await page(platform, f"/p/{PARTNERSHIP}/event/{seen['progress']}")
    assert "ActionProgressUpdated" in progress and f'href="/p/{PARTNERSHIP}/event/{seen["action"]}"' in progress
    # a hand-made edit of the stored payload shows: its content no longer matches its hash
    await platform.pool.execute(
        "UPDATE section11.events SET payload = jsonb_set(payload, '{reason}', '\"edited by hand\"') WHERE event_id = $1",
        UUID(seen["police-flag"]),
    )
    edited = await page(platform, f"/p/{PARTNERSHIP}/event/{seen['police-flag']}")
    assert "edited by hand" in edited and "✗ Its content does not match its recorded hash" in edited

    # another partnership's event is not found, exactly as an unknown one
    other = ok(await platform.open_cycle(partnership=OTHER))[0]["event_id"]
    assert (await fetch(platform, f"/p/{OTHER}/event/{other}")).status == 200
    refused = await fetch(platform, f"/p/{PARTNERSHIP}/event/{other}")
    unknown = await fetch(platform, f"/p/{PARTNERSHIP}/event/{uuid4()}")
    assert (refused.status, unknown.status) == (404, 404)
    assert refused.body == f"404 not found: no event {other} in North Lincolnshire Children's MARS Board's records\n"
    assert (await fetch(platform, f"/p/{PARTNERSHIP}/event/not-a-uuid")).status == 404
    assert other not in await page(platform, f"/p/{PARTNERSHIP}")


async def test_every_response_carries_the_security_headers(platform: RunningPlatform) -> None:
    """Pages hold safeguarding data: never framed, sniffed, cached or sent on as a referrer,
    and no script but the front door's own; a redirect to sign in and an unknown page (404) carry them too."""
    answers = [
        await fetch(platform, f"/p/{PARTNERSHIP}"),
        await fetch(platform, f"/p/{PARTNERSHIP}", signed_in=False),
        await fetch(platform, "/p/no-such-partnership"),
        await fetch(platform, "/healthz", signed_in=False),
    ]
    assert [a.status for a in answers][:2] == [200, 303]
    for answer in answers:
        headers = {k.lower(): v for k, v in answer.headers.items()}
        assert "frame-ancestors 'none'" in headers["content-security-policy"], answer
        assert "script-src 'self'" in headers["content-security-policy"]
        assert (headers["x-content-type-options"], headers["referrer-policy"], headers["cache-control"]) == (
            "nosniff", "no-referrer", "no-store",
        )
