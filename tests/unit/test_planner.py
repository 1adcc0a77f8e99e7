"""The annual planner: a pure function of the profile, the period and the events' state."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.events.domain import commands as c
from services.events.entrypoints.nats import planner_document
from shared.planner import EventFacts, Planner, build_planner, planner_year
from tests.unit.test_assurance_flow import PARTNERS, PROFILE, Flow, propose_and_endorse

APPENDIX_1 = {
    "2019-01": ["Section 11 self-assessment (including signatures of risk framework)"],
    "2019-02": ["Thematic assurance event"],
    "2019-03": ["Agency specific assurance event"],
    "2019-04": ["Agency specific assurance event"],
    "2019-05": ["Line of sight practice learning event"],
    "2019-06": ["Thematic assurance event"],
    "2019-07": ["Thematic assurance event"],
    "2019-08": ["Agency specific assurance event"],
    "2019-10": ["Line of sight practice learning event"],
    "2020-01": ["Section 11 self-assessment (including signatures of risk framework)"],
    "2020-02": ["Line of sight practice learning event"],
    "2020-03": ["Agency specific assurance event"],
    "2020-04": ["Thematic assurance event"],
    "2020-05": ["Agency specific assurance event"],
    "2020-06": ["Line of sight practice learning event"],
    "2020-07": ["Agency specific assurance event"],
    "2020-08": ["Agency specific assurance event"],
    "2020-10": ["Line of sight practice learning event"],
}


APPENDIX_ACTIVITIES = {e.activity for e in PROFILE.planner}


def statuses(planner: Planner) -> dict[str, list[tuple[str, str]]]:
    """The slots of the activities Appendix 1 names (the cadence adds the others')."""
    return {
        m.month: slots for m in planner.months
        if (slots := [(s.activity_type, s.status) for s in m.planned if s.activity_type in APPENDIX_ACTIVITIES])
    }


def test_with_no_events_the_planner_is_appendix_1() -> None:
    planner = build_planner(PROFILE, "2018-11", 24, [], date(2018, 11, 1))
    assert (planner.start, planner.end) == ("2018-11", "2020-10")
    assert [m.month for m in planner.months][:3] == ["2018-11", "2018-12", "2019-01"]
    named = [s for s in planner.slots() if s.activity_type in APPENDIX_ACTIVITIES]
    assert {
        m.month: [s.activity_name for s in m.planned if s in named] for m in planner.months if any(s in named for s in m.planned)
    } == APPENDIX_1
    assert all(s.source == "planner" for s in named)
    # Section 11 is run by another service: with no word from it, shown, never counted as slipped
    assert {s.status for s in named if s.activity_type == "section-11"} == {"elsewhere"}
    assert {s.status for s in named if s.activity_type != "section-11"} == {"planned"}
    assert "indicative" in planner.note


def test_the_activities_appendix_1_leaves_out_are_laid_out_from_their_cadence() -> None:
    planner = build_planner(PROFILE, "2018-11", 24, [], date(2018, 11, 1))
    by_activity: dict[str, list[str]] = {}
    for slot in planner.slots():
        by_activity.setdefault(slot.activity_type, []).append(slot.month)
    assert len(by_activity["maag-multi-agency-audit"]) == 24  # monthly
    assert len(by_activity["peer-review"]) == 2 and len(by_activity["iso-annual-report"]) == 2  # yearly
    assert len(by_activity["ccg-quarterly-assurance-report"]) == 8  # quarterly
    # more often than monthly (every day): one slot a month, saying how often
    pacesetter = [s for s in planner.slots() if s.activity_type == "police-pacesetter-meetings"]
    assert len(pacesetter) == 24 and pacesetter[0].note == "365 every 12 months"
    # this month's is due, the rest planned; every activity, as required or not, has a commitment row
    assert {s.status for s in planner.slots() if s.month == "2018-11" and s.activity_type == "maag-multi-agency-audit"} == {"elsewhere"}
    assert {s.status for s in planner.slots() if s.month == "2018-11" and s.activity_type == "ccg-provider-quarterly-performance"} == set()
    assert {c.activity_type for c in planner.commitments} == {a.id for a in PROFILE.activities}


def test_cadences_monthly_to_every_two_years_and_the_year_after() -> None:
    from shared.profiles import load_builtin

    somerset = load_builtin("somerset")
    months = {}
    for year in (2025, 2026):
        planner = build_planner(somerset, f"{year}-01", 12, [], date(year, 1, 1), other_held=[])
        for slot in planner.slots():
            months.setdefault(slot.activity_type, []).append(slot.month)
    assert months["section-11-audit"] == ["2025-12"]  # every two years
    assert months["section-11-peer-review-workshops"] == ["2026-12"]  # the year after
    assert months["data-dashboard"] == ["2025-03", "2025-06", "2025-09", "2025-12", "2026-03", "2026-06", "2026-09", "2026-12"]
    assert len(months["family-follow-up-calls"]) == 24  # six a quarter: a slot a month
    assert months["twelve-monthly-report"] == ["2025-12", "2026-12"]


def test_with_every_services_facts_each_slot_is_held_slipped_missed_or_due() -> None:
    from shared.profiles import load_builtin

    somerset = load_builtin("somerset")
    events = [
        facts("dash-q1", "data-dashboard", "concluded", planned_for="2025-03", first_scheduled_on=date(2025, 3, 31),
              scheduled_on=date(2025, 3, 31), held_on=date(2025, 3, 28)),
        facts("dash-q2", "data-dashboard", "missed", planned_for="2025-06", first_scheduled_on=date(2025, 6, 30),
              scheduled_on=date(2025, 6, 30)),
    ]
    planner = build_planner(somerset, "2025-01", 12, events, date(2025, 12, 10),
                            other_held=[("multi-agency-audits", date(2025, 3, 20)), ("section-11-audit", date(2025, 12, 5))])
    slot = {(s.month, s.activity_type): s for s in planner.slots()}
    assert slot[("2025-03", "data-dashboard")].status == "held"
    assert slot[("2025-06", "data-dashboard")].status == "missed"
    assert slot[("2025-09", "data-dashboard")].status == "slipped"
    assert slot[("2025-12", "data-dashboard")].status == "due"
    assert slot[("2025-03", "multi-agency-audits")].status == "held"  # the reviews service's round
    assert (slot[("2025-06", "multi-agency-audits")].status, slot[("2025-06", "multi-agency-audits")].detail) == ("slipped", "not held")
    assert slot[("2025-12", "section-11-audit")].status == "held"


def facts(event_id: str, activity: str, status: str, **dates: object) -> EventFacts:
    return EventFacts(assurance_event_id=event_id, activity_type=activity, title=event_id, status=status, **dates)  # type: ignore[arg-type]


def test_planned_held_and_slipped() -> None:
    events = [
        facts("thematic-neglect", "thematic-assurance-event", "concluded", held_on=date(2019, 2, 20)),
        facts(
            "ase-police",
            "agency-specific-assurance-event",
            "concluded",
            agency_id="humberside-police",
            planned_for="2019-03",
            first_scheduled_on=date(2019, 3, 20),
            scheduled_on=date(2019, 3, 20),
            held_on=date(2019, 3, 20),
        ),
        facts(
            "ase-emas",
            "agency-specific-assurance-event",
            "held",
            agency_id="east-midlands-ambulance-service",
            first_scheduled_on=date(2019, 4, 24),
            scheduled_on=date(2019, 6, 12),
            held_on=date(2019, 6, 12),
        ),
        facts(
            "los-1",
            "line-of-sight",
            "concluded",
            first_scheduled_on=date(2019, 5, 15),
            scheduled_on=date(2019, 5, 15),
            held_on=date(2019, 5, 15),
        ),
        facts(
            "thematic-cse", "thematic-assurance-event", "scheduled", first_scheduled_on=date(2019, 7, 10), scheduled_on=date(2019, 9, 18)
        ),
        facts("popup-1", "pop-up-case-discussion", "concluded", first_scheduled_on=date(2019, 4, 2), held_on=date(2019, 4, 2)),
        facts("cancelled", "line-of-sight", "cancelled", first_scheduled_on=date(2019, 10, 9)),
    ]
    planner = build_planner(PROFILE, "2018-11", 24, events, date(2019, 8, 15))
    by_month = {m.month: m for m in planner.months}
    slot = {(s.month, s.activity_type): s for s in planner.slots()}

    assert slot[("2019-02", "thematic-assurance-event")].status == "held"
    assert slot[("2019-03", "agency-specific-assurance-event")].event.assurance_event_id == "ase-police"  # type: ignore[union-attr]
    april = slot[("2019-04", "agency-specific-assurance-event")]
    assert (april.status, april.detail) == ("slipped", "held on 2019-06-12")
    assert [s.activity_type for s in by_month["2019-04"].slipped if s.activity_type in APPENDIX_ACTIVITIES] == [
        "agency-specific-assurance-event"
    ]
    assert slot[("2019-05", "line-of-sight")].status == "held"
    june = slot[("2019-06", "thematic-assurance-event")]
    assert (june.status, june.detail) == ("slipped", "not held")
    july = slot[("2019-07", "thematic-assurance-event")]
    assert (july.status, july.detail, july.event.assurance_event_id) == ("slipped", "rescheduled to 2019-09-18", "thematic-cse")  # type: ignore[union-attr]
    assert slot[("2019-08", "agency-specific-assurance-event")].status == "due"  # this month: not yet slipped
    assert slot[("2019-10", "line-of-sight")].status == "planned"  # the cancelled event fills nothing
    # held, month by month, planned or not
    assert [(h.activity_type, h.planned) for h in by_month["2019-04"].held] == [("pop-up-case-discussion", False)]
    assert [h.event.assurance_event_id for h in by_month["2019-06"].held] == ["ase-emas"]  # type: ignore[union-attr]

    commitment = {x.activity_type: x for x in planner.commitments}
    thematic = commitment["thematic-assurance-event"]
    assert (thematic.cadence, thematic.committed, thematic.planned, thematic.held, thematic.slipped) == ("3 every 24 months", 3, 4, 1, 2)
    agency = commitment["agency-specific-assurance-event"]
    assert agency.committed == 15 and agency.cadence.endswith("for each Section 11 agency")
    assert agency.agencies_covered == ["east-midlands-ambulance-service", "humberside-police"]
    assert len(agency.agencies_due or []) == 13
    assert commitment["line-of-sight"].committed == 6
    assert commitment["pop-up-case-discussion"].committed is None  # as required


def test_beyond_the_profiles_planner_the_cadence_lays_it_out() -> None:
    planner = build_planner(PROFILE, "2020-11", 12, [], date(2020, 11, 1))
    assert all(s.source == "cadence" for s in planner.slots())
    months = statuses(planner)
    assert [m for m, slots in months.items() if ("line-of-sight", "planned") in slots] == ["2021-02", "2021-06", "2021-10"]
    assert [m for m, slots in months.items() if ("thematic-assurance-event", "planned") in slots] == ["2021-06"]
    agency_months = [
        m
        for m, slots in months.items()
        if {("agency-specific-assurance-event", "planned"), ("agency-specific-assurance-event", "due")} & set(slots)
    ]
    assert ("agency-specific-assurance-event", "due") in months["2020-11"]  # this month's
    assert agency_months == ["2020-11", "2021-01", "2021-02", "2021-04", "2021-06", "2021-07", "2021-09", "2021-10"]
    assert ("section-11", "elsewhere") in months["2021-10"]
    assert {s.source for s in planner.slots()} == {"cadence"}


def test_a_period_across_the_planner_and_beyond_uses_each_where_it_applies() -> None:
    planner = build_planner(PROFILE, "2020-05", 12, [], date(2020, 5, 1))
    sources = {s.month: s.source for s in planner.slots() if s.activity_type in APPENDIX_ACTIVITIES}
    assert sources["2020-05"] == "planner" and sources["2021-02"] == "cadence"


def test_the_planner_year_a_dashboard_shows() -> None:
    assert planner_year(PROFILE, date(2019, 8, 15)) == ("2018-11", 24)
    assert planner_year(PROFILE, date(2026, 3, 1)) == ("2025-11", 12)
    assert planner_year(PROFILE, date(2026, 11, 2)) == ("2026-11", 12)
    plain = PROFILE.model_copy(update={"planner_period": None})
    assert planner_year(plain, date(2026, 3, 1)) == ("2026-01", 12)


def test_section11_returns_from_another_service_show_as_held() -> None:
    planner = build_planner(PROFILE, "2018-11", 24, [], date(2020, 11, 1), other_held=[("section-11", date(2019, 1, 28))])
    slot = {(s.month, s.activity_type): s for s in planner.slots()}
    assert slot[("2019-01", "section-11")].status == "held"
    assert slot[("2020-01", "section-11")].status == "slipped"  # reporting knows every service's facts: not held


async def test_the_service_builds_the_planner_as_of_any_day_from_its_events() -> None:
    flow = Flow(start=datetime(2018, 12, 3, 9, tzinfo=UTC))
    await propose_and_endorse(
        flow, "thematic-neglect", "thematic-assurance-event", endorsers=PARTNERS, theme="neglect", planned_for="2019-02"
    )
    await flow.send(c.ScheduleAssuranceEvent, assurance_event_id="thematic-neglect", scheduled_on="2019-02-20")
    flow.move_to(date(2019, 2, 20), 16)
    await flow.send(
        c.RecordEventHeld,
        assurance_event_id="thematic-neglect",
        held_on="2019-02-20",
        panel=[{"role": "independent_scrutineer", "title": "ISO"}],
    )
    flow.move_to(date(2019, 4, 1))
    query = c.ShowPlanner(start="2018-11", months=24)
    now = await flow.handlers.planner(query, PROFILE.id)
    before = await flow.handlers.planner(c.ShowPlanner(start="2018-11", months=24, as_of=date(2019, 2, 19)), PROFILE.id)
    february = lambda p: next(s for s in p.slots() if s.month == "2019-02" and s.activity_type == "thematic-assurance-event")  # noqa: E731
    assert (february(now).status, february(before).status) == ("held", "scheduled")
    assert now.as_of == date(2019, 4, 1)
    [held] = [e for e in await flow.stream("thematic-neglect") if e.event_type == "AssuranceEventHeld"]
    evidence = february(now).event
    assert evidence is not None and (evidence.event_id, evidence.position) == (str(held.event_id), held.position)
    document = planner_document(now)
    feb = next(m for m in document["months"] if m["month"] == "2019-02")
    thematic = [x for x in feb["planned"] if x["activity_type"] == "thematic-assurance-event"]
    assert thematic[0]["status"] == "held" and feb["held"][0]["held_on"] == "2019-02-20"
    assert [x for x in feb["slipped"] if x["activity_type"] in APPENDIX_ACTIVITIES] == []
    march = next(m for m in document["months"] if m["month"] == "2019-03")
    assert march["slipped"][0]["detail"] == "not held"


async def test_events_recorded_after_the_fact_keep_their_ids() -> None:
    flow = Flow(start=datetime(2019, 9, 5, 9, tzinfo=UTC))
    for event_id, activity in (("los-may", "line-of-sight"), ("popup-1", "pop-up-case-discussion")):
        await flow.send(c.ConcludeAssuranceEvent, assurance_event_id=event_id, activity_type=activity, title=event_id,
                        held_on="2019-05-15" if activity == "line-of-sight" else "2019-09-04", recorded_by="Business unit")
    planner = await flow.handlers.planner(c.ShowPlanner(start="2018-11", months=24), PROFILE.id)
    held = {h.event.assurance_event_id: h.planned for m in planner.months for h in m.held if h.event}
    assert held == {"los-may": True, "popup-1": False}
