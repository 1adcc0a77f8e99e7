"""No child identifier and no free-text personal data in the logs or the traces.

Personal data is planted in the free text of a run through the platform as `scrutiny up`
runs it (each service its own process, logging at DEBUG, every span exported to its
output): a child's invented full name and date of birth in a return's narrative, a case
audit and an escalated concern, a practitioner's name, and the case reference's source
value (the local authority's own case number), which never leaves the caller, who sends
only its pseudonym. Every service's log is then scanned for each of them."""

import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import nats
import pytest

from services.platform.supervisor import Platform
from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP
from tests.support.platform import test_settings as settings_for
from tests.support.returns import answers
from tests.support.today import days_from_today, today

pytestmark = pytest.mark.e2e

CHILD = "Tallulah Brackenridge-Oyelaran"  # invented
BORN = ("14/03/2015", "2015-03-14")
PRACTITIONER = "Marguerite Okonkwo-Fairbairn"  # invented
SOURCE_CASE = "NL-CSC-2019-004417"  # the council's own case number: only its pseudonym is sent
CASE = "case-" + hashlib.sha256(SOURCE_CASE.encode()).hexdigest()[:8]
PLANTED = [CHILD, *CHILD.split(), *BORN, PRACTITIONER, *PRACTITIONER.split(), SOURCE_CASE]
POLICE, COUNCIL = "humberside-police", "nlc-childrens-social-care"


@pytest.fixture
async def logged_platform(
    nats_url: str, database: str, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    """The supervisor's platform with each service logging at DEBUG and printing its spans."""
    monkeypatch.setenv("SCRUTINY_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("SCRUTINY_TRACE_CONSOLE", "1")  # shared/telemetry/tracing.py: spans to the output
    settings = settings_for(nats_url, database, namespace).model_copy(update={"data_dir": tmp_path})
    platform = await Platform(settings).start()
    try:
        yield platform
    finally:
        platform.stop()


async def _send(nc: nats.NATS, subject: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request(subject, json.dumps({"request_id": str(uuid4())} | body).encode(), timeout=30)
    return json.loads(reply.data)


async def _plant(nc: nats.NATS, subjects: Subjects) -> None:
    profile = load_builtin(PARTNERSHIP)
    told = f"{CHILD} (born {BORN[0]}) told the front desk officer she was afraid to go home"
    given = answers(profile) | {profile.section11.standards[0].id: {"rating": 2, "narrative": told, "evidence": []}}
    operator = lambda service, command: subjects.operator_command(service, command, PARTNERSHIP)  # noqa: E731
    agency = lambda service, command, who: subjects.agency_command(service, command, PARTNERSHIP, who)  # noqa: E731
    sent = [
        await _send(nc, operator("section11", "open-cycle"), {"cycle_id": "2026-27", "opened_on": today().isoformat()}),
        await _send(nc, agency("section11", "submit", POLICE), {
            "agency_id": POLICE, "cycle_id": "2026-27", "answers": given, "submitted_by": PRACTITIONER,
        }),
        await _send(nc, operator("events", "propose"), {
            "assurance_event_id": "los-neglect", "activity_type": "line-of-sight", "title": "Line of sight: neglect", "theme": "neglect",
        }),
        *[await _send(nc, operator("events", "endorse"), {
            "assurance_event_id": "los-neglect", "partner_id": partner, "representative": "Director (invented)",
        }) for partner in ("north-lincolnshire-council", "north-lincolnshire-ccg", POLICE)],
        await _send(nc, operator("events", "select-case"), {"assurance_event_id": "los-neglect", "case_ref": CASE}),
        await _send(nc, operator("events", "record-case-audit"), {
            "assurance_event_id": "los-neglect", "case_ref": CASE, "agency_id": POLICE, "auditor_role": "Named nurse",
            "summary": f"Mum said {CHILD.split()[0]} (DOB {BORN[1]}) was never asked what she wanted",
        }),
        await _send(nc, operator("reviews", "open-audit-round"), {
            "audit_id": "maag-2026-11", "theme": "Neglect", "period_start": days_from_today(-30),
            "cases": [{"case_ref": CASE, "open_on": days_from_today(-240)}], "agencies": [COUNCIL],
        }),
        await _send(nc, agency("reviews", "grade-audit-case", COUNCIL), {
            "audit_id": "maag-2026-11", "case_ref": CASE, "agency_id": COUNCIL, "grade": "inadequate",
            "immediate_concern": f"{CHILD}, born {BORN[0]}, is still living with the adult named in the referral",
        }),
    ]
    assert all(reply["status"] == "accepted" for reply in sent), sent
    refused = [  # refused, answered and dead-lettered: the bytes are parked, never logged
        await _send(
            nc,
            agency("section11", "submit", POLICE),
            {"agency_id": POLICE, "cycle_id": "2026-27", "submitted_by": CHILD, "answers": {"x": CHILD}},
        ),
        await _send(nc, operator("events", "select-case"), {"assurance_event_id": "los-neglect", "case_ref": CHILD}),
        await _send(
            nc,
            operator("events", "record-case-audit"),
            {
                "assurance_event_id": "no-such-event",
                "case_ref": CASE,
                "agency_id": POLICE,
                "auditor_role": "Named nurse",
                "summary": CHILD,
            },
        ),
    ]
    assert all(reply["status"] == "refused" for reply in refused), refused
    assert CHILD not in json.dumps(refused)  # the refusals name the field, not the value


POISON = "Poisoned for the log test"


async def _fail_on_personal_data(conn: asyncpg.Connection, subjects: Subjects, nats_url: str, platform: Platform) -> None:
    """Make PostgreSQL refuse rows that hold personal data (its error's DETAIL quotes the row):
    an append the section11 service logs as an internal error, and a projection reporting
    fails on, again and again (each failure logged and recorded on its span)."""
    # The reason is sealed in the store (typed text), so the store refuses the amendment by its
    # type, once: the refused row still holds every field the service sent.
    await conn.execute("ALTER TABLE section11.events ADD CONSTRAINT poison CHECK (event_type <> 'SubmissionAmended')")
    await conn.execute(f"ALTER TABLE reporting.s11_amendments ADD CONSTRAINT poison CHECK (reason NOT LIKE '{POISON}%')")
    profile = load_builtin(PARTNERSHIP)
    told = {profile.section11.standards[0].id: {"rating": 2, "narrative": f"{CHILD} (born {BORN[0]}) was seen again", "evidence": []}}
    amend = subjects.agency_command("section11", "amend", PARTNERSHIP, POLICE)
    nc = await nats.connect(nats_url)
    try:
        body = {"agency_id": POLICE, "cycle_id": "2026-27", "answers": told, "amended_by": PRACTITIONER}
        assert (await _send(nc, amend, body | {"reason": POISON}))["error"]["code"] == "internal_error"
        await conn.execute("ALTER TABLE section11.events DROP CONSTRAINT poison")
        assert (await _send(nc, amend, body | {"reason": POISON + " (projected)"}))["status"] == "accepted"
    finally:
        await nc.close()
    log = platform.data_dir / "logs" / "reporting.log"
    await eventually(lambda: log.read_text().count("s11_amendments") >= 2, timeout=60, what="the projection to fail on it")


async def _embedded_server_log(conn: asyncpg.Connection) -> Path | None:
    """The log file of the suite's embedded PostgreSQL (`EmbeddedPostgres` keeps it beside
    its data directory); None for a server of someone else's (SCRUTINY_DATABASE_URL)."""
    if os.environ.get("SCRUTINY_DATABASE_URL"):
        return None
    log = Path(await conn.fetchval("SHOW data_directory")).parent / "pg-run" / "postgres.log"
    return log if log.exists() else None


async def test_the_logs_and_spans_of_a_run_hold_no_personal_data(logged_platform: Platform, database: str, nats_url: str) -> None:
    subjects = Subjects(logged_platform.settings.namespace)
    nc = await nats.connect(nats_url)
    try:
        await _plant(nc, subjects)
    finally:
        await nc.close()
    conn = await asyncpg.connect(database)
    server_log = await _embedded_server_log(conn)
    try:
        async def projected() -> bool:
            facts = await conn.fetchval("SELECT count(*) FROM reporting.report_facts WHERE fact = 'case-audit'")
            returns = await conn.fetchval("SELECT count(*) FROM reporting.s11_returns WHERE status <> 'due'")
            concerns = await conn.fetchval("SELECT count(*) FROM reporting.safeguarding_concerns")
            return facts == 1 and returns == 1 and concerns == 1

        await eventually(projected, timeout=120, what="the planted run projected by reporting")
        stored = await conn.fetchval("SELECT detail FROM reporting.report_facts WHERE fact = 'case-audit'")
        assert CHILD.split()[0] in stored  # the read model shows it: the data went all the way through
        await _fail_on_personal_data(conn, subjects, nats_url, logged_platform)
    finally:
        await conn.close()
    logged_platform.stop()  # each service flushes its spans as it stops

    logs = {path.name: path.read_text(errors="replace") for path in sorted((logged_platform.data_dir / "logs").glob("*.log"))}
    assert set(logs) == {"section11.log", "events.log", "reviews.log", "reporting.log"}
    if server_log is not None:  # the embedded PostgreSQL's own log, where the refused rows were
        logs["postgres.log"] = server_log.read_text(errors="replace")
        assert "violates check constraint" in logs["postgres.log"]
    everything = "\n".join(logs.values())
    assert " DEBUG " in everything and '"trace_id"' in everything  # the scan saw DEBUG logs and spans
    assert '"name": "project section11"' in everything or '"name": "project events"' in everything
    found = {value: [name for name, text in logs.items() if value.casefold() in text.casefold()] for value in PLANTED}
    assert {value: where for value, where in found.items() if where} == {}
