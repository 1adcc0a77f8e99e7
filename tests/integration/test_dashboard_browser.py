"""The dashboard in a real browser: headless Chromium, driven by Playwright, signs in with
the token, clicks from the overview's heat map to an agency, from there to the event behind
its risk flag, back through the nav bar, and to the records as of the day before.

Screenshots of each page are kept as test artefacts: in the test's own `tmp_path`
(under pytest's basetemp: `--basetemp=DIR` puts them in DIR/test_the_dashboard_clicked_thr0/)
and, to find them after the run, in `test-artefacts/dashboard-browser/` at the repository's
root (ignored by git). The browser is Debian's chromium package (`.ci/run` installs it), or
the one named by SCRUTINY_CHROMIUM; Playwright downloads no browser of its own. Where no
Chromium is found the test says so and skips."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.reporting.adapters.dashboard_pages import NAV_REPORTS, NAV_SECTIONS
from shared.clock import ManualClock
from shared.roles import Role
from tests.support.browser import find_chromium
from tests.support.dashboard import POLICE, dashboard_port, record_activity
from tests.support.people import PASSWORD, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "dashboard-browser"


@pytest.fixture
def chromium() -> str:
    """The browser's executable, found before the platform is started; else the test skips, saying why."""
    return find_chromium()


def _shots(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.png"))


async def test_the_dashboard_clicked_through_in_headless_chromium(
    chromium: str, platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    seen = await record_activity(platform)
    person = await make_person(platform, Role.BUSINESS_UNIT)
    base = f"http://127.0.0.1:{await dashboard_port(platform)}"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    async def keep(page: object, name: str) -> None:
        shot = tmp_path / f"{name}.png"
        await page.screenshot(path=str(shot), full_page=True)  # type: ignore[attr-defined]
        shutil.copyfile(shot, ARTEFACTS / shot.name)

    async def sign_in(page: object) -> None:
        await page.fill("#email", person.email)  # type: ignore[attr-defined]
        await page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
        async with page.expect_navigation():  # type: ignore[attr-defined]
            await page.click('button:has-text("Continue")')  # type: ignore[attr-defined]
        await page.fill("#code", person.code(platform.clock.now().timestamp()))  # type: ignore[attr-defined]
        async with page.expect_navigation():  # type: ignore[attr-defined]
            await page.click('button:has-text("Continue")')  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})

            # not signed in: the sign-in page, then a password and the authenticator's code
            await page.goto(f"{base}/p/{PARTNERSHIP}")
            assert page.url.startswith(f"{base}/sign-in?next=")
            await keep(page, "0-sign-in")
            await sign_in(page)
            assert page.url == f"{base}/p/{PARTNERSHIP}"

            # the overview
            assert await page.inner_text("h1") == "North Lincolnshire Children's MARS Board"
            nav = await page.locator("nav.nav a").all_inner_texts()
            assert nav == [label for label, _ in NAV_SECTIONS + NAV_REPORTS]  # the reports served beside it too
            assert nav[:6] == ["Overview", "Section 11", "Risk and confidence", "Reviews", "Actions", "Assurance and planner"]
            assert "Board pack" in nav
            tiles = await page.locator(".tile").all_inner_texts()
            assert "3/23\nagencies returned Section 11" in tiles and "2\nopen risk flags" in tiles
            heatmap = await page.inner_text("table.heatmap")
            assert "Humberside Police" in heatmap and "self 3 → moderated 2 (gap +1)" in heatmap
            await keep(page, "1-overview")

            # the heat map's agency name opens the agency
            async with page.expect_navigation():
                await page.click('table.heatmap a.agency:has-text("Humberside Police")')
            assert page.url == f"{base}/p/{PARTNERSHIP}/agency/{POLICE}"
            assert await page.inner_text("h1") == "Humberside Police"
            risk = await page.inner_text("#risk + table")
            assert "Culture and challenge" in risk and "open" in risk
            assert "Refresh the escalation policy" in await page.inner_text("body")
            await keep(page, "2-agency")

            # the event behind its risk flag
            async with page.expect_navigation():
                await page.click(f'#risk + table a.ev[href$="/event/{seen["police-flag"]}"]')
            assert page.url == f"{base}/p/{PARTNERSHIP}/event/{seen['police-flag']}"
            assert await page.inner_text("h1") == "RiskFlagged"
            body = await page.inner_text("body")
            assert "Its content still matches its hash." in body and '"domain_id": "culture-and-challenge"' in body
            assert "SubmissionReceived" in await page.inner_text("h2:has-text('Events of the same stream') + table")
            await keep(page, "3-event")

            # back through the nav bar to the Section 11 heat map
            async with page.expect_navigation():
                await page.click('nav.nav a:has-text("Section 11")')
            assert page.url == f"{base}/p/{PARTNERSHIP}#section11"

            # the next day, the as-of form shows the records as they stood at the end of Monday
            clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
            await page.reload()  # a day idle ends the session: signed in again, back to the page
            await sign_in(page)
            await page.fill('nav.nav input[name="as_of"]', "2026-11-02")
            async with page.expect_navigation():
                await page.click('nav.nav button:has-text("Show")')
            assert page.url == f"{base}/p/{PARTNERSHIP}?as_of=2026-11-02"
            assert "The records as they stood at the end of Monday 02 November 2026" in await page.inner_text(".asof-banner")
            href = await page.get_attribute('table.heatmap a.agency:has-text("Humberside Police")', "href")
            assert href == f"/p/{PARTNERSHIP}/agency/{POLICE}?as_of=2026-11-02"
            await keep(page, "4-as-of")
        finally:
            await browser.close()
    assert _shots(tmp_path) == [
        "0-sign-in.png", "1-overview.png", "2-agency.png", "3-event.png", "4-as-of.png",
    ]
