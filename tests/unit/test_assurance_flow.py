"""Assurance events through the service's handlers over the in-memory store and a manual
clock: the helpers the other assurance unit tests use, and the agency-specific event
from proposal to conclusion."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import yaml

from services.events.deadlines import deadlines_for
from services.events.domain import commands as c
from services.events.domain.state import stream_id
from services.events.handlers import EventsHandlers
from shared.catalogue import events as e
from shared.clock import ManualClock
from shared.deadlines import Deadline, Settled
from shared.envelope import Envelope, Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.london import local_day
from shared.messaging.outcomes import addressees
from shared.partnerships import Partnerships
from shared.profiles import DATA_DIR, load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

NL = "north-lincolnshire"
HUB = "hub-partnership"
PROFILE = load_builtin(NL)
COUNCIL, CCG, POLICE = "north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"
PARTNERS = [COUNCIL, CCG, POLICE]
T0 = datetime(2019, 1, 7, 9, 0, tzinfo=UTC)


def learning_hub_data() -> dict[str, Any]:
    """North Lincolnshire's profile with a learning hub run the way Hertfordshire runs it (seed 002)."""
    data = yaml.safe_load(Path(DATA_DIR, f"{NL}.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["id"] = HUB
    data["name"] = "A partnership with a learning hub"
    data["activities"].append({
        "id": "learning-hub",
        "name": "Learning hub",
        "kind": "learning_hub",
        "description": "Newsletter, local forums, survey and strategic feedback on one theme (seed 002).",
        "cadence": {"count": 2, "per_months": 12},
        "lead_role": "Independent scrutineer",
        "endorsed_by": [],
        "reports_to": "safeguarding-partners",
        "learning_hub": {
            "parts": ["newsletter", "forums", "children_and_families_views", "survey", "strategic_feedback"],
            "forums_planned": 5,
            "strategic_group": "safeguarding-partners",
            "evaluation_questions": [
                {"id": "met-objectives", "text": "The forum met its objectives"},
                {"id": "better-understanding", "text": "The forum gave me a better understanding of the theme"},
                {"id": "able-to-contribute", "text": "I felt able to fully contribute"},
                {"id": "too-short", "text": "The forum was too short"},
            ],
        },
    })
    return data


def learning_hub_profile() -> FrameworkProfile:
    return FrameworkProfile.model_validate(learning_hub_data())


class Flow:
    """Sends commands to the handlers as the gateway would, one partnership, a clock you move."""

    def __init__(self, profile: FrameworkProfile = PROFILE, start: datetime = T0) -> None:
        self.profile = profile
        self.clock = ManualClock(start)
        self.store = InMemoryEventStore("events", clock=self.clock)
        self.handlers = EventsHandlers(self.store, Partnerships({profile.id: profile}), self.clock)
        self.table = self.handlers.commands().handlers()

    def meta(self, actor: str = "business-unit") -> Metadata:
        return Metadata(partnership_id=self.profile.id, actor=actor, correlation_id=uuid4())

    async def send(self, command_type: type, **fields: Any) -> list[Envelope]:
        command = command_type.model_validate({"request_id": uuid4()} | fields)
        return await self.table[command_type](command, self.meta())  # type: ignore[operator]

    async def refused(self, command_type: type, **fields: Any) -> Refusal:
        with pytest.raises(Refusal) as raised:
            await self.send(command_type, **fields)
        return raised.value

    async def stream(self, event_id: str) -> list[Envelope]:
        return await self.store.read_stream(stream_id(self.profile.id, event_id))

    async def types(self, event_id: str) -> list[str]:
        return [envelope.event_type for envelope in await self.stream(event_id)]

    def move_to(self, day: date, hour: int = 9) -> None:
        self.clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def kinds(envelopes: list[Envelope]) -> list[str]:
    return [envelope.event_type for envelope in envelopes]


async def propose_and_endorse(flow: Flow, event_id: str, activity: str, *, endorsers: list[str] | None = None, **fields: Any) -> None:
    await flow.send(c.ProposeAssuranceEvent, assurance_event_id=event_id, activity_type=activity,
                    title=fields.pop("title", f"{activity} {event_id}"), **fields)
    for partner in endorsers if endorsers is not None else []:
        await flow.send(c.EndorseAssuranceEvent, assurance_event_id=event_id, partner_id=partner,
                        representative="Director (invented)")


# -- the agency-specific assurance event, proposal to conclusion ------------------------------


async def test_an_agency_specific_event_from_proposal_to_conclusion() -> None:
    flow = Flow()
    ev = "ase-police-2019"
    proposed = await flow.send(
        c.ProposeAssuranceEvent, assurance_event_id=ev, activity_type="agency-specific-assurance-event",
        title="Agency specific assurance event: Humberside Police", agency_id=POLICE, planned_for="2019-03",
        partner_id=CCG, role="safeguarding_partner",
    )
    [p] = [x.event for x in proposed]
    assert isinstance(p, e.AssuranceEventProposed)
    assert p.recused_partner == POLICE
    assert p.endorsers == [COUNCIL, CCG] and p.report_agreers == [COUNCIL, CCG]
    assert (p.lead_role, p.reports_to) == ("Independent Scrutiny Officer", "childrens-mars-board")

    refusal = await flow.refused(
        c.EndorseAssuranceEvent, assurance_event_id=ev, partner_id=POLICE, representative="Chief Superintendent (invented)"
    )
    assert (refusal.code, refusal.field) == ("recused_partner", "partner_id")
    assert "may not endorse or take part" in refusal.message

    not_yet = await flow.refused(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-03-20")
    assert not_yet.code == "not_endorsed" and COUNCIL in not_yet.message
    assert kinds(await flow.send(c.EndorseAssuranceEvent, assurance_event_id=ev, partner_id=COUNCIL, representative="DCS (invented)")) == [
        "EndorsementGiven"
    ]
    assert kinds(
        await flow.send(c.EndorseAssuranceEvent, assurance_event_id=ev, partner_id=CCG, representative="Director of Nursing (invented)")
    ) == ["EndorsementGiven", "AssuranceEventEndorsed"]

    [scheduled] = await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-03-20")
    assert isinstance(scheduled.event, e.AssuranceEventScheduled)
    assert [(m.milestone_id, m.due_on) for m in scheduled.event.milestones] == [
        ("s11-pack-distributed", date(2019, 2, 6)),  # six weeks before
        ("s11-pack-returned", date(2019, 2, 27)),  # three weeks before
    ]
    deadlines = deadlines_for(scheduled)
    assert [d.kind for d in deadlines if isinstance(d, Deadline)] == ["milestone:s11-pack-distributed", "milestone:s11-pack-returned"]

    flow.move_to(date(2019, 2, 5))
    [met] = await flow.send(c.RecordMilestoneMet, assurance_event_id=ev, milestone_id="s11-pack-distributed", met_on="2019-02-05")
    assert isinstance(met.event, e.PreparationMilestoneMet) and not met.event.late
    assert deadlines_for(met) == [Settled(met.stream_id, "milestone:s11-pack-distributed")]

    flow.move_to(date(2019, 3, 20), 17)
    panel = [
        {"role": "independent_scrutineer", "title": "Independent Scrutiny Officer"},
        {"role": "safeguarding_partner", "title": "Assistant Director (invented)", "partner_id": COUNCIL},
        {"role": "agency", "title": "Superintendent, public protection (invented)", "agency_id": POLICE},
    ]
    police_on_panel = await flow.refused(
        c.RecordEventHeld,
        assurance_event_id=ev,
        held_on="2019-03-20",
        panel=[*panel, {"role": "safeguarding_partner", "title": "Chief Inspector (invented)", "partner_id": POLICE}],
    )
    assert (police_on_panel.code, police_on_panel.field) == ("recused_partner", "panel[3].partner_id")
    assert kinds(
        await flow.send(c.RecordEventHeld, assurance_event_id=ev, held_on="2019-03-20", panel=panel, young_people_took_part=True)
    ) == ["AssuranceEventHeld"]

    early = await flow.refused(c.RecordFindings, assurance_event_id=ev, strengths=["x"])
    assert early.code == "feedback_missing"
    await flow.send(
        c.RecordImmediateFeedback,
        assurance_event_id=ev,
        highlights=["Strong voice of the child in custody suites"],
        given_to="Humberside Police senior leadership",
    )
    found = await flow.send(
        c.RecordFindings, assurance_event_id=ev, strengths=["Practitioners know the escalation policy"],
        areas_for_development=["Referrals from the control room lack the child's views"],
        actions=[{"title": "Add the child's views to control room referrals", "owner_agency_id": POLICE, "due_on": "2019-09-30"}],
    )
    assert kinds(found) == ["FindingsRecorded", "ActionAgreed"]
    action = found[1].event
    assert isinstance(action, e.ActionAgreed)
    assert (action.action_id, action.assurance_event_id, action.owner_agency_id) == (f"{ev}-a1", ev, POLICE)

    wrong = await flow.refused(c.DraftReport, assurance_event_id=ev, role="business_unit", author="Business manager", summary="...")
    assert (wrong.code, wrong.field) == ("wrong_role", "role")
    await flow.send(
        c.DraftReport,
        assurance_event_id=ev,
        role="independent_scrutineer",
        author="Independent Scrutiny Officer",
        summary="A good contribution to the safeguarding system",
    )
    recused_agree = await flow.refused(c.AgreeReport, assurance_event_id=ev, partner_id=POLICE, representative="ACC (invented)")
    assert recused_agree.code == "recused_partner"
    assert kinds(await flow.send(c.AgreeReport, assurance_event_id=ev, partner_id=COUNCIL, representative="DCS (invented)")) == [
        "ReportAgreementGiven"
    ]
    final = await flow.send(c.AgreeReport, assurance_event_id=ev, partner_id=CCG, representative="Director of Nursing (invented)")
    assert kinds(final) == ["ReportAgreementGiven", "AssuranceReportAgreed", "AssuranceEventConcluded"]
    agreed, concluded = final[1].event, final[2].event
    assert isinstance(agreed, e.AssuranceReportAgreed) and agreed.distribution == [POLICE]
    assert isinstance(concluded, e.AssuranceEventConcluded)
    assert concluded.held_on == date(2019, 3, 20) and concluded.actions == [f"{ev}-a1"]
    assert concluded.strengths == ["Practitioners know the escalation policy"]
    assert concluded.reports_to == "childrens-mars-board"
    after = await flow.refused(c.RecordOutcome, assurance_event_id=ev, outcome="late")
    assert after.code == "already_concluded"


async def test_a_council_service_under_scrutiny_recuses_the_council() -> None:
    flow = Flow()
    [p] = await flow.send(
        c.ProposeAssuranceEvent, assurance_event_id="ase-csc", activity_type="agency-specific-assurance-event",
        title="Children's social care", agency_id="nlc-childrens-social-care",
    )
    assert isinstance(p.event, e.AssuranceEventProposed) and p.event.recused_partner == COUNCIL
    refusal = await flow.refused(c.EndorseAssuranceEvent, assurance_event_id="ase-csc", partner_id=COUNCIL, representative="DCS (invented)")
    assert refusal.code == "recused_partner"


async def test_a_missed_milestone_is_raised_at_its_deadline_once_and_identically() -> None:
    flow = Flow()
    ev = "ase-emas"
    await propose_and_endorse(flow, ev, "agency-specific-assurance-event", endorsers=PARTNERS, agency_id="east-midlands-ambulance-service")
    [scheduled] = await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-04-24")
    returned = next(d for d in deadlines_for(scheduled) if isinstance(d, Deadline) and d.kind.endswith("returned"))
    assert returned.due_at == datetime(2019, 4, 4, 0, 0, tzinfo=returned.due_at.tzinfo)  # the day after 3 April ends
    first = await flow.handlers.on_deadline(returned)
    again = await flow.handlers.on_deadline(returned)
    assert kinds(first) == ["PreparationMilestoneMissed"] and again == first
    missed = first[0]
    assert missed.occurred_at == returned.due_at and missed.actor == "deadline-watcher"
    assert isinstance(missed.event, e.PreparationMilestoneMissed) and missed.event.agency_id == "east-midlands-ambulance-service"
    # done late: recorded as met, late
    flow.move_to(date(2019, 4, 8))
    [late] = await flow.send(c.RecordMilestoneMet, assurance_event_id=ev, milestone_id="s11-pack-returned", met_on="2019-04-08")
    assert isinstance(late.event, e.PreparationMilestoneMet) and late.event.late


async def test_rescheduling_redates_the_pending_milestones_and_cancelling_settles_them() -> None:
    flow = Flow()
    ev = "ase-rdash"
    await propose_and_endorse(
        flow, ev, "agency-specific-assurance-event", endorsers=PARTNERS, agency_id="rotherham-doncaster-and-south-humber-nhs-ft"
    )
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-04-24")
    await flow.send(c.RecordMilestoneMet, assurance_event_id=ev, milestone_id="s11-pack-distributed", met_on="2019-01-07")
    [moved] = await flow.send(c.RescheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-06-12", reason="ISO unavailable")
    assert isinstance(moved.event, e.AssuranceEventRescheduled)
    assert [(m.milestone_id, m.due_on) for m in moved.event.milestones] == [("s11-pack-returned", date(2019, 5, 22))]
    same = await flow.refused(c.RescheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-06-12", reason="again")
    assert (same.code, same.field) == ("same_date", "scheduled_on")
    [cancelled] = await flow.send(
        c.CancelAssuranceEvent, assurance_event_id=ev, reason="Agency restructure", cancelled_by="Safeguarding partners"
    )
    assert deadlines_for(cancelled) == [Settled(cancelled.stream_id, "milestone:s11-pack-returned")]
    assert (await flow.refused(c.ScheduleAssuranceEvent, assurance_event_id=ev, scheduled_on="2019-07-01")).code == "cancelled"


async def test_a_thematic_event_names_its_theme_and_distributes_to_contributing_agencies() -> None:
    flow = Flow()
    no_theme = await flow.refused(
        c.ProposeAssuranceEvent, assurance_event_id="t-1", activity_type="thematic-assurance-event", title="Thematic"
    )
    assert (no_theme.code, no_theme.field) == ("theme_required", "theme")
    section11 = await flow.refused(c.ProposeAssuranceEvent, assurance_event_id="t-2", activity_type="section-11", title="S11")
    assert section11.code == "not_an_assurance_event"
    await propose_and_endorse(flow, "t-3", "thematic-assurance-event", endorsers=PARTNERS, theme="neglect",
                              contributing_agencies=["nlc-childrens-social-care", "general-practitioners"])
    [scheduled] = await flow.send(c.ScheduleAssuranceEvent, assurance_event_id="t-3", scheduled_on="2019-02-20")
    # the contributing agencies hear the date as outcomes (issue 16 item 5)
    assert addressees(scheduled.event_type, scheduled.event.model_dump(mode="json")) == [
        "nlc-childrens-social-care",
        "general-practitioners",
    ]
    flow.move_to(date(2019, 2, 20))
    await flow.send(c.RecordEventHeld, assurance_event_id="t-3", held_on="2019-02-20", panel=[
        {"role": "independent_scrutineer", "title": "ISO"},
        {"role": "agency", "title": "Named nurse (invented)", "agency_id": "northern-lincolnshire-and-goole-hospitals"},
    ])
    await flow.send(
        c.RecordImmediateFeedback, assurance_event_id="t-3", highlights=["Neglect toolkit well used"], given_to="Contributing agencies"
    )
    await flow.send(c.RecordFindings, assurance_event_id="t-3", strengths=["Toolkit"], areas_for_development=["Escalation"])
    await flow.send(c.DraftReport, assurance_event_id="t-3", role="independent_scrutineer", author="ISO", summary="s")
    for partner in PARTNERS:
        done = await flow.send(c.AgreeReport, assurance_event_id="t-3", partner_id=partner, representative="Lead (invented)")
    agreed = done[1].event
    assert isinstance(agreed, e.AssuranceReportAgreed)
    assert agreed.distribution == ["nlc-childrens-social-care", "general-practitioners", "northern-lincolnshire-and-goole-hospitals"]
    # the agreed report reaches each agency concerned as an outcome
    assert addressees(done[1].event_type, agreed.model_dump(mode="json")) == agreed.distribution


def test_scheduled_and_agreed_events_recorded_before_they_named_agencies_still_read() -> None:
    from shared.catalogue import upcast

    v1 = upcast("AssuranceEventScheduled", 1, {"assurance_event_id": "x", "scheduled_on": "2019-02-20", "milestones": []})
    assert (v1["agency_id"], v1["agency_ids"]) == (None, [])
    agreed = upcast("AssuranceReportAgreed", 1, {"assurance_event_id": "x", "version": 1, "reports_to": "g"})
    assert e.AssuranceReportAgreed.model_validate(agreed).agency_ids == []


def test_the_table_names_every_command_once() -> None:
    flow = Flow()
    assert len(flow.table) == 36  # and the watcher's MarkMilestoneMissed, on no subject
    assert len(set(flow.table.values())) == 36


def test_dates_are_london_days() -> None:
    from services.events.domain.rules import missed_from

    assert local_day(datetime(2019, 6, 30, 23, 30, tzinfo=UTC)) == date(2019, 7, 1)  # BST
    assert missed_from(date(2019, 6, 30)).astimezone(UTC) == datetime(2019, 6, 30, 23, 0, tzinfo=UTC)
    assert missed_from(date(2019, 1, 31)) - missed_from(date(2019, 1, 30)) == timedelta(days=1)
