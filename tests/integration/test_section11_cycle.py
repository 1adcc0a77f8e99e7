"""A whole Section 11 cycle through real NATS and PostgreSQL, as agencies and the business unit use it.

Two partnerships share the platform: North Lincolnshire (the shipped profile)
and "test-shire", a copy that runs peer challenge workshops, so a return sent
to both lands in each, and each stays invisible to the other.
"""

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.clock import ManualClock
from shared.profiles import DATA_DIR, load_builtin
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.people import signed_in_headers
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform, running_platform
from tests.support.returns import answers

pytestmark = pytest.mark.integration

OTHER = "test-shire"
PROFILE = load_builtin(PARTNERSHIP)
AGENCIES = [a.id for a in PROFILE.agencies]
POLICE = "humberside-police"
HOSPITALS = "northern-lincolnshire-and-goole-hospitals"
LATE = "nlc-housing"
NEVER = "nlc-licensing"


@pytest.fixture
def other_profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((DATA_DIR / f"{PARTNERSHIP}.yaml").read_text())
    data["id"], data["name"] = OTHER, "Test-shire Safeguarding Children Partnership (invented)"
    data["section11"]["peer_challenge"] = {"within_months": 12}
    path = tmp_path / f"{OTHER}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
async def platform(
    nats_url: str, database: str, namespace: str, clock: ManualClock, other_profile: Path
) -> AsyncIterator[RunningPlatform]:
    settings = support.test_settings(nats_url, database, namespace)
    settings = settings.model_copy(update={"profiles": [PARTNERSHIP, str(other_profile)]})
    async with running_platform(settings, clock) as running:
        yield running


def accepted(reply: dict[str, Any]) -> list[str]:
    assert reply["status"] == "accepted", reply
    return [e["event_type"] for e in reply["events"]]


def refused(reply: dict[str, Any], code: str, field: str | None) -> str:
    assert reply["status"] == "refused", reply
    assert (reply["error"]["code"], reply["error"]["field"]) == (code, field), reply
    return reply["error"]["message"]


async def test_a_full_cycle_for_every_agency(platform: RunningPlatform, clock: ManualClock) -> None:
    watcher = platform.wired["section11"].watcher
    assert len(AGENCIES) >= 20
    assert accepted(await platform.open_cycle(due_on="2026-11-30")) == ["AuditCycleOpened"]
    assert accepted(await platform.open_cycle(partnership=OTHER, due_on="2026-12-15")) == ["AuditCycleOpened"]

    # A draft is saved in two goes, then submitted as it stands; drafts never reach reports.
    first_half = dict(list(answers(PROFILE).items())[:7])
    second_half = dict(list(answers(PROFILE).items())[7:])
    for part in (first_half, second_half):
        reply = await platform.command(
            "section11", "save-draft",
            {"agency_id": HOSPITALS, "cycle_id": CYCLE, "answers": part, "saved_by": "Named nurse (invented)"},
            agency=HOSPITALS,
        )
        assert accepted(reply) == ["DraftSaved"]
    reply = await platform.command(
        "section11", "submit", {"agency_id": HOSPITALS, "cycle_id": CYCLE, "submitted_by": "Named nurse (invented)"},
        agency=HOSPITALS,
    )
    assert accepted(reply) == ["SubmissionReceived"]

    # Police rate culture and challenge "requires improvement": a risk flag.
    assert accepted(await platform.submit(POLICE, {"culture-and-challenge": 2})) == ["SubmissionReceived", "RiskFlagged"]
    # An inadequate domain is the highest risk: a call-in is proposed for the events service.
    probation = "national-probation-service"
    assert probation in AGENCIES
    assert accepted(await platform.submit(probation, {"leadership-and-governance": 1})) == [
        "SubmissionReceived", "RiskFlagged", "CallInProposed",
    ]

    # One return, two partnerships: each gets its own SubmissionReceived.
    multi = "east-midlands-ambulance-service"
    reply = await platform.submit(multi, default=4, also_submit_to=[{"partnership_id": OTHER, "cycle_id": CYCLE}])
    assert accepted(reply) == ["SubmissionReceived", "SubmissionReceived"]
    assert {e["stream_id"].split(":")[1] for e in reply["events"]} == {PARTNERSHIP, OTHER}

    # Everyone else but the late one and the one that never returns submits on time.
    on_time = [a for a in AGENCIES if a not in {HOSPITALS, POLICE, probation, multi, LATE, NEVER}]
    replies = await asyncio.gather(*(platform.submit(a, default=3 + i % 2) for i, a in enumerate(on_time)))
    assert all(r["status"] == "accepted" for r in replies)

    # Reminders a week and two days before; then overdue the day after the due date.
    clock.set(clock.now().replace(year=2026, month=11, day=23, hour=10))
    reminders = await watcher.tick()
    assert sorted((e.event_type, e.event.agency_id) for e in reminders) == [
        ("SubmissionReminderSent", LATE), ("SubmissionReminderSent", NEVER),
    ]
    clock.advance(timedelta(days=8))  # 1 December: past the due date
    raised = await watcher.tick()
    assert sorted((e.event_type, e.event.agency_id) for e in raised) == [
        ("SubmissionOverdue", LATE), ("SubmissionOverdue", NEVER),
        ("SubmissionReminderSent", LATE), ("SubmissionReminderSent", NEVER),
    ]
    overdue = next(e for e in raised if e.event_type == "SubmissionOverdue")
    assert overdue.occurred_at.date().isoformat() == "2026-12-01"  # the deadline, not the tick

    # The late return is accepted and marked late.
    reply = await platform.submit(LATE)
    assert accepted(reply) == ["SubmissionReceived"]
    late = await platform.pool.fetchval(
        "SELECT payload->>'late' FROM section11.events WHERE event_id = $1::uuid", reply["events"][0]["event_id"]
    )
    assert late == "true"

    # An amendment needs a reason; the police bring culture and challenge back up: the flag clears.
    refused(
        await platform.command(
            "section11", "amend",
            {"agency_id": POLICE, "cycle_id": CYCLE, "answers": answers(PROFILE, default=3), "amended_by": "Lead"},
            agency=POLICE,
        ),
        "invalid_field", "reason",
    )
    reply = await platform.command(
        "section11", "amend",
        {
            "agency_id": POLICE, "cycle_id": CYCLE, "answers": answers(PROFILE, default=3),
            "reason": "Escalation policy re-issued and audited in October", "amended_by": "Safeguarding lead (invented)",
        },
        agency=POLICE,
    )
    assert accepted(reply) == ["SubmissionAmended", "RiskCleared"]

    # The panel moderates the hospitals' green leadership down to amber: a flag on the moderated score.
    reply = await platform.command(
        "section11", "moderate",
        {
            "agency_id": HOSPITALS, "cycle_id": CYCLE, "domain_id": "leadership-and-governance", "moderated_rating": 2,
            "rationale": "Board minutes show no safeguarding report this year", "moderated_by": "Scrutiny panel",
        },
    )
    assert accepted(reply) == ["ScoreModerated", "RiskFlagged"]

    # Practitioners disagree with a green self-score: a confidence gap.
    reply = await platform.command(
        "section11", "record-survey",
        {
            "agency_id": multi, "cycle_id": CYCLE, "survey_id": "practitioner-survey-2026",
            "statement": "I know how to escalate a concern about another agency", "agree_percent": 41,
            "respondents": 57,
        },
    )
    assert accepted(reply) == ["PractitionerSurveyRecorded", "ConfidenceGapFlagged"]

    # The cycle closes; nothing more can be submitted.
    assert accepted(await platform.command("section11", "close-cycle", {"cycle_id": CYCLE, "closed_on": "2026-12-20"})) == [
        "AuditCycleClosed"
    ]
    message = refused(await platform.submit(NEVER), "cycle_closed", "cycle_id")
    assert "closed" in message

    # Reporting: the heat map holds self and moderated scores, late returns and the gap.
    async def projected() -> bool:
        row = await platform.pool.fetchrow(
            "SELECT count(*) FILTER (WHERE status IN ('submitted', 'late')) AS received,"
            " count(*) FILTER (WHERE status = 'late') AS late, count(*) FILTER (WHERE status = 'overdue') AS overdue"
            " FROM reporting.s11_returns WHERE partnership_id = $1 AND cycle_id = $2",
            PARTNERSHIP, CYCLE,
        )
        gaps = await platform.count("SELECT count(*) FROM reporting.s11_confidence_gaps")
        cycle_closed = await platform.count("SELECT count(*) FROM reporting.s11_cycles WHERE closed_on IS NOT NULL")
        return (row["received"], row["late"], row["overdue"], gaps, cycle_closed) == (len(AGENCIES) - 1, 1, 1, 1, 1)

    await eventually(projected, timeout=20, what="reporting to show the whole cycle")
    hospital = await platform.pool.fetchrow(
        "SELECT * FROM reporting.s11_ratings WHERE agency_id = $1 AND domain_id = 'leadership-and-governance'", HOSPITALS
    )
    assert (hospital["self_rating"], hospital["moderated_rating"]) == (3, 2)
    flags = await platform.pool.fetch(
        "SELECT agency_id, domain_id, open FROM reporting.s11_risk_flags WHERE partnership_id = $1 ORDER BY raised_at, agency_id",
        PARTNERSHIP,
    )
    assert {(f["agency_id"], f["domain_id"], f["open"]) for f in flags} == {
        (POLICE, "culture-and-challenge", False),
        (probation, "leadership-and-governance", True),
        (HOSPITALS, "leadership-and-governance", True),
    }
    assert await platform.count("SELECT count(*) FROM reporting.s11_amendments") == 1

    # Each partnership sees only its own returns.
    assert await platform.count("SELECT count(*) FROM reporting.s11_submissions WHERE partnership_id = $1", OTHER) == 1
    html = await _dashboard(platform, PARTNERSHIP)
    assert "moderated; self-assessed Good (self-assessed one level higher than moderated)" in html
    assert "overdue" in html and "late" in html
    assert "only 41% of practitioners agreed" in html
    other_html = await _dashboard(platform, OTHER)
    assert "Humberside Police" in other_html  # the same agencies are listed...
    assert other_html.count("rag none") > html.count("rag none")  # ...but only one returned there


async def test_peer_challenge_workshops_follow_the_audit_where_the_profile_runs_them(platform: RunningPlatform) -> None:
    await platform.open_cycle(partnership=OTHER, due_on="2026-11-30")
    await platform.submit(POLICE, {"culture-and-challenge": 2}, partnership=OTHER)
    await platform.submit(HOSPITALS, {"culture-and-challenge": 4}, default=4, partnership=OTHER)
    reply = await platform.command(
        "section11", "close-cycle", {"cycle_id": CYCLE, "closed_on": "2027-01-10"}, partnership=OTHER
    )
    events = accepted(reply)
    assert events[0] == "AuditCycleClosed"
    workshops = await platform.pool.fetch(
        "SELECT payload FROM section11.events WHERE event_type = 'PeerChallengeWorkshopScheduled' ORDER BY position"
    )
    scheduled = [json.loads(w["payload"]) for w in workshops]
    development = [w for w in scheduled if w["purpose"] == "development"]
    assert [(w["domain_id"], w["agency_ids"], w["hold_by"]) for w in development] == [
        ("culture-and-challenge", [POLICE], "2028-01-10")
    ]
    assert {w["domain_id"] for w in scheduled if w["purpose"] == "good_practice"} == {d.id for d in PROFILE.section11.domains}
    # North Lincolnshire's profile runs no peer challenge workshops.
    await platform.open_cycle(due_on="2026-11-30")
    await platform.submit(POLICE, {"culture-and-challenge": 2})
    reply = await platform.command("section11", "close-cycle", {"cycle_id": CYCLE, "closed_on": "2027-01-10"})
    assert accepted(reply) == ["AuditCycleClosed"]


async def test_carry_forward_keeps_a_return_live_from_one_cycle_to_the_next(platform: RunningPlatform) -> None:
    await platform.open_cycle("2025-26", due_on="2026-11-30")
    await platform.submit(POLICE, {"culture-and-challenge": 2}, cycle_id="2025-26")
    await platform.open_cycle("2026-27", due_on="2026-12-30")
    carry = {"agency_id": POLICE, "cycle_id": "2026-27", "from_cycle_id": "2025-26", "saved_by": "Lead"}
    assert accepted(await platform.command("section11", "carry-forward", carry, agency=POLICE)) == ["DraftSaved"]
    # The carried draft is submitted as it stands: the old weakness is flagged again in the new cycle.
    reply = await platform.command(
        "section11", "submit", {"agency_id": POLICE, "cycle_id": "2026-27", "submitted_by": "Lead"}, agency=POLICE
    )
    assert accepted(reply) == ["SubmissionReceived", "RiskFlagged"]
    refused(
        await platform.command("section11", "carry-forward", carry | {"from_cycle_id": "2019-20"}, agency=POLICE),
        "already_submitted", "cycle_id",
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"agency_id": "acme-widgets"}, "unknown_agency", "agency_id"),
        ({"answers": {"astrology": {"rating": 3}}}, "unknown_standard", "answers.astrology"),
        ({"answers": {"lg-senior-lead": {"rating": 7}}}, "rating_off_scale", "answers.lg-senior-lead.rating"),
        ({"answers": {"lg-senior-lead": {"rating": "good"}}}, "invalid_field", "answers.lg-senior-lead.rating"),
        ({"answers": {"lg-senior-lead": {"rating": 3}}}, "missing_standard", "answers.lg-accountability"),
        ({"cycle_id": "1999-00"}, "unknown_cycle", "cycle_id"),
        (
            {"also_submit_to": [{"partnership_id": "atlantis", "cycle_id": CYCLE}]},
            "unknown_partnership",
            "also_submit_to[0].partnership_id",
        ),
        ({"also_submit_to": [{"partnership_id": OTHER, "cycle_id": "2030-31"}]}, "unknown_cycle", "also_submit_to[0].cycle_id"),
    ],
)
async def test_bad_returns_are_refused_naming_the_field_and_nothing_else_is_affected(
    platform: RunningPlatform, body: dict[str, Any], code: str, field: str
) -> None:
    await platform.open_cycle(due_on="2026-11-30")
    agency = body.get("agency_id", POLICE)
    # The subject is the agency's own: an unknown agency sends on its own subject too.
    reply = await platform.submit(agency, **body)
    refused(reply, code, field)
    assert accepted(await platform.submit(HOSPITALS)) == ["SubmissionReceived"]
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'") == 1


async def _dashboard(platform: RunningPlatform, partnership: str) -> str:
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the dashboard to listen")
    port = server.servers[0].sockets[0].getsockname()[1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/p/{partnership}/section11", headers=await signed_in_headers(platform, partnership=partnership)
    )
    return await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read().decode())
