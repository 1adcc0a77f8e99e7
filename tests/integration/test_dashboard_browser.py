"""The dashboard in a real browser: headless Chromium, driven by Playwright, signs in, clicks
from the overview's Section 11 figure to its page, from the heat map to an agency, from there
to the evidence behind its risk flag, back through the navigation, and to the records as of
the day before; the overview and an area's page reflow at 320 CSS pixels (no sideways scroll).

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


# The innermost elements whose right edge passes the viewport's: what to fix when a page does not reflow.
PAST_THE_EDGE = """(edge) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > edge && ![...e.children].some(c => c.getBoundingClientRect().right > edge))
  .filter(e => !e.closest('.app-table-scroll'))
  .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')
                        + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


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

    async def narrow(page: object, name: str) -> None:
        """At 320 CSS pixels wide the page reflows: nothing scrolls sideways but the tables' own regions."""
        await page.set_viewport_size({"width": 320, "height": 800})  # type: ignore[attr-defined]
        width = await page.evaluate("document.scrollingElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 320, (name, width, await page.evaluate(PAST_THE_EDGE, 321))  # type: ignore[attr-defined]
        await keep(page, f"{name}-320")
        await page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]

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
            page = await browser.new_page(viewport={"width": 1280, "height": 900})

            # not signed in: the sign-in page, then a password and the authenticator's code
            await page.goto(f"{base}/p/{PARTNERSHIP}")
            assert page.url.startswith(f"{base}/sign-in?next=")
            await keep(page, "0-sign-in")
            await sign_in(page)
            assert page.url == f"{base}/p/{PARTNERSHIP}"

            # the overview: the headline figures, each opening its area's page; one navigation on every page
            assert await page.inner_text("h1") == "North Lincolnshire Children's MARS Board"
            nav = [t.strip() for t in await page.locator("nav.govuk-service-navigation__wrapper a").all_inner_texts()]
            assert nav == ["Home"] + [label for label, _ in NAV_SECTIONS + NAV_REPORTS]  # the reports served beside it too
            assert "Board pack" in nav
            tiles = await page.locator(".tile").all_inner_texts()
            assert "3/23\nagencies returned Section 11" in tiles and "2\nopen risk flags" in tiles
            await keep(page, "1-overview")
            await narrow(page, "1-overview")

            # the Section 11 tile opens its page: the heat map, each rating in words with its symbol
            async with page.expect_navigation():
                await page.click('a.tile:has-text("agencies returned Section 11")')
            assert page.url == f"{base}/p/{PARTNERSHIP}/section11"
            heatmap = await page.inner_text("table.heatmap")
            assert (
                "Humberside Police" in heatmap
                and "moderated; self-assessed Good (self-assessed one level higher than moderated)" in heatmap
            )
            await keep(page, "2-section11")
            await narrow(page, "2-section11")

            # the heat map's agency name opens the agency
            async with page.expect_navigation():
                await page.click('table.heatmap a.agency:has-text("Humberside Police")')
            assert page.url == f"{base}/p/{PARTNERSHIP}/agency/{POLICE}"
            assert await page.inner_text("h1") == "Humberside Police"
            risk = await page.inner_text("#risk + .app-table-scroll table")
            assert "Culture and challenge" in risk and "open" in risk
            assert "Refresh the escalation policy" in await page.inner_text("body")
            await keep(page, "3-agency")

            # the evidence behind its risk flag
            async with page.expect_navigation():
                await page.click(f'#risk + .app-table-scroll a.ev[href$="/event/{seen["police-flag"]}"]')
            assert page.url == f"{base}/p/{PARTNERSHIP}/event/{seen['police-flag']}"
            assert await page.inner_text("h1") == "Risk flagged"
            body = await page.inner_text("body")
            assert "Its content still matches its hash." in body and '"domain_id": "culture-and-challenge"' in body
            assert "SubmissionReceived" in await page.inner_text("h2:has-text('Events of the same stream') + .app-table-scroll table")
            # its stored content scrolls in a region reached by the keyboard
            assert await page.get_attribute("pre.payload", "tabindex") == "0"
            await keep(page, "4-event")

            # back through the navigation to the Section 11 page
            async with page.expect_navigation():
                await page.click('nav.govuk-service-navigation__wrapper a:has-text("Section 11")')
            assert page.url == f"{base}/p/{PARTNERSHIP}/section11"

            # the next day, the as-of picker shows the records as they stood at the end of Monday
            clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
            await page.reload()  # a day idle ends the session: signed in again, back to the page
            await sign_in(page)
            await page.fill("#as_of", "2026-11-02")
            async with page.expect_navigation():
                await page.click('form.app-as-of button:has-text("Show")')
            assert page.url == f"{base}/p/{PARTNERSHIP}/section11?as_of=2026-11-02"
            assert "The records as they stood at the end of Monday 02 November 2026" in await page.inner_text(".asof-banner")
            href = await page.get_attribute('table.heatmap a.agency:has-text("Humberside Police")', "href")
            assert href == f"/p/{PARTNERSHIP}/agency/{POLICE}?as_of=2026-11-02"
            await keep(page, "5-as-of")
        finally:
            await browser.close()
    assert _shots(tmp_path) == [
        "0-sign-in.png", "1-overview-320.png", "1-overview.png", "2-section11-320.png", "2-section11.png", "3-agency.png",
        "4-event.png", "5-as-of.png",
    ]
