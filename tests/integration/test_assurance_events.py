"""Assurance events through real NATS (JetStream) and PostgreSQL: the agency-specific
timeline with a missed milestone, a recused partner refused, a sixth case refused, a
thematic event from proposal to conclusion with its actions, a young inspectors star
rating, and call-ins proposed from Section 11."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest

from services.events.domain.rules import missed_from
from services.reporting.adapters.pages import render_dashboard
from services.reporting.adapters.read_models import ReadModels
from shared.catalogue.section11 import CallInProposed
from shared.clock import ManualClock
from shared.envelope import Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes
from shared.messaging.deadletters import CODE_HEADER
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

COUNCIL, CCG, POLICE = "north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"
EMAS = "east-midlands-ambulance-service"
CASES = ["case-7f3a", "case-19bd", "case-a2c4", "case-5e61", "case-c0de"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2019, 1, 7, 9, 0, tzinfo=UTC))


async def ask(platform: RunningPlatform, command: str, **body: Any) -> dict[str, Any]:
    subject = platform.subjects.operator_command("events", command, PARTNERSHIP)
    return await platform.request(subject, {"request_id": str(uuid4())} | body)


async def accepted(platform: RunningPlatform, command: str, **body: Any) -> list[str]:
    reply = await ask(platform, command, **body)
    assert reply["status"] == "accepted", reply
    return [e["event_type"] for e in reply["events"]]


async def endorse(platform: RunningPlatform, event_id: str, partners: list[str]) -> None:
    for partner in partners:
        await accepted(platform, "endorse", assurance_event_id=event_id, partner_id=partner, representative="Director (invented)")


def move(clock: ManualClock, day: date, hour: int = 9) -> None:
    clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


async def stored(platform: RunningPlatform, event_id: str) -> list[str]:
    rows = await platform.pool.fetch(
        "SELECT event_type FROM events.events WHERE stream_id = $1 ORDER BY stream_version",
        f"assurance-event:{PARTNERSHIP}:{event_id}",
    )
    return [r["event_type"] for r in rows]


async def test_an_agency_specific_timeline_with_a_missed_milestone(platform: RunningPlatform, clock: ManualClock) -> None:
    ev = "ase-emas-2019"
    assert await accepted(
        platform,
        "propose",
        assurance_event_id=ev,
        activity_type="agency-specific-assurance-event",
        title="Agency specific assurance event: ambulance service",
        agency_id=EMAS,
        planned_for="2019-04",
    ) == ["AssuranceEventProposed"]
    await endorse(platform, ev, [COUNCIL, CCG, POLICE])
    assert await accepted(platform, "schedule", assurance_event_id=ev, scheduled_on="2019-04-24") == ["AssuranceEventScheduled"]
    watcher = platform.wired["events"].watcher
    assert await watcher.tick() == []

    move(clock, date(2019, 3, 12))  # the pack goes out on time (due 13 March, six weeks before)
    await accepted(platform, "meet-milestone", assurance_event_id=ev, milestone_id="s11-pack-distributed", met_on="2019-03-12")
    move(clock, date(2019, 4, 3), 22)  # 3 April is the last day for the return, three weeks before
    assert await watcher.tick() == []
    clock.advance(timedelta(hours=2))  # past midnight: 4 April in London
    # The move also wakes the running watcher, whose tick may raise it before this one does
    # (a deadline is marked raised only once its event is stored): read it from the store.
    await watcher.tick()
    recorded = await PostgresEventStore(platform.pool, "events").read_all(after=0, limit=10_000)
    [missed] = [e for e in recorded if e.event_type == "PreparationMilestoneMissed"]
    assert missed.event_type == "PreparationMilestoneMissed"
    assert missed.occurred_at == missed_from(date(2019, 4, 3))  # when it was missed, not when it was noticed
    assert missed.event.milestone_id == "s11-pack-returned"  # type: ignore[attr-defined]
    assert await watcher.tick() == []
    assert await stored(platform, ev) == [
        "AssuranceEventProposed", "EndorsementGiven", "EndorsementGiven", "EndorsementGiven", "AssuranceEventEndorsed",
        "AssuranceEventScheduled", "PreparationMilestoneMet", "PreparationMilestoneMissed",
    ]

    async def projected() -> Any:
        return await platform.pool.fetchrow(
            "SELECT * FROM reporting.assurance_milestones WHERE assurance_event_id = $1 AND status = 'missed'", ev
        )

    row = await eventually(projected, what="the missed milestone in reporting")
    assert (row["milestone_id"], row["due_on"], row["missed_event_id"]) == ("s11-pack-returned", date(2019, 4, 3), missed.event_id)
    view = await ReadModels(platform.pool).dashboard(platform.hosts["reporting"].partnerships.profile(PARTNERSHIP), clock.now())
    assert [m.milestone_id for m in view.assurance.missed] == ["s11-pack-returned"]  # type: ignore[union-attr]
    html = render_dashboard(view)
    assert "Preparation milestones missed" in html and str(missed.event_id) in html

    # the agency returns it late: met, late; the missed record stays in the history
    move(clock, date(2019, 4, 8))
    await accepted(platform, "meet-milestone", assurance_event_id=ev, milestone_id="s11-pack-returned", met_on="2019-04-08")
    await eventually(
        lambda: platform.count("SELECT count(*) FROM reporting.assurance_milestones WHERE status = 'met-late'"),
        what="the late return in reporting",
    )


async def test_a_recused_partner_cannot_endorse_and_the_message_is_dead_lettered(platform: RunningPlatform, nats_url: str) -> None:
    ev = "ase-police-2019"
    await accepted(platform, "propose", assurance_event_id=ev, activity_type="agency-specific-assurance-event",
                   title="Agency specific assurance event: Humberside Police", agency_id=POLICE)
    reply = await ask(platform, "endorse", assurance_event_id=ev, partner_id=POLICE, representative="Assistant Chief Constable (invented)")
    assert reply["status"] == "refused"
    assert reply["error"]["code"] == "recused_partner" and reply["error"]["field"] == "partner_id"
    assert "may not endorse or take part" in reply["error"]["message"]
    bad = await ask(platform, "endorse", assurance_event_id=ev, partner_id=CCG, representative="")
    assert bad["error"]["field"] == "representative"
    await endorse(platform, ev, [COUNCIL, CCG])  # the other two are enough
    assert await stored(platform, ev) == ["AssuranceEventProposed", "EndorsementGiven", "EndorsementGiven", "AssuranceEventEndorsed"]

    nc = await nats.connect(nats_url)
    js = nc.jetstream()

    async def parked() -> list[str]:
        info = await js.stream_info(platform.subjects.deadletter_stream)
        codes = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(platform.subjects.deadletter_stream, seq)
            codes.append(msg.headers[CODE_HEADER])
        return codes if "recused_partner" in codes else []

    assert "invalid_field" in await eventually(parked, what="the refusal in the dead-letter stream")
    await nc.close()


async def test_a_line_of_sight_event_refuses_a_sixth_case(platform: RunningPlatform) -> None:
    ev = "los-neglect-2019"
    await accepted(
        platform, "propose", assurance_event_id=ev, activity_type="line-of-sight", title="Line of sight: neglect", theme="neglect"
    )
    await endorse(platform, ev, [COUNCIL, CCG, POLICE])
    for ref in CASES:
        assert await accepted(platform, "select-case", assurance_event_id=ev, case_ref=ref) == ["CaseSelected"]
    sixth = await ask(platform, "select-case", assurance_event_id=ev, case_ref="case-6b6b")
    assert sixth["error"] == {
        "code": "too_many_cases", "field": "case_ref",
        "message": "a Line of sight practice learning event considers exactly 5 cases; 5 already selected",
    }
    named = await ask(platform, "select-case", assurance_event_id=ev, case_ref="Jane Doe")
    assert named["error"]["field"] == "case_ref"  # pseudonymous references only


async def test_a_thematic_event_from_proposal_to_conclusion_raises_its_actions(platform: RunningPlatform, clock: ManualClock) -> None:
    ev = "thematic-neglect-2019"
    await accepted(
        platform,
        "propose",
        assurance_event_id=ev,
        activity_type="thematic-assurance-event",
        title="Thematic assurance event: neglect",
        theme="neglect",
        format="Case tracking and practitioner conversations",
        partner_id=CCG,
        role="safeguarding_partner",
        contributing_agencies=["nlc-childrens-social-care", "general-practitioners"],
        planned_for="2019-02",
    )
    await endorse(platform, ev, [COUNCIL, CCG, POLICE])
    await accepted(platform, "schedule", assurance_event_id=ev, scheduled_on="2019-02-20")
    move(clock, date(2019, 2, 20), 16)
    await accepted(platform, "hold", assurance_event_id=ev, held_on="2019-02-20", young_people_took_part=True, panel=[
        {"role": "independent_scrutineer", "title": "Independent Scrutiny Officer"},
        {"role": "safeguarding_partner", "title": "Head of public protection (invented)", "partner_id": POLICE},
        {"role": "agency", "title": "Named nurse (invented)", "agency_id": "northern-lincolnshire-and-goole-hospitals"},
    ])
    await accepted(
        platform, "feedback", assurance_event_id=ev, highlights=["The neglect toolkit is used well"], given_to="Contributing agencies"
    )
    found = await accepted(
        platform,
        "findings",
        assurance_event_id=ev,
        strengths=["Practitioners use the neglect toolkit"],
        areas_for_development=["Escalation between health and social care is slow"],
        actions=[
            {"title": "Agree an escalation protocol", "owner_agency_id": "nlc-childrens-social-care", "due_on": "2019-06-30"},
            {"title": "Brief GPs on neglect referrals", "owner_agency_id": "general-practitioners", "due_on": "2019-05-31"},
        ],
    )
    assert found == ["FindingsRecorded", "ActionAgreed", "ActionAgreed"]
    await accepted(
        platform, "draft-report", assurance_event_id=ev, role="independent_scrutineer", author="Independent Scrutiny Officer", summary="..."
    )
    for partner in (COUNCIL, CCG):
        assert await accepted(platform, "agree-report", assurance_event_id=ev, partner_id=partner, representative="Lead (invented)") == [
            "ReportAgreementGiven"
        ]
    last = await accepted(platform, "agree-report", assurance_event_id=ev, partner_id=POLICE, representative="Lead (invented)")
    assert last == ["ReportAgreementGiven", "AssuranceReportAgreed", "AssuranceEventConcluded"]

    actions = await platform.pool.fetch(
        "SELECT payload FROM events.events WHERE event_type = 'ActionAgreed' AND stream_id = $1 ORDER BY position",
        f"assurance-event:{PARTNERSHIP}:{ev}",
    )
    assert [a["payload"] for a in actions][0].count(ev) == 2  # linked back: its event and its derived id

    async def concluded() -> Any:
        return await platform.pool.fetchrow("SELECT * FROM reporting.assurance_events WHERE assurance_event_id = $1", ev)

    row = await eventually(concluded, what="the concluded event with its findings")
    assert row["actions"] == f'["{ev}-a1", "{ev}-a2"]'
    assert row["reports_to"] == "childrens-mars-board"
    html = render_dashboard(
        await ReadModels(platform.pool).dashboard(platform.hosts["reporting"].partnerships.profile(PARTNERSHIP), clock.now())
    )
    assert "Escalation between health and social care is slow" in html and "2 actions agreed" in html


async def test_young_inspectors_award_a_star_rating(platform: RunningPlatform, clock: ManualClock) -> None:
    ev = "yi-housing-2019"
    await accepted(
        platform,
        "propose",
        assurance_event_id=ev,
        activity_type="young-inspectors",
        title="Young inspectors: housing",
        agency_id="nlc-housing",
    )
    refused = await ask(platform, "schedule", assurance_event_id=ev, scheduled_on="2019-03-01")
    assert refused["error"]["code"] == "take_up_unconfirmed"
    # the agency answers on its own subject: it can answer only as itself
    agency_subject = platform.subjects.agency_command("events", "answer-inspection-offer", PARTNERSHIP, "nlc-housing")
    impostor = await platform.request(
        agency_subject, {"request_id": str(uuid4()), "assurance_event_id": ev, "agency_id": EMAS, "accepted": True}
    )
    assert impostor["error"]["code"] == "identity_mismatch"
    taken = await platform.request(
        agency_subject, {"request_id": str(uuid4()), "assurance_event_id": ev, "agency_id": "nlc-housing", "accepted": True}
    )
    assert taken["status"] == "accepted"
    await accepted(platform, "schedule", assurance_event_id=ev, scheduled_on="2019-03-01")
    await accepted(
        platform, "record-desktop-review", assurance_event_id=ev, completed_on="2019-01-07", covered=["website", "tenancy leaflets"]
    )
    await accepted(platform, "record-inspection-surveys", assurance_event_id=ev, staff_responses=23, service_user_responses=11)
    move(clock, date(2019, 3, 1), 15)
    await accepted(platform, "hold", assurance_event_id=ev, held_on="2019-03-01", young_people_took_part=True,
                   panel=[{"role": "young_inspectors", "title": "Young inspectors team"}])
    await accepted(platform, "findings", assurance_event_id=ev, role="young_inspectors", strengths=["Welcoming reception"],
                   areas_for_development=["Forms are hard to read"])
    off_scale = await ask(
        platform, "draft-report", assurance_event_id=ev, role="young_inspectors", author="Young inspectors team", summary="s", star_rating=7
    )
    assert off_scale["error"]["code"] == "star_rating_off_scale"
    assert await accepted(platform, "draft-report", assurance_event_id=ev, role="young_inspectors", author="Young inspectors team",
                          summary="We would give it four stars", star_rating=4) == ["AssuranceReportDrafted", "StarRatingAwarded"]
    done = await accepted(
        platform, "agree-report", assurance_event_id=ev, role="business_unit", representative="Business manager (invented)"
    )
    assert done[-1] == "AssuranceEventConcluded"

    async def rated() -> Any:
        return await platform.pool.fetchval("SELECT star_rating FROM reporting.assurance_events WHERE assurance_event_id = $1", ev)

    assert await eventually(rated, what="the star rating in reporting") == 4


async def test_call_ins_are_proposed_from_section11_once(platform: RunningPlatform) -> None:
    section11 = PostgresEventStore(platform.pool, "section11")
    event_id = UUID(int=11)

    async def flag(domain: str, ident: UUID) -> None:
        event = CallInProposed(agency_id="nlc-housing", cycle_id="2019-20", domain_id=domain, rating=1, reason=f"{domain}: Inadequate")
        meta = Metadata(partnership_id=PARTNERSHIP, actor="agency:nlc-housing", correlation_id=uuid4())
        stream = f"s11-test:{PARTNERSHIP}:nlc-housing:{domain}"
        await section11.append(stream, 0, new_envelopes(stream, 0, [event], meta, datetime(2019, 1, 7, tzinfo=UTC), [ident]))

    await flag("culture-and-challenge", event_id)
    await flag("leadership-and-governance", UUID(int=12))

    async def proposed() -> list[str]:
        types = await stored(platform, "call-in-2019-20-nlc-housing")
        return types if len(types) == 3 else []

    assert await eventually(proposed, timeout=20, what="the call-in proposed from Section 11") == [
        "AssuranceEventProposed", "CallInConcernAdded", "CallInConcernAdded",
    ]
    source = await platform.pool.fetchval(
        "SELECT payload->>'source_event_id' FROM events.events WHERE event_type = 'AssuranceEventProposed'"
        " AND stream_id = $1", f"assurance-event:{PARTNERSHIP}:call-in-2019-20-nlc-housing",
    )
    assert source == str(event_id)
    # handled again (as a redelivery would be), it appends nothing
    again = await platform.wired["events"].handlers.on_call_in_proposed(
        (await section11.read_all(after=0, limit=1))[0]
    )
    assert [e.event_type for e in again] == ["AssuranceEventProposed", "CallInConcernAdded"]
    assert len(await stored(platform, "call-in-2019-20-nlc-housing")) == 3
    await eventually(
        lambda: platform.count("SELECT count(*) FROM reporting.assurance_lifecycle WHERE activity_type = 'agency-call-in'"),
        what="the proposed call-in in reporting",
    )
