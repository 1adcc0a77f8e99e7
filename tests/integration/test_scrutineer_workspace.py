"""The independent scrutineer's workspace over real NATS and PostgreSQL, and through the
front door: a scrutineer appointed to an activity, a challenge on an agency's Section 11
return put to that agency and answered by it, a recommendation acted upon with evidence;
the open challenge on the dashboard, on the record's page and on the agency's own page;
the challenge's text sealed in the store; the annual report as HTML, PDF and Word.

Role boundaries asked from outside: an agency cannot raise a challenge (no subject of its
own answers it; on the front door no form) nor answer one put to another agency (refused
over NATS and over HTTP, nothing recorded); what an agency lead may not see is a 404."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from uuid import uuid4

import nats.errors
import pytest
from docx import Document
from pypdf import PdfReader

from shared.roles import Role
from shared.waiting import eventually
from tests.integration.test_reports_platform import settled
from tests.support.people import client_for, csrf_of, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

P = f"/p/{PARTNERSHIP}"
POLICE, HOUSING = "humberside-police", "nlc-housing"
CHALLENGE_TEXT = "Why is the safer recruitment standard rated 3 with no evidence attached?"


async def ok(platform: RunningPlatform, name: str, body: dict[str, Any], agency: str | None = None) -> dict[str, Any]:
    reply = await platform.command("reporting", name, body, agency=agency)
    assert reply["status"] == "accepted", reply
    return reply


async def test_appoint_challenge_a_return_the_agency_answers_and_a_recommendation_is_acted_upon(platform: RunningPlatform) -> None:
    today = platform.clock.now().date()
    day = today.isoformat()
    year = today.year if today.month >= 4 else today.year - 1
    assert (await platform.open_cycle())["status"] == "accepted"
    assert (await platform.submit(POLICE))["status"] == "accepted"
    await ok(platform, "appoint-scrutineer", {
        "scrutineer_id": "iso-1", "name": "Sam Okafor (invented)", "appointment_id": f"iso-{year}",
        "activity_id": "agency-specific-assurance-event", "starts_on": (today - timedelta(days=60)).isoformat(),
        "ends_on": (today + timedelta(days=300)).isoformat()})
    await ok(platform, "record-conflict-of-interest", {
        "scrutineer_id": "iso-1", "conflict_id": "trustee", "interest_in": "nlc-housing",
        "description": "A trustee of a housing charity", "declared_on": day})
    record = {"record_kind": "s11-return", "record_id": f"{POLICE}:2026-27"}
    raised = await ok(platform, "raise-challenge", {
        "challenge_id": "ch-police-1", "scrutineer_id": "iso-1", **record, "put_to": POLICE, "text": CHALLENGE_TEXT,
        "raised_on": day, "answer_by": (today + timedelta(days=14)).isoformat()})

    # The conflict of interest is kept: no challenge to the housing service.
    conflicted = await platform.command("reporting", "raise-challenge", {
        "challenge_id": "ch-housing", "scrutineer_id": "iso-1", **record, "put_to": HOUSING, "text": "x", "raised_on": day})
    assert conflicted["error"]["code"] == "conflict_of_interest" and conflicted["error"]["field"] == "put_to"

    # An agency cannot raise one: no subject of its own answers it.
    with pytest.raises(nats.errors.NoRespondersError):
        await platform.nc.request(platform.subjects.agency_command("reporting", "raise-challenge", PARTNERSHIP, POLICE),
                                  b"{}", timeout=5)
    # Nor answer one put to another agency: as itself, refused; as the other, the gateway refuses.
    answer = {"challenge_id": "ch-police-1", "answer": "Not ours to answer", "answered_by": "Lead (invented)", "answered_on": day}
    as_itself = await platform.command("reporting", "answer-challenge", answer | {"agency_id": HOUSING}, agency=HOUSING)
    assert as_itself["status"] == "refused" and as_itself["error"]["code"] == "not_put_to_you", as_itself
    as_other = await platform.command("reporting", "answer-challenge", answer | {"agency_id": POLICE}, agency=HOUSING)
    assert as_other["status"] == "refused", as_other
    # The agency it is put to answers.
    await ok(platform, "answer-challenge", answer | {"agency_id": POLICE, "answer": "The evidence is now attached to the return"},
             agency=POLICE)

    await ok(platform, "make-recommendation", {
        "recommendation_id": "rec-1", "scrutineer_id": "iso-1", "made_to": "safeguarding-partners",
        "text": "Ask every agency to attach its evidence to its return", "made_on": day})
    await ok(platform, "record-recommendation-response", {
        "recommendation_id": "rec-1", "response": "Guidance sent to every agency", "responded_on": day})
    await ok(platform, "judge-recommendation", {"recommendation_id": "rec-1", "acted_upon": True, "judged_on": day})
    await ok(platform, "sign-off-scrutineer-report", {
        "year": year, "scrutineer_id": "iso-1", "summary": "A first year of challenge", "signed_off_on": day})
    await ok(platform, "publish-scrutineer-report", {"year": year, "published_on": day})

    # The challenge's words are sealed in the store, and read in clear on the pages.
    stored = await platform.pool.fetchval(
        "SELECT payload->>'text' FROM reporting_records.events WHERE event_id = $1::uuid", raised["events"][0]["event_id"])
    assert stored.startswith("personal:v1:") and CHALLENGE_TEXT not in stored
    await settled(platform)

    scrutineer = await client_for(platform, await make_person(platform, Role.SCRUTINEER))
    lead = await client_for(platform, await make_person(platform, Role.AGENCY_LEAD, POLICE))
    other_lead = await client_for(platform, await make_person(platform, Role.AGENCY_LEAD, HOUSING))
    try:
        dashboard = (await scrutineer.get(P)).text
        assert "Independent scrutiny" in dashboard and "1/1</b>recommendations acted upon" in dashboard
        # answered but not closed: open on the dashboard, and on the return's own page
        assert CHALLENGE_TEXT in dashboard
        page = await scrutineer.get(f"{P}/scrutiny", params=record)
        assert page.status_code == 200 and CHALLENGE_TEXT in page.text and "The evidence is now attached" in page.text
        workspace = (await scrutineer.get(f"{P}/scrutiny")).text
        assert "Sam Okafor (invented)" in workspace and "A trustee of a housing charity" in workspace
        # the agency sees the challenge put to it on its own page; another agency's lead sees none of it
        own = await lead.get(f"{P}/agency/{POLICE}")
        assert own.status_code == 200 and CHALLENGE_TEXT in own.text
        assert (await lead.get(f"{P}/scrutiny")).status_code == 404
        assert (await lead.get(f"{P}/reports/scrutineer/{year}")).status_code == 404
        assert (await other_lead.get(f"{P}/agency/{POLICE}")).status_code == 404
        assert CHALLENGE_TEXT not in (await other_lead.get(f"{P}/agency/{HOUSING}")).text

        # On the front door: the lead of another agency answering is refused at its field, nothing recorded.
        form = await other_lead.get(f"{P}/do/reporting/answer-challenge")
        assert form.status_code == 200 and 'name="agency_id"' not in form.text
        before = await platform.count("SELECT count(*) FROM reporting_records.events")
        refused = await other_lead.post(f"{P}/do/reporting/answer-challenge", data={
            "csrf": csrf_of(form.text), "request_id": str(uuid4()),
            "challenge_id": "ch-police-1", "answer": "Ours?", "answered_by": "Lead", "answered_on-day": str(today.day),
            "answered_on-month": str(today.month), "answered_on-year": str(today.year)})
        assert refused.status_code == 400 and "is put to agency" in refused.text
        assert await platform.count("SELECT count(*) FROM reporting_records.events") == before
        # and no agency lead has a form to raise a challenge
        assert (await lead.get(f"{P}/do/reporting/raise-challenge")).status_code == 404
        assert (await scrutineer.get(f"{P}/do/reporting/raise-challenge")).status_code == 200

        # The annual report: HTML, PDF and Word.
        html = await scrutineer.get(f"{P}/reports/scrutineer/{year}")
        assert html.status_code == 200 and "annual report" in html.text and "A first year of challenge" in html.text
        assert "Recommendations acted upon</td><td>1" in html.text and "published on" in html.text
        pdf = await scrutineer.get(f"{P}/reports/scrutineer/{year}", params={"format": "pdf"})
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "A first year of challenge" in text and "Guidance sent to every agency" in text
        docx = await scrutineer.get(f"{P}/reports/scrutineer/{year}", params={"format": "docx"})
        assert docx.status_code == 200
        words = "\n".join(cell.text for table in Document(io.BytesIO(docx.content)).tables for row in table.rows for cell in row.cells)
        assert CHALLENGE_TEXT in words and "Acted upon" in words
    finally:
        for client in (scrutineer, lead, other_lead):
            await client.aclose()

    # Closed, it leaves the dashboard.
    await ok(platform, "close-challenge", {"challenge_id": "ch-police-1", "outcome": "resolved", "closed_on": day})

    async def gone() -> bool:
        return await platform.count("SELECT count(*) FROM reporting.scrutiny_challenges WHERE status = 'closed'") == 1

    await eventually(gone, timeout=30, what="the closed challenge to be projected")
