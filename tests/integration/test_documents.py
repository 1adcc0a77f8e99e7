"""Documents kept as evidence, on a running platform (issue 15): an agency lead uploads a PDF
to a standard of its Section 11 return and submits; the event holds its SHA-256, the
document is downloadable by who may read the return and by nobody else, the evidence
bundle carries it and checks it, `scrutiny verify` names it once its bytes are changed,
and erasing it leaves `verify` reporting it erased, not tampered. Bad files (a program
renamed .pdf, too large, an upload cut off) are refused with the limit named and leave
nothing stored. An action's completion takes documents through its generated form."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.reporting.adapters.evidence import Period, export_evidence
from shared.eventstore.bundle_check import verify_bundle
from shared.roles import Role
from shared.waiting import eventually
from tests.support.people import base_url, client_for, csrf_of, make_person
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform
from tests.support.returns import answers

pytestmark = pytest.mark.integration

AGENCY = "humberside-police"
OTHER = "nlc-housing"
BASE = f"/p/{PARTNERSHIP}/return/{AGENCY}"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(2048) + b"\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()
NAME = "Safer recruitment policy 2026.pdf"
MB = 1024 * 1024


def request_id_of(html: str) -> str:
    found = re.search(r'name="request_id" value="([^"]+)"', html)
    assert found, "the page has no request id"
    return found.group(1)


def profile_of(platform: RunningPlatform) -> Any:
    return platform.hosts["section11"].partnerships.profile(PARTNERSHIP)


def filled(html: str, profile: Any, domain_id: str) -> dict[str, str]:
    given = answers(profile)
    data = {"csrf": csrf_of(html), "request_id": request_id_of(html)}
    for s in profile.section11.standards_for(domain_id):
        data |= {f"{s.id}-rating": "3", f"{s.id}-narrative": given[s.id]["narrative"], f"{s.id}-evidence": "Policy register"}
    return data


async def domain_page(client: httpx.AsyncClient, domain_id: str) -> str:
    async def shown() -> str | None:
        page = await client.get(f"{BASE}/domain/{domain_id}")
        return page.text if page.status_code == 200 and 'enctype="multipart/form-data"' in page.text else None
    return await eventually(shown, what="the return's domain page")


async def blobs(platform: RunningPlatform) -> int:
    if await platform.pool.fetchval("SELECT to_regclass('documents.blobs')") is None:
        return 0
    return await platform.count("SELECT count(*) FROM documents.blobs")


def scrutiny(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SCRUTINY_DATABASE_URL": database, "COLUMNS": "400"}
    return subprocess.run([sys.executable, "-m", "services.cli.main", *args], env=env, capture_output=True, text=True, timeout=180)


async def signed_in(platform: RunningPlatform, role: Role, scope: str | None = None) -> httpx.AsyncClient:
    return await client_for(platform, await make_person(platform, role, scope))


async def test_a_document_uploaded_by_an_agency_is_in_its_evidence_in_the_bundle_and_caught_by_verify(
    platform: RunningPlatform, database: str, tmp_path: Path
) -> None:
    profile = profile_of(platform)
    domains = [d.id for d in profile.section11.domains]
    first = profile.section11.standards_for(domains[0])[0].id
    await platform.open_cycle()
    lead = await signed_in(platform, Role.AGENCY_LEAD, AGENCY)
    other = await signed_in(platform, Role.AGENCY_LEAD, OTHER)
    business_unit = await signed_in(platform, Role.BUSINESS_UNIT)
    partner = await signed_in(platform, Role.PARTNER, "north-lincolnshire-council")
    document = f"/p/{PARTNERSHIP}/documents/{SHA}"
    try:
        page = await domain_page(lead, domains[0])
        saved = await lead.post(f"{BASE}/domain/{domains[0]}", data=filled(page, profile, domains[0]),
                                files=[(f"{first}-upload", (NAME, PDF, "application/pdf"))])
        assert saved.status_code == 303, saved.text
        again = await lead.get(f"{BASE}/domain/{domains[0]}")
        assert NAME in again.text and f'value="{SHA}"' in again.text, "the saved document is listed, to keep or remove"
        # a draft's document: its agency's lead and the business unit; not a partner, not another agency
        assert (await partner.get(document)).status_code == 404
        for domain_id in domains[1:]:
            page = await domain_page(lead, domain_id)
            assert (await lead.post(f"{BASE}/domain/{domain_id}", data=filled(page, profile, domain_id))).status_code == 303
        # saving the first domain again without choosing the file again keeps it attached
        page = await domain_page(lead, domains[0])
        assert (await lead.post(f"{BASE}/domain/{domains[0]}", data=filled(page, profile, domains[0]))).status_code == 303
        check = await lead.get(f"{BASE}/check")
        assert f'href="{document}"' in check.text and NAME in check.text and "PDF, 2 KB" in check.text
        sent = await lead.post(f"{BASE}/check", data={"csrf": csrf_of(check.text), "request_id": request_id_of(check.text)})
        assert "Return submitted" in sent.text, sent.text

        # the event that attaches it holds its hash (so the chain covers it), its name sealed
        row = await platform.pool.fetchrow(
            "SELECT position, event_id, payload::text AS payload FROM section11.events"
            " WHERE event_type = 'SubmissionReceived' AND stream_id = $1", f"s11-return:{PARTNERSHIP}:{AGENCY}:{CYCLE}")
        assert SHA in row["payload"] and NAME not in row["payload"], "the hash in the event, the file name sealed"
        assert await blobs(platform) == 1

        got = await lead.get(document)
        assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
        assert "Safer%20recruitment%20policy%202026.pdf" in got.headers["content-disposition"]
        assert (await business_unit.get(document)).status_code == 200
        assert (await partner.get(document)).status_code == 200  # submitted: every reader of the partnership
        refused = await other.get(document)
        assert refused.status_code == 404 and refused.text == (await other.get(f"/p/{PARTNERSHIP}/documents/{'0' * 64}")).text

        # the evidence bundle carries it and checks it on its own
        bundle = await export_evidence(platform.pool, Period(date(2026, 11, 1), date(2026, 11, 30)), tmp_path / "a",
                                       [profile], clock=platform.clock)
        assert (bundle.directory / "documents" / SHA).read_bytes() == PDF
        report = verify_bundle(bundle.directory)
        assert report.intact, [str(p) for p in report.problems]
        assert report.documents.included == 1
        assert scrutiny(database, "verify").returncode == 0

        # one byte changed in the store: verify names the document, its name and the event
        await platform.pool.execute("UPDATE documents.blobs SET content = overlay(content placing '\\x25'::bytea from 200)")
        tampered = scrutiny(database, "verify")
        assert tampered.returncode == 1, tampered.stdout
        assert SHA in tampered.stdout and NAME in tampered.stdout and f"section11 position {row['position']}" in tampered.stdout
        assert "changed after it was stored" in tampered.stdout
        assert (await lead.get(document)).status_code == 409  # never handed out as evidence
        later = verify_bundle((await export_evidence(
            platform.pool, Period(date(2026, 11, 1), date(2026, 11, 30)), tmp_path / "b", [profile], clock=platform.clock)).directory)
        assert any(p.file == f"documents/{SHA}" and "altered" in p.message for p in later.problems)

        # erased (it held personal data): its bytes and name go; verify reports it erased, not tampered
        erased = scrutiny(database, "erase", SHA, "--document", "--partnership", PARTNERSHIP, "--no-rebuild")
        assert erased.returncode == 0, erased.stdout + erased.stderr
        assert await blobs(platform) == 0
        after = scrutiny(database, "verify")
        assert after.returncode == 0, after.stdout
        assert "1 erased" in after.stdout
        assert "[erased]" in (await lead.get(f"{BASE}/check")).text
        assert (await lead.get(document)).status_code == 404
    finally:
        for client in (lead, other, business_unit, partner):
            await client.aclose()


async def test_bad_files_are_refused_with_the_limit_named_and_leave_nothing(platform: RunningPlatform) -> None:
    profile = profile_of(platform)
    domain = profile.section11.domains[0].id
    first = profile.section11.standards_for(domain)[0].id
    await platform.open_cycle()
    lead = await signed_in(platform, Role.AGENCY_LEAD, AGENCY)
    try:
        page = await domain_page(lead, domain)
        program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + os.urandom(4096)  # a Windows program, renamed
        renamed = await lead.post(f"{BASE}/domain/{domain}", data=filled(page, profile, domain),
                                  files=[(f"{first}-upload", ("report.pdf", program, "application/pdf"))])
        assert renamed.status_code == 400
        assert "report.pdf is not a type of file we accept: upload a PDF, a Word document (.docx)" in renamed.text
        assert f'href="#{first}-upload"' in renamed.text  # the summary links to the file input

        big = b"%PDF-1.4\n" + b"0" * (20 * MB + 100 * 1024)  # over the file limit, within the body's
        large = await lead.post(f"{BASE}/domain/{domain}", data=filled(page, profile, domain),
                                files=[(f"{first}-upload", ("big.pdf", big, "application/pdf"))])
        assert large.status_code == 400 and "The file must be 20 MB or smaller: big.pdf is larger" in large.text

        huge = b"%PDF-1.4\n" + b"0" * (25 * MB)  # over the body's limit: read no further, nothing parsed
        larger = await lead.post(f"{BASE}/domain/{domain}", data=filled(page, profile, domain),
                                 files=[(f"{first}-upload", ("huge.pdf", huge, "application/pdf"))])
        assert larger.status_code == 413 and "must be 20 MB or smaller in all" in larger.text

        await cut_off_upload(platform, lead, domain, first)
        assert (await lead.get(BASE)).status_code == 200  # the front door carries on
        assert await blobs(platform) == 0
        assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'DraftSaved'") == 0
    finally:
        await lead.aclose()


async def cut_off_upload(platform: RunningPlatform, lead: httpx.AsyncClient, domain: str, standard: str) -> None:
    """A browser that sends half a file and goes away."""
    page = await domain_page(lead, domain)
    boundary = "----cut-off"
    fields = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                     for k, v in filled(page, profile_of(platform), domain).items())
    head = (fields + f'--{boundary}\r\nContent-Disposition: form-data; name="{standard}-upload"; filename="half.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode() + PDF[:1000]
    host, port = (await base_url(platform)).removeprefix("http://").split(":")
    cookie = "; ".join(f"{k}={v}" for k, v in lead.cookies.items())
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        (
            f"POST {BASE}/domain/{domain} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(head) + 50_000}\r\n\r\n"
        ).encode()
        + head
    )
    await writer.drain()
    writer.write_eof()  # the browser goes away: no more of the body will come
    async with asyncio.timeout(30):  # the fact waited on: the server has dealt with it and closed
        await reader.read()
    writer.close()
    await writer.wait_closed()


async def test_an_action_is_completed_with_a_document_through_its_form(platform: RunningPlatform) -> None:
    raised = await platform.command("reviews", "raise-action", {
        "action_id": "act-doc-1", "title": "Refresh the escalation policy", "owner_agency_id": AGENCY,
        "due_on": "2026-11-30", "source_type": "review", "source_id": "cspr-2026-03", "raised_by": "business unit"})
    assert raised["status"] == "accepted", raised
    lead = await signed_in(platform, Role.AGENCY_LEAD, AGENCY)
    other = await signed_in(platform, Role.AGENCY_LEAD, OTHER)
    form_url = f"/p/{PARTNERSHIP}/do/reviews/complete-action"
    try:
        form = await lead.get(form_url)
        assert form.status_code == 200 and 'type="file"' in form.text and 'enctype="multipart/form-data"' in form.text
        data = {"csrf": csrf_of(form.text), "request_id": request_id_of(form.text), "action_id": "act-doc-1",
                "completed_on-day": "2", "completed_on-month": "11", "completed_on-year": "2026",
                "evidence": '[{"description": "Policy v2 approved by chief officers"}]', "completed_by": "Safeguarding lead"}
        done = await lead.post(form_url, data=data, files=[("documents", ("policy-v2.pdf", PDF, "application/pdf"))])
        assert done.status_code == 200 and "Recorded" in done.text, done.text
        payload = await platform.pool.fetchval(
            "SELECT payload::text FROM reviews.events WHERE event_type = 'ActionCompleted' AND payload->>'action_id' = 'act-doc-1'")
        assert SHA in payload and "policy-v2.pdf" not in payload
        got = await lead.get(f"/p/{PARTNERSHIP}/documents/{SHA}")
        assert got.status_code == 200 and got.content == PDF
        assert (await other.get(f"/p/{PARTNERSHIP}/documents/{SHA}")).status_code == 404
    finally:
        await lead.aclose()
        await other.aclose()
