"""Erasing a data subject on request: the family's words in a case audit and a
practitioner's name in a Section 11 return are stored sealed; once their keys are
deleted the hash chain still verifies and a rebuild shows `[erased]` where they were."""

import os
import subprocess
import sys
from typing import Any

import pytest

from services.reporting.adapters.sources import projection_runner
from shared.envelope import Envelope
from shared.eventstore.verify import verify_store
from shared.mapper import from_row
from shared.personal_data import ERASED, PREFIX, erasures, open_envelopes
from shared.waiting import eventually
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform
from tests.support.returns import answers

pytestmark = pytest.mark.integration

WORDS = "Mum said: nobody listened to us until the school nurse did (invented)"
NAME = "Olwen Pryce-Hartley (invented)"
CASE, EVENT, POLICE = "case-7f3a", "los-neglect-2026", "humberside-police"


async def _accepted(platform: RunningPlatform, service: str, command: str, body: dict[str, Any], agency: str | None = None) -> None:
    reply = await platform.command(service, command, body, agency=agency)
    assert reply["status"] == "accepted", reply


async def _record(platform: RunningPlatform) -> None:
    """A practitioner's name on an amended return, a family's words in a case audit."""
    await platform.open_cycle()
    assert (await platform.submit(POLICE, submitted_by=NAME))["status"] == "accepted"
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    await _accepted(platform, "section11", "amend", {
        "agency_id": POLICE, "cycle_id": CYCLE, "answers": answers(profile, default=2),
        "reason": "Escalation policy re-issued and audited", "amended_by": NAME,
    }, agency=POLICE)
    await _accepted(platform, "events", "propose", {
        "assurance_event_id": EVENT, "activity_type": "line-of-sight", "title": "Line of sight: neglect", "theme": "neglect",
    })
    for partner in ("north-lincolnshire-council", "north-lincolnshire-ccg", POLICE):
        await _accepted(
            platform, "events", "endorse", {"assurance_event_id": EVENT, "partner_id": partner, "representative": "Director (invented)"}
        )
    await _accepted(platform, "events", "select-case", {"assurance_event_id": EVENT, "case_ref": CASE})
    await _accepted(platform, "events", "record-case-audit", {
        "assurance_event_id": EVENT, "case_ref": CASE, "agency_id": POLICE, "auditor_role": "Named nurse", "summary": WORDS,
    })


async def _shown(platform: RunningPlatform) -> tuple[str | None, str | None]:
    amended_by = await platform.pool.fetchval("SELECT amended_by FROM reporting.s11_amendments WHERE agency_id = $1", POLICE)
    audit = await platform.pool.fetchval("SELECT detail FROM reporting.report_facts WHERE fact = 'case-audit'")
    return amended_by, audit


def _scrutiny(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")}
    env |= {"SCRUTINY_DATABASE_URL": database, "SCRUTINY_PROFILES": f'["{PARTNERSHIP}"]', "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "services.cli.main", *args], env=env, capture_output=True, text=True, timeout=300)


async def test_an_erased_subject_reads_as_erased_and_the_chain_and_replay_hold(platform: RunningPlatform, database: str) -> None:
    await _record(platform)

    async def projected() -> bool:
        return await _shown(platform) == (NAME, f"{POLICE} audited {CASE}: {WORDS}")

    await eventually(projected, timeout=60, what="the name and the words in the read models")
    stored = " ".join(r["payload"] for r in await platform.pool.fetch(
        "SELECT payload::text FROM section11.events UNION ALL SELECT payload::text FROM events.events"
    ))
    assert NAME not in stored and "nobody listened" not in stored  # sealed in the store (and so on the wire)

    # The family's words, by the case reference: the command deletes the key, records it and rebuilds.
    erased = _scrutiny(database, "erase", CASE, "--requested-by", "data protection officer", "--reason", "request 2027-001")
    assert erased.returncode == 0, erased.stdout + erased.stderr
    assert "erased: key" in erased.stdout and "1 in events" in erased.stdout and "[erased]" in erased.stdout
    assert await _shown(platform) == (NAME, f"{POLICE} audited {CASE}: {ERASED}")

    # The practitioner's name, by the name as recorded; then the rebuild here, as `scrutiny replay` would.
    by_name = _scrutiny(database, "erase", "  olwen pryce-hartley (INVENTED)", "--person", "--no-rebuild")
    assert by_name.returncode == 0, by_name.stdout + by_name.stderr
    assert "2 in section11" in by_name.stdout  # the submission and the amendment
    assert await projection_runner(platform.pool).rebuild() > 0
    assert await _shown(platform) == (ERASED, f"{POLICE} audited {CASE}: {ERASED}")

    again = _scrutiny(database, "erase", CASE, "--no-rebuild")
    assert again.returncode == 0 and "No personal data of that subject is held" in again.stdout

    async with platform.pool.acquire() as conn:
        for store in ("section11", "events", "reviews"):
            report = await verify_store(conn, store)
            assert report.intact, report.breaks
        records, problems = await erasures(conn)
    assert problems == [] and [(r.subject_ref, r.requested_by, r.reason) for r in records] == [
        (CASE, "data protection officer", "request 2027-001"),
        (None, "data protection officer", "erasure requested under UK GDPR article 17"),
    ]
    assert NAME.split()[0] not in str(records) and "nobody" not in str(records)
    listed = _scrutiny(database, "erasures")
    assert listed.returncode == 0 and "2 erasures in keys.erasures, chain intact" in listed.stdout
    verified = _scrutiny(database, "verify")
    assert verified.returncode == 0, verified.stdout

    # The history goes on: section11 still decides on the return's stream that holds the erased name.
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    await _accepted(platform, "section11", "amend", {
        "agency_id": POLICE, "cycle_id": CYCLE, "answers": answers(profile, default=3),
        "reason": "Re-audited after the erasure", "amended_by": "Deputy lead (invented)",
    }, agency=POLICE)


async def test_an_erasure_record_changed_by_hand_is_named(platform: RunningPlatform, database: str) -> None:
    await _record(platform)
    assert _scrutiny(database, "erase", CASE, "--no-rebuild").returncode == 0
    await platform.pool.execute("UPDATE keys.erasures SET reason = 'nothing happened'")
    listed = _scrutiny(database, "erasures")
    assert listed.returncode == 1 and "erasure 1 does not match its hash" in listed.stdout


async def test_the_names_on_an_actions_progress_and_completion_are_sealed_and_erased(platform: RunningPlatform, database: str) -> None:
    """Security review, finding 9: the reviews service kept `updated_by` and `completed_by` in clear."""
    await _accepted(platform, "reviews", "raise-action", {
        "action_id": "act-erase", "title": "Refresh the escalation policy", "owner_agency_id": POLICE, "due_on": "2027-01-29",
        "source_type": "other", "source_id": "erasure-test", "raised_by": "Business unit",
    })
    await _accepted(
        platform,
        "reviews",
        "update-action",
        {
            "action_id": "act-erase",
            "owner_agency_id": POLICE,
            "progress": "Draft out to partners",
            "percent_complete": 50,
            "updated_by": NAME,
        },
        agency=POLICE,
    )
    await _accepted(platform, "reviews", "complete-action", {
        "action_id": "act-erase", "owner_agency_id": POLICE, "completed_on": "2026-11-02",
        "evidence": [{"description": "Policy v2"}], "completed_by": NAME,
    }, agency=POLICE)

    async def history() -> str:
        rows = await platform.pool.fetch("SELECT * FROM reporting.action_history WHERE action_id = 'act-erase'")
        return " ".join(str(dict(r)) for r in rows)

    await eventually(lambda: _has(history, "completed"), timeout=60, what="the action's history projected")
    assert NAME in await history()
    stored = " ".join(r["payload"] for r in await platform.pool.fetch("SELECT payload::text FROM reviews.events"))
    assert NAME not in stored  # sealed in the store (and so on the wire)

    erased = _scrutiny(database, "erase", NAME, "--person", "--no-rebuild")
    assert erased.returncode == 0 and "2 in reviews" in erased.stdout, erased.stdout + erased.stderr
    assert await projection_runner(platform.pool).rebuild() > 0
    assert NAME not in await history() and ERASED in await history()


async def _has(read: Any, text: str) -> bool:
    return text in await read()


NARRATIVE = "Ms Ffion Tallow-Brennan (invented) chairs our escalation panel"
REASON = "Ffion Tallow-Brennan's audit found the flowchart out of date"
PROGRESS = "Tallow-Brennan's draft went to partners on Monday"
TYPED = (NARRATIVE, REASON, PROGRESS, "Tallow-Brennan")


async def _stream_bytes(platform: RunningPlatform) -> bytes:
    """Every message of every JetStream stream of the platform, read as an outsider would."""
    js = platform.nc.jetstream()
    held = []
    for info in await js.streams_info():
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(info.config.name, seq)
            except Exception:  # noqa: BLE001 - a deleted message: nothing to read
                continue
            held.append((msg.data or b"") + b" " + str(msg.headers or {}).encode())
    return b"\n".join(held)


async def _tables(platform: RunningPlatform, where: str) -> str:
    """Every row of every table in the schemas `where` names, as text."""
    tables = await platform.pool.fetch(
        f"SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND ({where})"
    )
    rows = []
    for t in tables:
        rows += [r[0] for r in await platform.pool.fetch(f'SELECT t::text FROM "{t[0]}"."{t[1]}" t')]
    return "\n".join(rows)


async def test_free_text_a_person_typed_is_sealed_and_erased_with_them_everywhere(platform: RunningPlatform, database: str) -> None:
    """Security review, finding 9: a name typed into a narrative, an amendment's reason or an
    action's progress was stored in clear, in the stores and JetStream, and no erasure reached it."""
    await platform.open_cycle()
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    first = profile.section11.standards[0].id
    sent = answers(profile)
    sent[first]["narrative"] = NARRATIVE
    assert (await platform.submit(POLICE, submitted_by=NAME, answers=sent))["status"] == "accepted"
    changed = answers(profile, default=2)
    await _accepted(platform, "section11", "amend", {
        "agency_id": POLICE, "cycle_id": CYCLE, "answers": changed, "reason": REASON, "amended_by": NAME,
    }, agency=POLICE)
    await _accepted(platform, "reviews", "raise-action", {
        "action_id": "act-typed", "title": "Refresh the escalation flowchart", "owner_agency_id": POLICE, "due_on": "2027-01-29",
        "source_type": "other", "source_id": "erasure-test", "raised_by": "Business unit",
    })
    await _accepted(platform, "reviews", "update-action", {
        "action_id": "act-typed", "owner_agency_id": POLICE, "progress": PROGRESS, "percent_complete": 50, "updated_by": NAME,
    }, agency=POLICE)

    read_models = "table_schema LIKE 'reporting%' AND table_schema <> 'reporting_records'"
    stores = "table_schema IN ('section11', 'events', 'reviews', 'reporting_records')"

    async def shown() -> bool:
        text = await _tables(platform, read_models)
        return PROGRESS in text and REASON in text

    await eventually(shown, timeout=60, what="the typed texts in the read models")
    # Sealed where they are kept: the stores (events, outboxes) and every JetStream stream.
    stored, wire = await _tables(platform, stores), await _stream_bytes(platform)
    for text in TYPED:
        assert text not in stored and text.encode() not in wire, text

    erased = _scrutiny(database, "erase", NAME, "--person")
    assert erased.returncode == 0, erased.stdout + erased.stderr
    out = " ".join(erased.stdout.split())
    assert "in section11" in out and "in reviews" in out and "sealed values made unreadable" in out, out
    assert "reached:" in out and "JetStream" in out and "read models rebuilt" in out, out

    after = await _tables(platform, read_models)
    for text in (*TYPED, NAME):
        assert text not in after, text
    assert ERASED in after
    stored, wire = await _tables(platform, stores), await _stream_bytes(platform)
    for text in (*TYPED, NAME):
        assert text not in stored and text.encode() not in wire, text
    async with platform.pool.acquire() as conn:
        for store in ("section11", "reviews"):
            report = await verify_store(conn, store)
            assert report.intact, report.breaks


async def test_erasing_a_case_reaches_the_text_typed_on_the_records_opened_about_it(platform: RunningPlatform, database: str) -> None:
    """An incident's information request and an agency's answer name no case in their events:
    their text is sealed with the incident's own key, which erasing the case erases too."""
    requested, summary = "Chronology of contacts with Ms Tallow-Brennan (invented)", "Tallow-Brennan seen twice in May"
    await _accepted(platform, "reviews", "record-serious-incident", {
        "incident_id": "si-erase", "case_ref": CASE, "child_looked_after": False, "recorded_by": "Business unit (invented)",
        "aware_on": "2026-11-02", "panel_notified_on": "2026-11-02",
    })
    await _accepted(platform, "reviews", "request-information", {
        "incident_id": "si-erase", "information_request_id": "ir-police", "agency_id": POLICE, "requested": requested,
    })
    await _accepted(platform, "reviews", "provide-information", {
        "incident_id": "si-erase", "information_request_id": "ir-police", "agency_id": POLICE, "summary": summary,
        "provided_on": "2026-11-02",
    }, agency=POLICE)

    async def opened(only: set[str] | None = None) -> list[Envelope]:
        rows = await platform.pool.fetch("SELECT * FROM reviews.events WHERE stream_id LIKE 'incident:%si-erase' ORDER BY position")
        async with platform.pool.acquire() as conn:
            return await open_envelopes(conn, [from_row(r, "reviews") for r in rows], only=only)

    def texts(envelopes: list[Envelope]) -> list[str]:
        payloads = [e.payload() for e in envelopes]
        return [p[field] for p in payloads for field in ("requested", "summary") if field in p]

    stored = " ".join(r["payload"] for r in await platform.pool.fetch("SELECT payload::text FROM reviews.events"))
    assert "Tallow-Brennan" not in stored
    assert texts(await opened()) == [requested, summary]
    # A projection that acts on other types (the notifier) is handed these sealed.
    assert all(t.startswith(PREFIX) for t in texts(await opened(only={"SubmissionOverdue"})))

    erased = _scrutiny(database, "erase", CASE, "--no-rebuild")
    out = " ".join(erased.stdout.split())
    assert erased.returncode == 0 and "(record incident:" in out and "sealed values made unreadable: 2" in out, out
    assert texts(await opened()) == [ERASED, ERASED]
    records, problems = await erasures(platform.pool)
    assert problems == [] and [r.subject_ref for r in records] == [f"incident:{PARTNERSHIP}:si-erase"]
