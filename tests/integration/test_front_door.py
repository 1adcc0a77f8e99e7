"""The front door on a running platform: signing in with both factors, a form built from a
service's command table whose refusal comes back at its field, and who may see what."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import httpx
import pytest

from shared import london
from shared.roles import Role
from shared.waiting import eventually
from tests.support.people import PASSWORD, base_url, client_for, csrf_of, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration


async def test_signing_in_takes_a_password_then_a_code(platform: RunningPlatform) -> None:
    person = await make_person(platform, Role.BUSINESS_UNIT)
    async with httpx.AsyncClient(base_url=await base_url(platform)) as client:
        assert (await client.get(f"/p/{PARTNERSHIP}")).status_code == 303  # to sign in
        form = await client.get("/sign-in")
        wrong = await client.post("/sign-in", data={"csrf": csrf_of(form.text), "email": person.email, "password": "wrong"})
        assert wrong.status_code == 400 and "Enter a correct email address and password" in wrong.text
        assert person.email in wrong.text  # kept
        right = await client.post("/sign-in", data={"csrf": csrf_of(wrong.text), "email": person.email, "password": PASSWORD})
        assert right.headers["location"] == "/sign-in/code"
        code_page = await client.get("/sign-in/code")
        assert (await client.get(f"/p/{PARTNERSHIP}")).status_code == 303  # one factor is not signed in
        done = await client.post(
            "/sign-in/code", data={"csrf": csrf_of(code_page.text), "code": person.code(platform.clock.now().timestamp())}
        )
        assert done.status_code == 303, done.text
        dashboard = await client.get(f"/p/{PARTNERSHIP}")
        assert dashboard.status_code == 200 and "North Lincolnshire" in dashboard.text
    stored = await platform.pool.fetch(
        "SELECT event_type FROM reporting_records.events WHERE stream_id = $1 ORDER BY stream_version",
        f"person:{PARTNERSHIP}:{person.account_id}",
    )
    assert [r["event_type"] for r in stored] == ["PersonInvited", "SignInFailed", "SignedIn"]


async def test_a_refusal_comes_back_at_its_field_with_the_input_kept(platform: RunningPlatform) -> None:
    person = await make_person(platform, Role.BUSINESS_UNIT)
    client = await client_for(platform, person)
    try:
        form = await client.get(f"/p/{PARTNERSHIP}/do/section11/open-cycle")
        assert form.status_code == 200, form.text
        request_id = re.search(r'name="request_id" value="([^"]+)"', form.text).group(1)
        data = {"csrf": csrf_of(form.text), "request_id": request_id, "cycle_id": "Not A Slug!",
                "opened_on-day": "1", "opened_on-month": "4", "opened_on-year": "2026"}
        refused = await client.post(f"/p/{PARTNERSHIP}/do/section11/open-cycle", data=data)
        assert refused.status_code == 400
        assert 'class="govuk-error-summary' in refused.text and 'href="#cycle_id"' in refused.text
        assert "Not A Slug!" in refused.text  # what was typed is kept
        data["cycle_id"] = "2026-27"
        accepted = await client.post(f"/p/{PARTNERSHIP}/do/section11/open-cycle", data=data)
        assert accepted.status_code == 200 and "Recorded" in accepted.text, accepted.text
        again = await client.post(f"/p/{PARTNERSHIP}/do/section11/open-cycle", data=data)  # a double click
        assert again.status_code == 200 and "Recorded" in again.text
    finally:
        await client.aclose()
    actors = await platform.pool.fetch("SELECT DISTINCT actor FROM section11.events WHERE event_type = 'AuditCycleOpened'")
    assert [r["actor"] for r in actors] == [f"person:{person.account_id}"]
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'AuditCycleOpened'") == 1


async def test_an_agency_lead_sees_only_its_own_agency(platform: RunningPlatform) -> None:
    lead = await make_person(platform, Role.AGENCY_LEAD, "humberside-police")
    client = await client_for(platform, lead)
    try:
        assert (await client.get(f"/p/{PARTNERSHIP}/agency/humberside-police")).status_code == 200
        assert (await client.get(f"/p/{PARTNERSHIP}/agency/nlc-housing")).status_code == 404
        assert (await client.get(f"/p/{PARTNERSHIP}")).status_code == 404
        assert (await client.get(f"/p/{PARTNERSHIP}/do/section11/open-cycle")).status_code == 404
        home = await client.get("/")
        assert "Humberside Police" in home.text and "Section 11 return" in home.text
        refused = await client.post(f"/p/{PARTNERSHIP}/do/section11/open-cycle", data={"csrf": csrf_of(home.text)})
        assert refused.status_code in (403, 404)
    finally:
        await client.aclose()


async def test_an_inspector_reads_but_may_not_write(platform: RunningPlatform) -> None:
    today = london.today(platform.clock)
    inspector = await make_person(platform, Role.INSPECTOR, until=today)
    client = await client_for(platform, inspector)
    try:
        assert (await client.get(f"/p/{PARTNERSHIP}")).status_code == 200
        home = await client.get("/")
        csrf = csrf_of(home.text)
        assert (await client.post(f"/p/{PARTNERSHIP}/do/section11/open-cycle", data={"csrf": csrf})).status_code in (403, 404)
        assert (await client.get(f"/p/{PARTNERSHIP}/people")).status_code == 404
        past = (await client.get(f"/p/{PARTNERSHIP}?as_of={(today - timedelta(days=1)).isoformat()}"))
        assert past.status_code == 200 and "as they stood" in past.text
        query = {"from-day": "1", "from-month": "1", "from-year": str(today.year - 1),
                 "to-day": str(today.day), "to-month": str(today.month), "to-year": str(today.year)}
        bundle = await client.get(f"/p/{PARTNERSHIP}/evidence", params=query)
        assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(bundle.content)) as opened:
            assert any(name.endswith("manifest.json") for name in opened.namelist())
            assert any(name.endswith("chain_heads.json") for name in opened.namelist())  # the signed heads
        late = await client.get(f"/p/{PARTNERSHIP}/evidence", params=query | {"to-year": str(today.year + 1)})
        assert late.status_code == 400 and "to today" in late.text
    finally:
        await client.aclose()
    expired = await make_person(platform, Role.INSPECTOR, until=today - timedelta(days=1))
    client = await client_for(platform, expired)
    try:
        assert (await client.get(f"/p/{PARTNERSHIP}")).status_code == 404  # the access has ended
    finally:
        await client.aclose()


async def test_the_business_unit_task_list_links_to_the_form_that_settles_each(platform: RunningPlatform) -> None:
    await platform.open_cycle()
    await platform.submit("humberside-police")
    await eventually(lambda: platform.count("SELECT count(*) FROM reporting.s11_submissions"), what="the return projected")
    person = await make_person(platform, Role.BUSINESS_UNIT)
    client = await client_for(platform, person)
    try:
        page = await client.get(f"/p/{PARTNERSHIP}/tasks")
        assert page.status_code == 200
        assert "Moderate: Humberside Police" in page.text
        link = re.search(r'href="(/p/[^"]*/do/section11/moderate\?[^"]*)"', page.text).group(1).replace("&amp;", "&")
        form = await client.get(link)
        assert form.status_code == 200 and 'value="humberside-police" selected' in form.text
    finally:
        await client.aclose()
    lead = await make_person(platform, Role.AGENCY_LEAD, "humberside-police")
    client = await client_for(platform, lead)
    try:
        assert (await client.get(f"/p/{PARTNERSHIP}/tasks")).status_code == 404
    finally:
        await client.aclose()


async def test_signing_out_everywhere_ends_every_session(platform: RunningPlatform) -> None:
    person = await make_person(platform, Role.BOARD_MEMBER)
    first, second = await client_for(platform, person), await client_for(platform, person)
    try:
        account = await first.get("/account")
        assert account.status_code == 200 and "Board member" in account.text
        assert (await second.get(f"/p/{PARTNERSHIP}")).status_code == 200
        out = await first.post("/sign-out", data={"csrf": csrf_of(account.text), "everywhere": "yes"})
        assert out.status_code == 303
        assert (await second.get(f"/p/{PARTNERSHIP}")).status_code == 303  # to sign in
        assert (await first.get("/")).status_code == 303
    finally:
        await first.aclose()
        await second.aclose()
    assert await platform.count(
        "SELECT count(*) FROM reporting_records.events WHERE event_type = 'SignedOutEverywhere' AND stream_id = $1",
        f"person:{PARTNERSHIP}:{person.account_id}",
    ) == 1


async def test_many_failed_sign_ins_from_one_address_are_throttled(platform: RunningPlatform) -> None:
    async with httpx.AsyncClient(base_url=await base_url(platform)) as client:
        page = await client.get("/sign-in")
        csrf = csrf_of(page.text)
        answers = []
        for n in range(21):
            answer = await client.post("/sign-in", data={"csrf": csrf, "email": f"nobody-{n}@example.org", "password": "guess"})
            answers.append(answer.status_code)
        assert answers[:20] == [400] * 20 and answers[20] == 429


async def test_a_partner_endorses_as_itself_and_the_recused_partner_is_told_why(platform: RunningPlatform) -> None:
    police, council = "humberside-police", "north-lincolnshire-council"
    reply = await platform.command("events", "propose", {
        "assurance_event_id": "ase-police", "activity_type": "agency-specific-assurance-event",
        "title": "Agency specific assurance event: Humberside Police", "agency_id": police})
    assert reply["status"] == "accepted", reply
    form_of = f"/p/{PARTNERSHIP}/do/events/endorse?assurance_event_id=ase-police"
    recused = await make_person(platform, Role.PARTNER, police)
    client = await client_for(platform, recused)
    try:
        form = await client.get(form_of)
        assert form.status_code == 200 and "Recorded as Humberside Police" in form.text and 'name="partner_id"' not in form.text
        data = {"csrf": csrf_of(form.text), "request_id": re.search(r'name="request_id" value="([^"]+)"', form.text).group(1),
                "assurance_event_id": "ase-police", "role": "safeguarding_partner", "representative": "Chief Superintendent (invented)"}
        refused = await client.post(form_of, data=data)
        assert refused.status_code == 400 and "may not endorse or take part" in refused.text and 'href="#pinned"' in refused.text
        assert "Chief Superintendent (invented)" in refused.text
    finally:
        await client.aclose()
    partner = await make_person(platform, Role.PARTNER, council)
    client = await client_for(platform, partner)
    try:
        form = await client.get(form_of)
        data |= {"csrf": csrf_of(form.text), "request_id": re.search(r'name="request_id" value="([^"]+)"', form.text).group(1),
                 "representative": "Director of Children's Services (invented)"}
        done = await client.post(form_of, data=data)
        assert done.status_code == 200 and "Recorded" in done.text
    finally:
        await client.aclose()
    [row] = await platform.pool.fetch("SELECT actor, payload FROM events.events WHERE event_type = 'EndorsementGiven'")
    assert row["actor"] == f"person:{partner.account_id}" and council in row["payload"]


async def test_an_operator_sees_the_services_health_and_no_partnership(platform: RunningPlatform) -> None:
    operator = await make_person(platform, Role.OPERATOR)
    client = await client_for(platform, operator)
    try:
        page = await client.get("/ops")
        assert page.status_code == 200
        assert page.text.count(">ok<") == 4  # the four services answer
        assert (await client.get(f"/p/{PARTNERSHIP}")).status_code == 404
        assert (await client.get(f"/p/{PARTNERSHIP}/agency/humberside-police")).status_code == 404
    finally:
        await client.aclose()
    unit = await make_person(platform, Role.BUSINESS_UNIT)
    client = await client_for(platform, unit)
    try:
        assert (await client.get("/ops")).status_code == 404
    finally:
        await client.aclose()


async def test_a_person_in_two_partnerships_is_granted_the_second_role_without_a_new_link(platform: RunningPlatform) -> None:
    lead = await make_person(platform, Role.AGENCY_LEAD, "humberside-police")
    accounts = platform.wired["reporting"].accounts
    from services.reporting.domain.people.policy import Grant

    token = await accounts.invite(PARTNERSHIP, lead.email, "Someone", Grant(PARTNERSHIP, Role.AGENCY_LEAD, "nlc-housing"), "business-unit")
    assert token is None
    client = await client_for(platform, lead)
    try:
        assert (await client.get(f"/p/{PARTNERSHIP}/agency/nlc-housing")).status_code == 200
        assert (await client.get(f"/p/{PARTNERSHIP}/agency/humberside-police")).status_code == 200
    finally:
        await client.aclose()
