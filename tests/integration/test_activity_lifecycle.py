"""The lifecycle every other activity runs (issue 16 item 1), through real NATS and
PostgreSQL: North Lincolnshire's CCG quarterly assurance report planned from the profile,
slipped with its reason (sealed in the store), held, its figures received, presented to
its group with an action, its learning disseminated; reporting's lifecycle row and the
concluded record follow; the front door offers the form from the command table; an agency
lead may not send it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from shared.clock import ManualClock
from shared.roles import Role
from shared.waiting import eventually
from tests.support.people import client_for, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

ACTIVITY = "ccg-quarterly-assurance-report"
ID = "ccg-q1-2019"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2019, 4, 1, 9, 0, tzinfo=UTC))


async def ask(platform: RunningPlatform, command: str, **body: Any) -> dict[str, Any]:
    subject = platform.subjects.operator_command("events", command, PARTNERSHIP)
    return await platform.request(subject, {"request_id": str(uuid4())} | body)


async def accepted(platform: RunningPlatform, command: str, **body: Any) -> list[str]:
    reply = await ask(platform, command, **body)
    assert reply["status"] == "accepted", reply
    return [e["event_type"] for e in reply["events"]]


def on(clock: ManualClock, day: str) -> None:
    moment = date.fromisoformat(day)
    clock.set(datetime(moment.year, moment.month, moment.day, 17, tzinfo=UTC))


async def test_an_activity_runs_planned_to_disseminated(platform: RunningPlatform, clock: ManualClock) -> None:
    assert await accepted(platform, "plan-activity", assurance_event_id=ID, activity_type=ACTIVITY, due_on="2019-06-30") == [
        "ActivityPlanned"
    ]
    reason = "Provider figures late (invented)"
    assert await accepted(platform, "slip-activity", assurance_event_id=ID, to_date="2019-07-31", reason=reason) == ["ActivitySlipped"]
    bad = await ask(platform, "slip-activity", assurance_event_id=ID, to_date="2019-07-01", reason="again")
    assert bad["status"] == "refused" and bad["error"]["field"] == "to_date"
    on(clock, "2019-07-31")
    assert await accepted(platform, "hold-activity", assurance_event_id=ID, held_on="2019-07-30") == ["ActivityHeld"]
    await accepted(platform, "receive-activity-output", assurance_event_id=ID, output="figures", received_on="2019-07-31",
                   figures={"providers-assured": 7, "providers-reporting": 8})
    presented = await accepted(
        platform, "present-activity", assurance_event_id=ID, presented_on="2019-07-31", presented_by="Designated nurse",
        key_messages=["Seven of eight providers assured"],
        actions=[{"title": "Follow up the eighth provider", "owner_agency_id": "north-lincolnshire-ccg", "due_on": "2019-09-30"}],
    )
    assert presented == ["ActivityPresented", "ActionAgreed", "AssuranceEventConcluded"]
    assert await accepted(platform, "disseminate-activity", assurance_event_id=ID, method="briefing",
                          disseminated_on="2019-07-31", audiences=["Provider safeguarding leads"], reached=8) == ["ActivityDisseminated"]

    rows = await platform.pool.fetch(
        "SELECT event_type, payload::text AS payload FROM events.events WHERE stream_id = $1 ORDER BY stream_version",
        f"assurance-event:{PARTNERSHIP}:{ID}",
    )
    slipped = next(r["payload"] for r in rows if r["event_type"] == "ActivitySlipped")
    assert reason not in slipped and "personal:v1:" in slipped  # the reason is sealed
    key_messages = next(r["payload"] for r in rows if r["event_type"] == "ActivityPresented")
    assert "Seven of eight" not in key_messages

    async def projected() -> bool:
        row = await platform.pool.fetchrow(
            "SELECT status, planned_for, first_scheduled_on, scheduled_on, held_on FROM reporting.assurance_lifecycle"
            " WHERE partnership_id = $1 AND assurance_event_id = $2", PARTNERSHIP, ID,
        )
        return row is not None and row["status"] == "concluded"

    await eventually(projected, what="reporting to project the activity's conclusion")
    row = await platform.pool.fetchrow(
        "SELECT planned_for, first_scheduled_on, scheduled_on, held_on FROM reporting.assurance_lifecycle"
        " WHERE partnership_id = $1 AND assurance_event_id = $2", PARTNERSHIP, ID,
    )
    assert (row["planned_for"], row["first_scheduled_on"], row["scheduled_on"], row["held_on"]) == (
        "2019-06", date(2019, 6, 30), date(2019, 7, 31), date(2019, 7, 30))
    figures = await platform.pool.fetchval(
        "SELECT figures::text FROM reporting.assurance_events WHERE partnership_id = $1 AND assurance_event_id = $2", PARTNERSHIP, ID,
    )
    assert "providers-assured" in figures

    # each step is a fact of the record, the reasons and key messages opened for the read model
    async def facts_projected() -> dict[str, str]:
        rows = await platform.pool.fetch(
            "SELECT fact, detail FROM reporting.report_facts WHERE partnership_id = $1 AND record_id = $2", PARTNERSHIP, ID,
        )
        return {r["fact"]: r["detail"] for r in rows}

    await eventually(lambda: _has(facts_projected, "dissemination"), what="the dissemination to be a fact of the record")
    facts = await facts_projected()
    assert reason in facts["slipped"] and "Seven of eight providers assured" in facts["presented"]
    assert facts["dissemination"] == "disseminated by briefing to Provider safeguarding leads, reaching 8"


async def _has(read: Any, fact: str) -> bool:
    return fact in await read()


async def test_the_front_door_offers_the_form_to_the_business_unit_only(platform: RunningPlatform) -> None:
    unit = await client_for(platform, await make_person(platform, Role.BUSINESS_UNIT))
    lead = await client_for(platform, await make_person(platform, Role.AGENCY_LEAD, "humberside-police"))
    try:
        form = await unit.get(f"/p/{PARTNERSHIP}/do/events/plan-activity")
        assert form.status_code == 200 and 'name="due_on-day"' in form.text and 'name="activity_type"' in form.text, form.text
        assert (await lead.get(f"/p/{PARTNERSHIP}/do/events/plan-activity")).status_code == 404
    finally:
        await unit.aclose()
        await lead.aclose()
