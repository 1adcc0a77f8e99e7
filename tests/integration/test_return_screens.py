"""The agency lead's Section 11 return screens on a running platform: fill every domain over
two sittings, check and submit; a refusal lands at its standard's field with everything
typed kept; the moderated score beside the agency's own; amend with a reason; carry
forward last cycle's answers; and nobody else's agency lead, nor a reader, sees a draft."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.roles import Role
from shared.waiting import eventually
from tests.support.people import client_for, csrf_of, make_person
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform
from tests.support.returns import answers

pytestmark = pytest.mark.integration

AGENCY = "humberside-police"
BASE = f"/p/{PARTNERSHIP}/return/{AGENCY}"
STREAM = f"s11-return:{PARTNERSHIP}:{AGENCY}:{CYCLE}"


def profile_of(platform: RunningPlatform) -> Any:
    return platform.hosts["section11"].partnerships.profile(PARTNERSHIP)


def request_id_of(html: str) -> str:
    found = re.search(r'name="request_id" value="([^"]+)"', html)
    assert found, "the page has no request id"
    return found.group(1)


def filled(html: str, profile: Any, domain_id: str, given: dict[str, Any]) -> dict[str, str]:
    """The domain page's form as a person fills it from `given` (answers by standard)."""
    data = {"csrf": csrf_of(html), "request_id": request_id_of(html)}
    for s in profile.section11.standards_for(domain_id):
        answer = given[s.id]
        data |= {f"{s.id}-rating": str(answer["rating"]), f"{s.id}-narrative": answer["narrative"],
                 f"{s.id}-evidence": "\n".join(answer["evidence"])}
    return data


async def cycle_shown(client: httpx.AsyncClient, cycle: str = CYCLE) -> str:
    async def probe() -> str | None:
        page = await client.get(BASE)
        assert page.status_code == 200, page.text
        return page.text if re.search(rf">\s*{cycle}\s*<", page.text) else None
    return await eventually(probe, what=f"cycle {cycle} on the return page")


async def fill(client: httpx.AsyncClient, profile: Any, domain_ids: list[str], given: dict[str, Any]) -> None:
    for domain_id in domain_ids:
        page = await client.get(f"{BASE}/domain/{domain_id}")
        assert page.status_code == 200, page.text
        saved = await client.post(f"{BASE}/domain/{domain_id}", data=filled(page.text, profile, domain_id, given))
        assert saved.status_code == 303 and saved.headers["location"] == BASE, saved.text


async def test_a_lead_fills_every_domain_over_two_sittings_then_checks_and_submits(platform: RunningPlatform) -> None:
    profile = profile_of(platform)
    domains = [d.id for d in profile.section11.domains]
    given = answers(profile, {"leadership-and-governance": 2}, 3)
    await platform.open_cycle()
    lead = await make_person(platform, Role.AGENCY_LEAD, AGENCY)

    first = await client_for(platform, lead)
    try:
        start = await cycle_shown(first)
        assert "Not started" in start and "Cannot start yet" in start and f'href="{BASE}/check"' not in start
        await fill(first, profile, domains[:3], given)
        midway = (await first.get(BASE)).text
        assert midway.count("Completed") == 3 and "You have completed 3 of 6 sections" in midway
    finally:
        await first.aclose()

    second = await client_for(platform, lead)  # come back another day, signed in afresh
    try:
        again = await second.get(f"{BASE}/domain/{domains[0]}")
        standard = profile.section11.standards_for(domains[0])[0].id
        assert given[standard]["narrative"] in again.text and given[standard]["evidence"][0] in again.text
        assert re.search(rf'name="{standard}-rating" type="radio" value="2" checked', again.text), "the saved rating is chosen"
        assert '<span class="govuk-visually-hidden"> (standard 1)</span>' in again.text  # each label names its standard
        await fill(second, profile, domains[3:], given)
        ready = (await second.get(BASE)).text
        assert ready.count("Completed") == 6 and f'href="{BASE}/check"' in ready

        check = await second.get(f"{BASE}/check")
        assert check.status_code == 200 and "Check your answers before submitting your return" in check.text
        assert all(a["narrative"] in check.text for a in given.values())
        assert f'href="{BASE}/domain/{domains[1]}"' in check.text  # change links
        data = {"csrf": csrf_of(check.text), "request_id": request_id_of(check.text)}
        sent = await second.post(f"{BASE}/check", data=data)
        assert sent.status_code == 200 and "Return submitted" in sent.text, sent.text
        twice = await second.post(f"{BASE}/check", data=data)  # a double click
        assert twice.status_code in (200, 303)
        after = (await second.get(BASE)).text
        assert "Submitted" in after and "Not moderated yet" in after and f'href="{BASE}/amend/{domains[0]}"' in after
        assert re.search(r'id="score-leadership-and-governance">.*?Requires improvement', after, re.S)
    finally:
        await second.aclose()
    assert await platform.count(
        "SELECT count(*) FROM section11.events WHERE stream_id = $1 AND event_type = 'SubmissionReceived'", STREAM) == 1
    actors = await platform.pool.fetch("SELECT DISTINCT actor FROM section11.events WHERE stream_id = $1", STREAM)
    assert [r["actor"] for r in actors] == [f"person:{lead.account_id}"]


async def test_a_rating_off_the_scale_comes_back_at_its_standard_with_everything_typed_kept(platform: RunningPlatform) -> None:
    profile = profile_of(platform)
    domain = profile.section11.domains[0].id
    first, other = (s.id for s in profile.section11.standards_for(domain)[:2])
    await platform.open_cycle()
    lead = await make_person(platform, Role.AGENCY_LEAD, AGENCY)
    client = await client_for(platform, lead)
    try:
        await cycle_shown(client)
        page = await client.get(f"{BASE}/domain/{domain}")
        data = filled(page.text, profile, domain, answers(profile))
        data |= {f"{first}-rating": "7", f"{first}-narrative": "Typed and kept, line one\nline two", f"{other}-rating": "4"}
        refused = await client.post(f"{BASE}/domain/{domain}", data=data)
        assert refused.status_code == 400
        assert 'class="govuk-error-summary' in refused.text and f'href="#{first}-rating"' in refused.text
        assert re.search(rf'id="{first}-rating-error"', refused.text), "the message is at the standard's radios"
        assert "is not on the rating scale" in refused.text
        assert "Typed and kept, line one\nline two" in refused.text
        assert re.search(rf'name="{other}-rating" type="radio" value="4" checked', refused.text)
        assert request_id_of(refused.text) == data["request_id"]
        data[f"{first}-rating"] = ""  # a narrative with no rating: the page asks for one
        unrated = await client.post(f"{BASE}/domain/{domain}", data=data)
        assert unrated.status_code == 400 and "Select a rating for standard 1" in unrated.text
    finally:
        await client.aclose()
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'DraftSaved'") == 0


async def test_the_moderated_score_sits_beside_the_own_and_an_amendment_needs_a_reason(platform: RunningPlatform) -> None:
    profile = profile_of(platform)
    domain = profile.section11.domains[1]
    await platform.open_cycle()
    assert (await platform.submit(AGENCY))["status"] == "accepted"
    moderated = await platform.command("section11", "moderate", {
        "agency_id": AGENCY, "cycle_id": CYCLE, "domain_id": domain.id, "moderated_rating": 2,
        "rationale": "The panel saw no audit programme", "moderated_by": "Scrutiny panel"})
    assert moderated["status"] == "accepted", moderated
    lead = await make_person(platform, Role.AGENCY_LEAD, AGENCY)
    client = await client_for(platform, lead)
    try:
        page = await cycle_shown(client)
        row = re.search(rf'id="score-{domain.id}">(.*?)</tr>', page, re.S).group(1)
        assert "Good" in row and "Requires improvement" in row and "The panel saw no audit programme" in row

        form = await client.get(f"{BASE}/amend/{domain.id}")
        assert form.status_code == 200 and "Why are you changing your return?" in form.text
        standard = profile.section11.standards_for(domain.id)[0].id
        data = filled(form.text, profile, domain.id, answers(profile)) | {f"{standard}-rating": "4", "reason": "new"}
        short = await client.post(f"{BASE}/amend/{domain.id}", data=data)
        assert short.status_code == 400 and 'href="#reason"' in short.text and ">new</textarea>" in short.text
        data["reason"] = "The audit programme restarted in October"
        done = await client.post(f"{BASE}/amend/{domain.id}", data=data)
        assert done.status_code == 200 and "Amendment recorded" in done.text, done.text
        assert "amended 1 time" in (await client.get(BASE)).text
    finally:
        await client.aclose()
    reasons = await platform.pool.fetch(
        "SELECT payload->>'reason' AS reason, actor FROM section11.events WHERE event_type = 'SubmissionAmended'")
    assert [r["actor"] for r in reasons] == [f"person:{lead.account_id}"]
    assert reasons[0]["reason"].startswith("personal:v1:") and "audit" not in reasons[0]["reason"]  # typed text: sealed


async def test_last_cycles_answers_carry_forward_into_this_one(platform: RunningPlatform) -> None:
    profile = profile_of(platform)
    last = answers(profile, default=4)
    opened = await platform.command("section11", "open-cycle", {"cycle_id": "2025-26", "opened_on": "2025-11-03"})
    assert opened["status"] == "accepted", opened
    assert (await platform.submit(AGENCY, cycle_id="2025-26", answers=last))["status"] == "accepted"
    closed = await platform.command("section11", "close-cycle", {"cycle_id": "2025-26", "closed_on": "2026-01-05"})
    assert closed["status"] == "accepted", closed
    await platform.open_cycle()
    lead = await make_person(platform, Role.AGENCY_LEAD, AGENCY)
    client = await client_for(platform, lead)
    try:
        async def offered() -> str | None:
            text = (await client.get(BASE)).text
            return text if "Carry forward last cycle's answers" in text and re.search(rf">\s*{CYCLE}\s*<", text) else None
        page = await eventually(offered, what="the carry forward offer")
        data = {"csrf": csrf_of(page), "request_id": request_id_of(page), "from_cycle_id": "2025-26"}
        carried = await client.post(f"{BASE}/carry-forward", data=data)
        assert carried.status_code == 303, carried.text
        now = (await client.get(BASE)).text
        assert now.count("Completed") == len(profile.section11.domains) and "answers submitted in cycle 2025-26" in now
        domain = profile.section11.domains[0].id
        standard = profile.section11.standards_for(domain)[0].id
        shown = (await client.get(f"{BASE}/domain/{domain}")).text
        assert last[standard]["narrative"] in shown and re.search(rf'name="{standard}-rating" type="radio" value="4" checked', shown)
        check = await client.get(f"{BASE}/check")
        sent = await client.post(f"{BASE}/check", data={"csrf": csrf_of(check.text), "request_id": request_id_of(check.text)})
        assert sent.status_code == 200 and "Return submitted" in sent.text, sent.text
    finally:
        await client.aclose()
    assert await platform.count(
        "SELECT count(*) FROM section11.events WHERE stream_id = $1 AND payload->>'carried_forward_from' = '2025-26'", STREAM) == 1


async def test_only_the_agencys_lead_and_the_business_unit_see_its_return(platform: RunningPlatform) -> None:
    await platform.open_cycle()
    lead = await make_person(platform, Role.AGENCY_LEAD, AGENCY)
    client = await client_for(platform, lead)
    try:
        home = await cycle_shown(client)
        assert (await client.get(f"/p/{PARTNERSHIP}/return/nlc-housing")).status_code == 404
        assert (await client.get(f"/p/{PARTNERSHIP}/return/nlc-housing/check")).status_code == 404
        posted = await client.post(f"/p/{PARTNERSHIP}/return/nlc-housing/check", data={"csrf": csrf_of(home)})
        assert posted.status_code == 404
    finally:
        await client.aclose()
    scrutineer = await client_for(platform, await make_person(platform, Role.SCRUTINEER))
    try:
        assert (await scrutineer.get(BASE)).status_code == 404  # a reader of the partnership, but a draft is not theirs
    finally:
        await scrutineer.aclose()
    unit = await client_for(platform, await make_person(platform, Role.BUSINESS_UNIT))
    try:
        page = await unit.get(BASE)
        assert page.status_code == 200 and "Only Humberside Police's lead can change or submit this return" in page.text
        domain = profile_of(platform).section11.domains[0].id
        assert (await unit.get(f"{BASE}/domain/{domain}")).headers["location"] == f"{BASE}/check#domain-{domain}"
        refused = await unit.post(f"{BASE}/check", data={"csrf": csrf_of(page.text), "request_id": str(uuid4())})
        assert refused.status_code == 404
    finally:
        await unit.aclose()
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'") == 0
