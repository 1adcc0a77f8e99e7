"""A learning hub cycle (seed 002) through real NATS and PostgreSQL, on Hertfordshire's
profile served beside North Lincolnshire's: newsletter, forums with attendance, the
survey and its responses, the evaluation's figures, strategic feedback and feedback to
practitioners; reporting shows the concluded cycle with its figures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from services.reporting.adapters.pages import render_dashboard
from services.reporting.adapters.read_models import ReadModels
from shared.clock import ManualClock
from shared.waiting import eventually
from tests.support import platform as support
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform

HUB = "hertfordshire"

pytestmark = pytest.mark.integration


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2019, 1, 14, 9, 0, tzinfo=UTC))


@pytest.fixture
async def hub_platform(nats_url: str, database: str, namespace: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    settings = support.test_settings(nats_url, database, namespace).model_copy(update={"profiles": [PARTNERSHIP, HUB]})
    async with running_platform(settings, clock) as running:
        yield running


async def step(platform: RunningPlatform, command: str, **body: Any) -> list[str]:
    subject = platform.subjects.operator_command("events", command, HUB)
    reply = await platform.request(subject, {"request_id": str(uuid4()), "assurance_event_id": "hub-knife-crime"} | body)
    assert reply["status"] == "accepted", reply
    return [e["event_type"] for e in reply["events"]]


async def test_a_learning_hub_cycle_with_its_figures(hub_platform: RunningPlatform, clock: ManualClock) -> None:
    p = hub_platform
    await step(
        p,
        "propose",
        activity_type="learning-hub",
        title="Learning hub: gangs and knife crime",
        theme="gangs and knife crime",
        planned_for="2019-02",
    )
    await step(p, "schedule", scheduled_on="2019-02-04")
    clock.set(datetime(2019, 2, 4, 10, tzinfo=UTC))
    await step(
        p,
        "issue-newsletter",
        issued_on="2019-02-04",
        pages=6,
        sections=[
            "The problem of gangs and knife crime",
            "The local picture",
            "The impact on young people and vulnerable adults",
            "Examples and resources",
        ],
        contributors=["Police", "Targeted youth support", "Young people", "Voluntary organisations"],
        distributed_to=["Partnership mailing lists"],
    )
    await step(p, "send-survey", sent_on="2019-02-04", recipients=395)
    clock.set(datetime(2019, 3, 1, 17, tzinfo=UTC))
    forums = [
        ("North", "2019-02-25", 52),
        ("South", "2019-02-26", 41),
        ("East", "2019-02-27", 47),
        ("West", "2019-02-28", 44),
        ("Central", "2019-03-01", 41),
    ]
    first = await step(p, "record-forum", forum=forums[0][0], held_on=forums[0][1], attendance=forums[0][2], waiting_list=True)
    assert first == ["LearningForumHeld", "AssuranceEventHeld"]
    for forum, day, attendance in forums[1:]:
        await step(p, "record-forum", forum=forum, held_on=day, attendance=attendance, waiting_list=True)
    await step(p, "record-views", gathered_on="2019-02-15", young_people=4, method="Focus group supported by youth workers",
               themes=["Worry from the news", "It depends where you hang out"])
    await step(p, "record-survey-responses", responses=33)
    await step(p, "record-evaluation", completed_percent=17,
               agreed_percent={"met-objectives": 90, "better-understanding": 92, "able-to-contribute": 87, "too-short": 38})
    await step(p, "findings", strengths=["Every forum had a waiting list", "55 new contacts for the partnership database"],
               areas_for_development=["Branding of the forums", "Only 17% completed the post-event evaluation"])
    await step(p, "present-strategic-feedback", presented_on="2019-03-01",
               summary="Themes: information sharing, communication, funding and capacity, partnership working")
    done = await step(
        p,
        "feed-back-to-practitioners",
        fed_back_on="2019-03-01",
        actions_taken=["Referral pathways published"],
        actions=[
            {
                "title": "Publish referral pathways for gangs and knife crime",
                "owner_agency_id": "hcc-childrens-services",
                "due_on": "2019-06-30",
            }
        ],
    )
    assert done == ["PractitionersToldOfActions", "ActionAgreed", "AssuranceEventConcluded"]

    async def concluded() -> Any:
        return await p.pool.fetchrow(
            "SELECT * FROM reporting.assurance_events WHERE partnership_id = $1 AND assurance_event_id = 'hub-knife-crime'", HUB
        )

    row = await eventually(concluded, what="the learning hub concluded in reporting")
    figures = json.loads(row["figures"])
    assert (figures["forums_held"], figures["attendance"], figures["survey_recipients"], figures["survey_responses"]) == (5, 225, 395, 33)
    assert (figures["met-objectives_percent"], figures["evaluation_completed_percent"]) == (90, 17)
    assert row["held_on"] == date(2019, 2, 25)

    profile = p.hosts["reporting"].partnerships.profile(HUB)
    html = render_dashboard(await ReadModels(p.pool).dashboard(profile, clock.now()))
    assert "Attendance: 225" in html and "Met objectives percent: 90" in html
    planner = await ReadModels(p.pool).planner(profile, "2018-11", 12, date(2019, 3, 1))
    assert [h.event.assurance_event_id for m in planner.months for h in m.held if h.event] == ["hub-knife-crime"]
