"""Accessibility of every page, in headless Chromium: WCAG 2.2 AA as the Public Sector Bodies
Accessibility Regulations require (issue 14).

Signed in as the business unit, an agency lead, a partner, an inspector and the operator, each page the
person can open (the sign-in, code and invitation pages before that; generated forms, and
forms with their errors shown after a refused POST; the agency lead's Section 11 return) is checked by axe-core
(axe-playwright-python, which bundles it) for the WCAG 2.0, 2.1 and 2.2 A and AA rules: no
violation of any impact on any page: the front door's forms, the dashboard's and the reports'
pages (the overview, every area's page, an agency, the evidence behind a figure, the reports,
the risk register and the board pack's page); every violation found, whatever
its impact, is printed with its rule, impact, help and the nodes it names. Each page is then
narrowed to 320 CSS pixels and must reflow (no horizontal scroll, WCAG 1.4.10): the dashboard's
wide tables scroll inside regions of their own, and the board pack's tables share the width.
A second test signs in with the keyboard alone and reaches the dashboard.

Screenshots of each front-door page per role are kept in `test-artefacts/front-door/`
(ignored by git; `docs/using.md` takes its pictures from there) and in the test's
`tmp_path`. The browser is Debian's chromium package, or the one named by
SCRUTINY_CHROMIUM; where none is found the tests say so and skip (as the dashboard's
browser test does).
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.reporting.adapters.dashboard_pages import AREAS
from services.reporting.domain.people.policy import Grant
from shared.roles import Role
from tests.support.browser import find_chromium
from tests.support.dashboard import POLICE, dashboard_port, record_activity
from tests.support.people import PASSWORD, accounts_of, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform
from tests.support.scrutiny import MEETING, record_findings, record_meeting, record_scrutiny

pytestmark = pytest.mark.integration

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "front-door"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
NARROW = 320
WIDE = {"width": 1280, "height": 900}
P = f"/p/{PARTNERSHIP}"
PARTNER = "north-lincolnshire-council"


@pytest.fixture
def chromium() -> str:
    """The browser's executable, found before the platform is started; else the test skips, saying why."""
    found = find_chromium()
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        pytest.skip("axe-playwright-python is not installed: pip install -e '.[test]'")
    return found


@dataclass
class Findings:
    """What every page gave: axe's violations, the width at 320 px, the screenshots kept."""

    folder: Path
    blocking: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    reflow: dict[str, int] = field(default_factory=dict)  # "role page" -> scrollWidth at 320 px
    too_wide: list[str] = field(default_factory=list)  # front-door pages that scroll sideways
    shots: list[str] = field(default_factory=list)
    checked: int = 0

    def report(self) -> str:
        lines = [f"{self.checked} pages checked by axe ({', '.join(TAGS)})"]
        lines += ["serious or critical:", *(sorted(self.blocking) or ["  none"])]
        lines += ["moderate or minor (reported, not failed):", *(sorted(self.other) or ["  none"])]
        lines += [f"width at {NARROW} px:"] + [f"  {k}: {v}" for k, v in sorted(self.reflow.items())]
        return "\n".join(lines)


async def check(
    page: Any, findings: Findings, role: str, name: str, *, own: bool = True, shot: bool = True, strict: bool = True
) -> None:
    """axe on the page as it stands (`strict`: a violation of any impact blocks), then its width at
    320 px; a screenshot of the front door's pages."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    findings.checked += 1
    for violation in results.response["violations"]:
        nodes = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"][:8])
        line = f"  {role} {name} ({page.url}): {violation['id']} [{violation['impact']}] {violation['help']} -> {nodes}"
        (findings.blocking if strict or violation["impact"] in BLOCKING else findings.other).append(line)
    if shot and own:
        picture = findings.folder / f"{role}-{name}.png"
        await page.screenshot(path=str(picture), full_page=True)
        shutil.copyfile(picture, ARTEFACTS / picture.name)
        findings.shots.append(picture.name)
    await page.set_viewport_size({"width": NARROW, "height": 800})
    width = await page.evaluate("document.documentElement.scrollWidth")
    wider = await page.evaluate(WIDER, NARROW + 1) if own and width > NARROW + 1 else []
    await page.set_viewport_size(WIDE)
    findings.reflow[f"{role} {name}{'' if own else ' (dashboard)'}"] = width
    if own and width > NARROW + 1:
        findings.too_wide.append(f"  {role} {name}: {width} px wide at {NARROW} px, past the edge: {wider}")


# The innermost elements whose right edge passes the viewport's: what to fix when a page does not reflow.
WIDER = """(edge) => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > edge && ![...e.children].some(c => c.getBoundingClientRect().right > edge))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')
                        + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


async def visit(page: Any, url: str, status: int = 200) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)


async def submit(page: Any, status: int, button: str = "main form button[type=submit]") -> None:
    async with page.expect_navigation() as navigation:
        await page.click(button)
    response = await navigation.value
    assert response is not None and response.status == status, (page.url, response and response.status)


async def sign_in(page: Any, base: str, person: Any, now: float, findings: Findings | None = None) -> None:
    answers: list[str] = []  # every answer on the way, named if sign-in ends anywhere but home (once seen, not yet explained)
    page.on("response", lambda response: answers.append(f"{response.request.method} {response.url} {response.status}"))
    await visit(page, f"{base}/sign-in")
    if findings:
        await check(page, findings, "visitor", "sign-in")
        await page.fill("#email", person.email)
        await page.fill("#password", "not the password")
        await submit(page, 400)
        await check(page, findings, "visitor", "sign-in-error")
    await page.fill("#email", person.email)
    await page.fill("#password", PASSWORD)
    await submit(page, 200)
    assert page.url == f"{base}/sign-in/code"
    if findings:
        await check(page, findings, "visitor", "code")
        await page.fill("#code", "000000" if person.code(now) != "000000" else "111111")
        await submit(page, 400)
        await check(page, findings, "visitor", "code-error")
    await page.fill("#code", person.code(now))
    await submit(page, 200)
    assert page.url == f"{base}/", "\n".join([page.url, *answers])


async def test_every_page_has_no_serious_violation_and_reflows(
    chromium: str, platform: RunningPlatform, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    seen = await record_activity(platform)
    await record_scrutiny(platform)
    await record_meeting(platform)
    await record_findings(platform)
    base = f"http://127.0.0.1:{await dashboard_port(platform)}"
    now = platform.clock.now().timestamp()
    people = {
        "business-unit": await make_person(platform, Role.BUSINESS_UNIT, name="Bea Unit"),
        "agency-lead": await make_person(platform, Role.AGENCY_LEAD, POLICE, name="Ali Lead"),
        "partner": await make_person(platform, Role.PARTNER, PARTNER, name="Pat Partner"),
        "inspector": await make_person(platform, Role.INSPECTOR, until=date(2027, 3, 31), name="Ines Inspector"),
        "operator": await make_person(platform, Role.OPERATOR, name="Otto Operator"),
    }
    invitation = await accounts_of(platform).invite(
        PARTNERSHIP, f"invited-{uuid4().hex[:8]}@example.org", "Ivy Invited",
        Grant(PARTNERSHIP, Role.BOARD_MEMBER), "business-unit",
    )
    domain = platform.hosts["section11"].partnerships.profile(PARTNERSHIP).section11.domains[0].id
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    findings = Findings(tmp_path)
    dashboard_pages = [
        ("dashboard", P), ("dashboard-as-of", f"{P}?as_of=2026-11-01"), ("agency", f"{P}/agency/{POLICE}"),
        *((f"area-{path}", f"{P}/{path}") for path in AREAS), ("actions-as-of", f"{P}/actions?as_of=2026-11-01"),
        ("event", f"{P}/event/{seen['police-flag']}"), ("event-return", f"{P}/event/{seen['police-return']}"),
        ("board-pack", f"{P}/board-pack"),
        ("tiered", f"{P}/reports/tiered"), ("thematic", f"{P}/reports/thematic"),
        ("thematic-theme", f"{P}/reports/thematic?theme=neglect"),
        ("yearly", f"{P}/reports/yearly/2026"), ("risks", f"{P}/risks"),
        ("scrutiny", f"{P}/scrutiny"), ("scrutiny-record", f"{P}/scrutiny?record_kind=s11-cycle&record_id=2026-27"),
        ("scrutineer-report", f"{P}/reports/scrutineer/2026"),
        ("meeting", f"{P}/meetings/{MEETING}"),
    ]

    async def walk(page: Any, role: str) -> None:
        """Every front-door page this person can open, checked."""
        await check(page, findings, role, "home")
        await visit(page, f"{base}/account")
        await check(page, findings, role, "account")
        await visit(page, f"{base}/accessibility")
        await check(page, findings, role, "accessibility")
        await visit(page, f"{base}/p/no-such-partnership", 404)
        await check(page, findings, role, "not-found")

        if role == "business-unit":
            await visit(page, f"{base}{P}/do/section11/open-cycle")
            await check(page, findings, role, "form")
            await page.fill("#cycle_id", "Not A Slug!")
            await page.fill("#opened_on-day", "2")
            await page.fill("#opened_on-month", "11")
            await page.fill("#opened_on-year", "2026")
            await submit(page, 400)  # the service refuses the id, at its field
            await check(page, findings, role, "form-refused")
            await visit(page, f"{base}{P}/do/reviews/raise-action")
            await check(page, findings, role, "form-action")
            await submit(page, 400)  # nothing filled in
            await check(page, findings, role, "form-action-errors")
            for selector, value in (("#action_id", "act-a11y-1"), ("#title", "Check the pages with a screen reader"),
                                    ("#due_on-day", "18"), ("#due_on-month", "12"), ("#due_on-year", "2026"),
                                    ("#source_type", "review"), ("#source_id", "cspr-2026-03"), ("#raised_by", "Bea Unit")):
                await page.fill(selector, value)
            await page.select_option("#owner_agency_id", POLICE)
            await submit(page, 200)
            await check(page, findings, role, "form-recorded")
            await visit(page, f"{base}{P}/people")
            await check(page, findings, role, "people")
            await submit(page, 400, 'form[action$="/people/invite"] button')  # the invitation form, empty
            await check(page, findings, role, "people-errors")
            await visit(page, f"{base}{P}/tasks")
            await check(page, findings, role, "tasks")
            await visit(page, f"{base}{P}/return/{POLICE}")
            await check(page, findings, role, "return")
        if role == "agency-lead":
            await visit(page, f"{base}{P}/do/section11/save-draft")
            await check(page, findings, role, "form")
            await page.fill("#answers", "not json")
            await submit(page, 400)
            await check(page, findings, role, "form-errors")
            # the return the police submitted (record_activity): its task list, answers, and an amendment
            await visit(page, f"{base}{P}/return/{POLICE}")
            await check(page, findings, role, "return")
            await submit(page, 400, 'form[action*="/prompt/"] button')  # a finding's answer, empty
            await check(page, findings, role, "return-prompt-errors")
            await visit(page, f"{base}{P}/return/{POLICE}/check")
            await check(page, findings, role, "return-answers")
            await visit(page, f"{base}{P}/return/{POLICE}/amend/{domain}")
            await check(page, findings, role, "return-amend")
            await submit(page, 400)  # no reason given
            await check(page, findings, role, "return-amend-errors")
            await visit(page, f"{base}{P}/do/reporting/record-indicator-values/upload")
            await check(page, findings, role, "indicator-upload")
            await submit(page, 400)  # no file chosen
            await check(page, findings, role, "indicator-upload-errors")
            await visit(page, f"{base}{P}/agency/{POLICE}")
            await check(page, findings, role, "agency", shot=False, strict=True)
            await visit(page, f"{base}{P}/agency/nlc-housing", 404)
            await check(page, findings, role, "other-agency")
        if role == "operator":
            await visit(page, f"{base}/ops")
            await check(page, findings, role, "operations")
        if role == "partner":
            await visit(page, f"{base}{P}/do/events/endorse")
            await check(page, findings, role, "form")
            await submit(page, 400)
            await check(page, findings, role, "form-errors")
        if role in ("business-unit", "inspector"):
            await visit(page, f"{base}{P}/evidence")
            await check(page, findings, role, "evidence")
            await submit(page, 400)
            await check(page, findings, role, "evidence-errors")
        await context.close()

    async def read_dashboard(page: Any, role: str) -> None:
        for name, url in dashboard_pages:
            await visit(page, f"{base}{url}")
            await check(page, findings, role, name, shot=False, strict=True)  # the board pack's page too

    async def walk_and_read(browser: Any, role: str, person: Any) -> None:
        """The front door's pages, and beside them (a second tab, the same session) the dashboard's."""
        context = await browser.new_context(viewport=WIDE)
        page = await context.new_page()
        await sign_in(page, base, person, now, findings if role == "business-unit" else None)
        beside = await context.new_page()
        await asyncio.gather(
            walk(page, role), read_dashboard(beside, role) if role not in ("agency-lead", "operator") else asyncio.sleep(0)
        )
        await context.close()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            # before signing in: the invitation, then signing in (errors shown too) as the business unit
            context = await browser.new_context(viewport=WIDE)
            page = await context.new_page()
            await visit(page, f"{base}/invitation/{invitation}")
            await check(page, findings, "visitor", "invitation")
            await page.fill("#password", "short")
            await submit(page, 400)
            await check(page, findings, "visitor", "invitation-error")
            await visit(page, f"{base}/invitation/no-such-invitation", 404)
            await check(page, findings, "visitor", "invitation-not-found")
            await context.close()

            # then each role in a browser context of its own, side by side
            await asyncio.gather(*(walk_and_read(browser, role, person) for role, person in people.items()))
        finally:
            await browser.close()

    print(findings.report())
    assert findings.checked >= 50
    assert not findings.blocking, "axe found serious or critical violations:\n" + "\n".join(findings.blocking)
    assert not findings.too_wide, "pages that do not reflow at 320 px:\n" + "\n".join(findings.too_wide)
    assert {"business-unit-form-refused.png", "visitor-sign-in.png", "inspector-home.png"} <= set(findings.shots)


async def test_signing_in_and_reaching_the_dashboard_by_keyboard_alone(chromium: str, platform: RunningPlatform) -> None:
    from playwright.async_api import async_playwright

    person = await make_person(platform, Role.BUSINESS_UNIT, name="Kay Board")
    base = f"http://127.0.0.1:{await dashboard_port(platform)}"

    async def tab_to(page: Any, wanted: str, most: int = 30) -> None:
        """Tab until the focused element matches `wanted` (a CSS selector), as a keyboard user would."""
        for _ in range(most):
            await page.keyboard.press("Tab")
            if await page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", wanted):
                return
        raise AssertionError(f"{wanted} is not reached by Tab on {page.url}")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=WIDE)
            await visit(page, f"{base}/sign-in")
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
            await tab_to(page, "#email")
            await page.keyboard.type(person.email)
            await tab_to(page, "#password", 1)
            await page.keyboard.type(PASSWORD)
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert page.url == f"{base}/sign-in/code"
            await tab_to(page, "#code")
            await page.keyboard.type(person.code(platform.clock.now().timestamp()))
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert page.url == f"{base}/"
            # from the home page to the dashboard by its link
            await tab_to(page, f'main a[href="{P}"]')
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert page.url == f"{base}{P}"
            assert "Children" in await page.inner_text("h1")
        finally:
            await browser.close()
