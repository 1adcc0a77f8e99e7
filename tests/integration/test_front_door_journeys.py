"""The journeys of the front door in a real browser (issue 14), each person signed in as
themselves with both factors, on the platform as the suite runs it:

1. the business unit signs in and invites an agency lead;
2. the lead accepts, sets a password and an authenticator, fills the return over two
   sittings and submits it; a rating off the scale forced into the request comes back at
   its field with what was typed kept;
3. the business unit moderates from its task list; the heat map and the agency's page
   show both scores;
4. a partner endorses an event; the partner of the agency scrutinised is refused, and told why;
5. an inspector reads the dashboard as of a past day, downloads the evidence bundle, and
   every POST it tries is refused.

Screenshots of each step go to `test-artefacts/front-door-journeys/` (docs/using.md shows them)."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from shared import london
from shared.roles import Role
from shared.waiting import eventually
from tests.support.browser import find_chromium, launch
from tests.support.people import PASSWORD, KnownPerson, base_url, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "front-door-journeys"
POLICE, COUNCIL = "humberside-police", "north-lincolnshire-council"
LEADS_PASSWORD = "a long and unguessable passphrase"


@pytest.fixture
def chromium() -> str:
    return find_chromium()


async def test_each_role_does_its_part_in_chromium(chromium: str, platform: RunningPlatform, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    base = await base_url(platform)
    clock = platform.clock
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    async def keep(page: Any, name: str) -> None:
        shot = tmp_path / f"{name}.png"
        await page.screenshot(path=str(shot), full_page=True)
        shutil.copyfile(shot, ARTEFACTS / shot.name)

    def code_of(secret: str) -> str:
        clock.advance(timedelta(seconds=30))  # each sign-in a fresh time step: a code is good once
        return pyotp.TOTP(secret).at(clock.now().timestamp())

    async def sign_in(browser: Any, person: KnownPerson, *, shot: str | None = None, password: str = PASSWORD) -> Any:
        page = await (await browser.new_context(viewport={"width": 1200, "height": 900})).new_page()
        await page.goto(f"{base}/")
        await page.fill("#email", person.email)
        await page.fill("#password", password)
        if shot:
            await keep(page, shot)
        async with page.expect_navigation():
            await page.click('button:has-text("Continue")')
        await page.fill("#code", code_of(person.secret))
        async with page.expect_navigation():
            await page.click('button:has-text("Continue")')
        assert page.url == f"{base}/"
        return page

    await platform.open_cycle()
    await eventually(lambda: platform.count("SELECT count(*) FROM reporting.s11_cycles"), what="the cycle projected")
    profile = platform.hosts["reporting"].partnerships[PARTNERSHIP]
    domains = [(d.id, [s.id for s in profile.section11.standards if s.domain == d.id]) for d in profile.section11.domains]
    unit = await make_person(platform, Role.BUSINESS_UNIT, name="Sam Business-Unit (invented)")

    async with async_playwright() as pw:
        browser = await launch(pw, chromium)
        try:
            # 1. the business unit signs in with both factors and invites an agency lead
            bu = await sign_in(browser, unit, shot="01-sign-in")
            await keep(bu, "02-business-unit-home")
            await bu.goto(f"{base}/p/{PARTNERSHIP}/people")
            await bu.fill("#name", "Alex Agency-Lead (invented)")
            await bu.fill("#email", "alex.lead@example.org")
            await bu.select_option("#grant", f"agency-lead:{POLICE}")
            async with bu.expect_navigation():
                await bu.click('button:has-text("Invite")')
            link = (await bu.inner_text("#invitation-link")).strip()
            await keep(bu, "03-invitation-made")

            # 2. the lead accepts: a password, then an authenticator app
            lead = await (await browser.new_context(viewport={"width": 1200, "height": 900})).new_page()
            await lead.goto(link)
            await lead.fill("#password", LEADS_PASSWORD)
            await lead.fill("#confirm", LEADS_PASSWORD)
            async with lead.expect_navigation():
                await lead.click('button:has-text("Continue")')
            secret = (await lead.inner_text("#setup-key")).replace(" ", "")
            await keep(lead, "04-authenticator")
            await lead.fill("#code", code_of(secret))
            async with lead.expect_navigation():
                await lead.click('button:has-text("Continue")')
            await keep(lead, "05-agency-lead-home")
            async with lead.expect_navigation():
                await lead.click("text=Humberside Police: your Section 11 return")
            return_url = lead.url
            await keep(lead, "06-return-tasks")

            async def fill(page: Any, domain_id: str, standards: list[str], rating: str = "3") -> None:
                await page.goto(f"{return_url}/domain/{domain_id}")
                for sid in standards:
                    await page.check(f'input[name="{sid}-rating"][value="{rating}"]')
                    await page.fill(f"#{sid}-narrative", f"Invented narrative for {sid}.")
                    await page.fill(f"#{sid}-evidence", "Policy document (invented)")
                async with page.expect_navigation():
                    await page.click('button:has-text("Save and continue")')

            half = len(domains) // 2
            for domain_id, standards in domains[:half]:  # the first sitting
                await fill(lead, domain_id, standards)
            await lead.context.close()

            email = "alex.lead@example.org"
            account = await platform.wired["reporting"].accounts.by_email(email)
            lead = await sign_in(browser, KnownPerson(account.account_id, email, secret), password=LEADS_PASSWORD)  # the second sitting
            await lead.goto(f"{return_url}/domain/{domains[-1][0]}")
            first = domains[-1][1][0]
            await lead.check(f'input[name="{first}-rating"][value="3"]')
            await lead.fill(f"#{first}-narrative", "Kept when refused (invented).")
            await lead.evaluate(f"document.querySelector('input[name=\"{first}-rating\"]:checked').value = '9'")
            async with lead.expect_navigation():
                await lead.click('button:has-text("Save and continue")')
            assert await lead.locator(".govuk-error-summary").count() == 1
            assert (
                await lead.locator(f"#{first}-rating-error, #{first}-rating ~ .govuk-error-message, .govuk-form-group--error").count() >= 1
            )
            assert await lead.input_value(f"#{first}-narrative") == "Kept when refused (invented)."
            await keep(lead, "07-refused-at-its-field")
            for domain_id, standards in domains[half:]:
                await fill(lead, domain_id, standards)
            await lead.goto(f"{return_url}/check")
            await keep(lead, "08-check-answers")
            async with lead.expect_navigation():
                await lead.click('button:has-text("Accept and submit return")')
            await keep(lead, "09-submitted")

            # 3. the business unit moderates from its task list
            await eventually(lambda: platform.count("SELECT count(*) FROM reporting.s11_submissions"), what="the return projected")
            await bu.goto(f"{base}/p/{PARTNERSHIP}/tasks")
            await keep(bu, "10-tasks")
            async with bu.expect_navigation():
                await bu.click("text=Moderate: Humberside Police, Leadership and governance")
            await bu.check('input[name="moderated_rating"][value="2"]')
            await bu.fill("#rationale", "The panel found the evidence thinner than described (invented).")
            await bu.fill("#moderated_by", "Scrutiny panel")
            await keep(bu, "11-moderate")
            async with bu.expect_navigation():
                await bu.click('button:has-text("Save and continue")')
            assert "Recorded" in await bu.inner_text("h1")
            await eventually(
                lambda: platform.count("SELECT count(*) FROM reporting.s11_submissions WHERE moderated IS NOT NULL")
                if False else platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'ScoreModerated'"),
                what="the moderation stored",
            )

            async def both_scores() -> bool:
                await bu.goto(f"{base}/p/{PARTNERSHIP}/section11")  # the heat map's area page
                heat = await bu.inner_text("table.heatmap")
                return "Requires improvement" in heat and "moderated; self-assessed Good" in heat

            await eventually(both_scores, what="the heat map to show both scores")
            await keep(bu, "12-heat-map")
            await lead.goto(return_url)
            assert "Requires improvement" in await lead.inner_text("body")
            await keep(lead, "13-return-with-moderated-score")

            # 4. a partner endorses; the partner of the agency scrutinised is refused, and told why
            reply = await platform.command("events", "propose", {
                "assurance_event_id": "ase-police", "activity_type": "agency-specific-assurance-event",
                "title": "Agency specific assurance event: Humberside Police", "agency_id": POLICE})
            assert reply["status"] == "accepted", reply
            for partner_id, shot in ((POLICE, "14-recused"), (COUNCIL, "15-endorsed")):
                partner = await make_person(platform, Role.PARTNER, partner_id)
                page = await sign_in(browser, partner)
                await page.goto(f"{base}/p/{PARTNERSHIP}/do/events/endorse?assurance_event_id=ase-police")
                await page.fill("#representative", "Director (invented)")
                async with page.expect_navigation():
                    await page.click('button:has-text("Save and continue")')
                await keep(page, shot)
                body = await page.inner_text("body")
                if partner_id == POLICE:
                    assert "may not endorse or take part" in body
                else:
                    assert "Recorded" in body

            # 5. an inspector, for a time: the past, the evidence, and no writing
            today = london.today(clock)
            inspector = await make_person(platform, Role.INSPECTOR, until=today + timedelta(days=30))
            page = await sign_in(browser, inspector)
            yesterday = (today - timedelta(days=1)).isoformat()
            await page.goto(f"{base}/p/{PARTNERSHIP}?as_of={yesterday}")
            assert "as they stood" in await page.inner_text("body")
            await keep(page, "16-inspector-as-of")
            await page.goto(f"{base}/p/{PARTNERSHIP}/evidence")
            await page.fill("#from-day", "1")
            await page.fill("#from-month", "1")
            await page.fill("#from-year", str(today.year - 1))
            await page.fill("#to-day", str(today.day))
            await page.fill("#to-month", str(today.month))
            await page.fill("#to-year", str(today.year))
            async with page.expect_download() as waiting:
                await page.click('button:has-text("Download the bundle")')
            download = await waiting.value
            assert download.suggested_filename.endswith(".zip")
            html = await page.content()
            csrf = re.search(r'name="csrf" value="([^"]+)"', html)
            for path in (f"/p/{PARTNERSHIP}/do/section11/open-cycle", f"/p/{PARTNERSHIP}/people/invite",
                         f"/p/{PARTNERSHIP}/return/{POLICE}/check"):
                answer = await page.request.post(f"{base}{path}", form={"csrf": csrf.group(1) if csrf else ""})
                assert answer.status in (403, 404), (path, answer.status)
        finally:
            await browser.close()


async def test_the_pages_work_without_javascript(chromium: str, platform: RunningPlatform) -> None:
    """Enhancement is progressive: with scripts off, signing in, a form refused at its field
    and the same form accepted all work."""
    from playwright.async_api import async_playwright

    base = await base_url(platform)
    unit = await make_person(platform, Role.BUSINESS_UNIT)
    async with async_playwright() as pw:
        browser = await launch(pw, chromium)
        try:
            context = await browser.new_context(java_script_enabled=False)
            page = await context.new_page()
            await page.goto(f"{base}/")
            await page.fill("#email", unit.email)
            await page.fill("#password", PASSWORD)
            async with page.expect_navigation():
                await page.click('button:has-text("Continue")')
            await page.fill("#code", unit.code(platform.clock.now().timestamp()))
            async with page.expect_navigation():
                await page.click('button:has-text("Continue")')
            assert page.url == f"{base}/"
            await page.goto(f"{base}/p/{PARTNERSHIP}/do/section11/open-cycle")
            await page.fill("#cycle_id", "Not a slug")
            async with page.expect_navigation():
                await page.click('button:has-text("Save and continue")')
            assert await page.locator(".govuk-error-summary").count() == 1
            assert await page.input_value("#cycle_id") == "Not a slug"
            await page.fill("#cycle_id", "2026-27")
            today = london.today(platform.clock)
            await page.fill("#opened_on-day", str(today.day))
            await page.fill("#opened_on-month", str(today.month))
            await page.fill("#opened_on-year", str(today.year))
            async with page.expect_navigation():
                await page.click('button:has-text("Save and continue")')
            assert "Recorded" in await page.inner_text("h1")
        finally:
            await browser.close()
