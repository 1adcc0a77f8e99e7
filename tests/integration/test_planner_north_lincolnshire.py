"""North Lincolnshire's annual planner, November 2018 to October 2020 (Appendix 1 of
seed 000), built from the profile and the events recorded through real NATS and
PostgreSQL: what was planned, what was held, what slipped. The assurance events service
answers it for any period and as of any day; reporting shows the same planner."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from services.reporting.adapters.pages import render_dashboard
from services.reporting.adapters.read_models import ReadModels
from shared.clock import ManualClock
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

PARTNERS = ["north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"]
ISO = [{"role": "independent_scrutineer", "title": "Independent Scrutiny Officer"}]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2018, 11, 5, 9, 0, tzinfo=UTC))


async def ask(platform: RunningPlatform, command: str, **body: Any) -> dict[str, Any]:
    reply = await platform.request(
        platform.subjects.operator_command("events", command, PARTNERSHIP), {"request_id": str(uuid4())} | body
    )
    assert reply["status"] in ("accepted", "ok"), reply
    return reply


async def planned(platform: RunningPlatform, event_id: str, activity: str, month: str | None, day: str, **fields: Any) -> None:
    await ask(platform, "propose", assurance_event_id=event_id, activity_type=activity, title=f"{activity} {event_id}",
              planned_for=month, **fields)
    for partner in PARTNERS:
        if partner != fields.get("agency_id"):
            await ask(platform, "endorse", assurance_event_id=event_id, partner_id=partner, representative="Director (invented)")
    await ask(platform, "schedule", assurance_event_id=event_id, scheduled_on=day)


def on(clock: ManualClock, day: str) -> None:
    moment = date.fromisoformat(day)
    clock.set(datetime(moment.year, moment.month, moment.day, 17, tzinfo=UTC))


# The activities Appendix 1 lays out (the cadence adds slots for the others).
APPENDIX_1 = {"section-11", "thematic-assurance-event", "agency-specific-assurance-event", "line-of-sight"}


def summary(document: dict[str, Any]) -> dict[str, list[tuple[str, str, str]]]:
    return {
        m["month"]: slots for m in document["months"]
        if (slots := [(s["activity_type"], s["status"], s["detail"]) for s in m["planned"] if s["activity_type"] in APPENDIX_1])
    }


async def test_the_annual_planner_from_the_profile_and_the_events(platform: RunningPlatform, clock: ManualClock) -> None:
    # November 2018: the business unit plans the first events of the year
    await planned(platform, "thematic-neglect", "thematic-assurance-event", "2019-02", "2019-02-20", theme="neglect")
    await planned(platform, "ase-police", "agency-specific-assurance-event", "2019-03", "2019-03-20", agency_id="humberside-police")
    await planned(
        platform, "ase-emas", "agency-specific-assurance-event", "2019-04", "2019-04-24", agency_id="east-midlands-ambulance-service"
    )
    await planned(platform, "thematic-cse", "thematic-assurance-event", "2019-07", "2019-07-10", theme="child sexual exploitation")

    on(clock, "2019-02-20")
    await ask(platform, "hold", assurance_event_id="thematic-neglect", held_on="2019-02-20", panel=ISO)
    on(clock, "2019-03-20")
    await ask(platform, "hold", assurance_event_id="ase-police", held_on="2019-03-20", panel=ISO)
    on(clock, "2019-04-01")
    await ask(
        platform, "reschedule", assurance_event_id="ase-emas", scheduled_on="2019-06-12", reason="Independent Scrutiny Officer unavailable"
    )
    on(clock, "2019-05-31")  # recorded after the fact: the line of sight event of 15 May
    await ask(platform, "conclude", assurance_event_id="los-may", activity_type="line-of-sight", title="Line of sight: neglect",
              held_on="2019-05-15", theme="neglect", strengths=["Clear plans"], recorded_by="Business unit (invented)")
    on(clock, "2019-06-12")
    await ask(platform, "hold", assurance_event_id="ase-emas", held_on="2019-06-12", panel=ISO)
    on(clock, "2019-07-01")
    await ask(platform, "reschedule", assurance_event_id="thematic-cse", scheduled_on="2019-09-18", reason="Summer leave")
    on(clock, "2019-09-05")  # a pop-up case discussion, not in the plan
    await ask(platform, "conclude", assurance_event_id="popup-1", activity_type="pop-up-case-discussion", title="Pop-up case discussion",
              held_on="2019-09-04", recorded_by="Business unit (invented)")
    await ask(platform, "propose", assurance_event_id="los-oct", activity_type="line-of-sight", title="Line of sight: October",
              theme="domestic abuse", planned_for="2019-10")
    await ask(platform, "cancel", assurance_event_id="los-oct", reason="Theme not agreed", cancelled_by="Safeguarding partners")
    on(clock, "2019-10-31")

    reply = await ask(platform, "planner", start="2018-11", months=24)
    document = reply["planner"]
    assert (document["start"], document["end"], document["as_of"]) == ("2018-11", "2020-10", "2019-10-31")
    months = summary(document)
    assert months["2019-01"] == [("section-11", "elsewhere", "recorded by the service that runs it")]
    assert months["2019-02"] == [("thematic-assurance-event", "held", "")]
    assert months["2019-03"] == [("agency-specific-assurance-event", "held", "")]
    assert months["2019-04"] == [("agency-specific-assurance-event", "slipped", "held on 2019-06-12")]
    assert months["2019-05"] == [("line-of-sight", "held", "")]
    assert months["2019-06"] == [("thematic-assurance-event", "slipped", "not held")]
    assert months["2019-07"] == [("thematic-assurance-event", "slipped", "rescheduled to 2019-09-18")]
    assert months["2019-08"] == [("agency-specific-assurance-event", "slipped", "not held")]
    assert months["2019-10"] == [("line-of-sight", "due", "")]  # the cancelled event fills no slot; due this month
    assert {status for month, slots in months.items() if month >= "2019-11" for _, status, _ in slots} == {"planned", "elsewhere"}
    held = {m["month"]: [(h["activity_type"], h["planned"]) for h in m["held"]] for m in document["months"] if m["held"]}
    assert held == {
        "2019-02": [("thematic-assurance-event", True)], "2019-03": [("agency-specific-assurance-event", True)],
        "2019-05": [("line-of-sight", True)], "2019-06": [("agency-specific-assurance-event", True)],
        "2019-09": [("pop-up-case-discussion", False)],
    }
    slipped = [s["activity_type"] for m in document["months"] for s in m["slipped"] if s["activity_type"] in APPENDIX_1]
    assert slipped == [
        "agency-specific-assurance-event",
        "thematic-assurance-event",
        "thematic-assurance-event",
        "agency-specific-assurance-event",
    ]
    commitments = {c["activity_type"]: c for c in document["commitments"]}
    assert (commitments["thematic-assurance-event"]["committed"], commitments["thematic-assurance-event"]["held"]) == (3, 1)
    assert commitments["agency-specific-assurance-event"]["agencies_covered"] == ["east-midlands-ambulance-service", "humberside-police"]
    assert commitments["line-of-sight"]["committed"] == 6

    # as of a past day: what the partnership knew then
    earlier = summary((await ask(platform, "planner", start="2018-11", months=24, as_of="2019-03-31"))["planner"])
    assert earlier["2019-04"] == [("agency-specific-assurance-event", "scheduled", "2019-04-24")]
    assert earlier["2019-05"] == [("line-of-sight", "planned", "")]
    assert earlier["2019-03"] == [("agency-specific-assurance-event", "held", "")]
    # a later year, beyond the profile's planner: laid out from the cadence
    later = summary((await ask(platform, "planner", start="2020-11", months=12))["planner"])
    assert [m for m, slots in later.items() if ("line-of-sight", "planned", "") in slots] == ["2021-02", "2021-06", "2021-10"]

    bad = await platform.request(platform.subjects.operator_command("events", "planner", PARTNERSHIP), {"start": "2018-13"})
    assert bad["status"] == "refused" and bad["error"]["field"] == "start"

    # reporting shows the same planner, once it has applied every event the service recorded
    # (the cancellation of los-oct is the last: counting rows alone is already true after its proposal)
    head = await platform.count("SELECT coalesce(max(position), 0) FROM events.events")

    async def projected() -> bool:
        applied = await platform.count("SELECT position FROM reporting.checkpoints WHERE source = 'events'")
        rows = await platform.count("SELECT count(*) FROM reporting.assurance_lifecycle WHERE partnership_id = $1", PARTNERSHIP)
        held_rows = await platform.count("SELECT count(*) FROM reporting.assurance_lifecycle WHERE held_on IS NOT NULL")
        return applied >= head and rows == 7 and held_rows == 5

    await eventually(projected, what=f"reporting to apply the events service's store to position {head}")
    read_models = ReadModels(platform.pool)
    profile = platform.hosts["reporting"].partnerships.profile(PARTNERSHIP)
    view = await read_models.planner(profile, "2018-11", 24, date(2019, 10, 31))
    # reporting knows what every service did: with no Section 11 cycle closed, its slot was not held
    shown = {
        m.month: slots for m in view.months
        if (slots := [(s.activity_type, s.status, s.detail) for s in m.planned if s.activity_type in APPENDIX_1])
    }
    assert shown["2019-01"] == [("section-11", "slipped", "not held")]
    assert {k: v for k, v in shown.items() if k != "2019-01" and k != "2020-01"} == {
        k: v for k, v in months.items() if k != "2019-01" and k != "2020-01"
    }
    # the monthly MAAG audit and the yearly peer review, which Appendix 1 leaves out, are planned too
    assert {s.activity_type for s in view.planner.slots()} >= {"maag-multi-agency-audit", "peer-review", "iso-annual-report"}
    evidence = next(s for s in view.planner.slots() if s.month == "2019-02" and s.activity_type == "thematic-assurance-event").event
    assert evidence is not None and evidence.event_id and evidence.position  # every line names its event
    dashboard = await read_models.dashboard(profile, clock.now())
    assert dashboard.planner is not None and dashboard.planner.title == "November 2018 to October 2020"
    html = render_dashboard(dashboard)
    assert "Scrutiny and assurance planner: November 2018 to October 2020" in html
    assert "rescheduled to 2019-09-18" in html and "(in addition to the plan)" in html
