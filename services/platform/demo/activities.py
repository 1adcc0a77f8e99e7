"""The demo's every other activity (issue 16): each activity of the profile that runs the
events service's lifecycle for activities (neither one of the nine assurance-event kinds
nor run by another service) occurs at its cadence through the year, as dated steps.

The events service's planner says which months each one falls in (its cadence, monthly
to every two years, "the year after"); an activity held as required occurs once. Each
occurrence of a month gone by is planned (due on the month's last working day), held in
its month, its output received (figures for a dashboard, exception report or feedback,
a report otherwise), presented to the group it reports to with a level of assurance and
its key messages, and disseminated to the audiences the profile names; one slips to the
month after (with its reason) and one is missed (with its reason); one raises an action
from its presentation. This month's occurrences are planned and due.

The steps are dated (`Step.on`) and played in date order, so they can be interleaved
with the other chapters' steps when the year is played on a moving clock."""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.platform.demo.story import Story, plural
from shared.planner import RUN_ELSEWHERE, RUN_HERE
from shared.profiles.activities import ActivityType

FIGURES = {"data_dashboard", "exception_report", "family_feedback"}
PRESENTER = "Partnership business unit manager (invented)"
DEFAULT_AUDIENCE = "Practitioners across the partnership"


@dataclass(frozen=True)
class Step:
    """One command of the story, on the day it happens."""

    on: date
    key: str
    command: str
    body: dict[str, Any]
    service: str = "events"


@dataclass
class ActivityFacts:
    planned: list[str] = field(default_factory=list)
    presented: list[str] = field(default_factory=list)
    slipped: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    due: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    activities: set[str] = field(default_factory=set)
    reports_presented: list[str] = field(default_factory=list)
    reports_missed: list[str] = field(default_factory=list)


def own_lifecycle(activity: ActivityType) -> bool:
    """The activities the events service runs through its lifecycle for activities."""
    return activity.kind not in RUN_HERE and activity.kind not in RUN_ELSEWHERE


def _month_end(story: Story, month: str) -> date:
    first = date(int(month[:4]), int(month[5:]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return story.working_on_or_before(following - timedelta(days=1))


async def _occurrences(story: Story) -> list[tuple[str, ActivityType]]:
    """(month, activity) of each occurrence in the year: the planner's slots, and one for
    each activity held as required (which fills no slot)."""
    profile = story.profile
    planner = await story.platform.planner(story.month(-11), 12, story.until)
    slots = [
        (slot["month"], profile.activity(slot["activity_type"]))
        for month in planner["months"]
        for slot in month["planned"]
        if own_lifecycle(profile.activity(slot["activity_type"]))
    ]
    rng = story.rng("activities/as-required")
    for activity in profile.activities:
        if own_lifecycle(activity) and activity.cadence.as_required:
            slots.append((story.month(-rng.randint(1, 10)), activity))
    return sorted(slots, key=lambda s: (s[0], s[1].id))


def _occurrence_steps(
    story: Story, oid: str, month: str, activity: ActivityType, rng: random.Random, fate: str, facts: ActivityFacts
) -> Iterator[Step]:
    """The steps of one occurrence: `fate` is held, slipped, missed or due."""
    profile = story.profile
    due_on = _month_end(story, month)
    planned_on = min(date(int(month[:4]), int(month[5:]), 1), story.until)
    yield Step(planned_on - timedelta(days=14) if planned_on - timedelta(days=14) >= story.starts else story.starts,
               f"activities/{oid}/plan", "plan-activity",
               {"assurance_event_id": oid, "activity_type": activity.id, "due_on": due_on})
    facts.planned.append(oid)
    if fate == "due":
        facts.due.append(oid)
        return
    if fate == "missed":
        yield Step(min(due_on, story.until), f"activities/{oid}/miss", "miss-activity",
                   {"assurance_event_id": oid, "reason": "The lead was on long-term leave and no cover was found (invented)"})
        facts.missed.append(oid)
        return
    held_month = month
    if fate == "slipped":
        held_month = _next(month)
        later = _month_end(story, held_month)
        yield Step(due_on, f"activities/{oid}/slip", "slip-activity",
                   {"assurance_event_id": oid, "to_date": later, "reason": "Figures from one agency arrived late (invented)"})
        facts.slipped.append(oid)
    held_on = story.day_in(held_month, rng)
    yield Step(held_on, f"activities/{oid}/hold", "hold-activity", {"assurance_event_id": oid, "held_on": held_on})
    output: dict[str, Any] = {"assurance_event_id": oid, "received_on": held_on}
    if activity.kind in FIGURES:
        output |= {"output": "figures", "figures": {"returned": rng.randint(6, 12), "of-which-of-concern": rng.randint(0, 3)}}
    else:
        output |= {"output": "report", "summary": f"The {activity.name} for {held_month} (invented for the demo)."}
    if activity.report_required or activity.kind in FIGURES:
        yield Step(held_on, f"activities/{oid}/output", "receive-activity-output", output)
    levels = [level.id for level in profile.reporting.assurance_levels]
    present: dict[str, Any] = {
        "assurance_event_id": oid, "presented_on": held_on, "presented_by": PRESENTER,
        "assurance_level": levels[min(len(levels) - 1, rng.randint(0, 2))],
        "key_messages": ["Most of what was looked at is as it should be", "One area needs follow-up"],
    }
    if not facts.actions:
        owner = story.lead_agencies()[0]
        present["actions"] = [{"title": f"Follow up the {activity.name.lower()}", "owner_agency_id": owner.id,
                               "due_on": held_on + timedelta(days=60)}]
        facts.actions.append(f"{oid}-a1")
    yield Step(held_on, f"activities/{oid}/present", "present-activity", present)
    facts.presented.append(oid)
    audiences = [] if activity.dissemination else [DEFAULT_AUDIENCE]
    yield Step(held_on, f"activities/{oid}/disseminate", "disseminate-activity",
               {"assurance_event_id": oid, "method": "bulletin", "disseminated_on": held_on, "audiences": audiences,
                "reached": rng.randint(40, 400)})


def _rolling_report_steps(story: Story, rng: random.Random, facts: ActivityFacts) -> Iterator[Step]:
    """Each report the profile schedules, presented to each group that receives it in the
    months it is due this year (its due months, else its cadence's); the first due in the
    year's second month is missed instead, with its reason."""
    levels = [level.id for level in story.profile.reporting.assurance_levels]
    months = [story.month(-offset) for offset in range(11, 0, -1)]  # the year's months gone by
    missing = True
    for report in story.profile.reporting.rolling_reports:
        cadence = report.cadence
        if cadence.as_required or not cadence.count:
            continue
        if report.due_months:
            due = [m for m in months if int(m[5:]) in report.due_months]
        else:
            every = max(1, cadence.per_months // cadence.count)
            due = months[every - 1::every] if every <= len(months) else []
        for month in due:
            for group in report.received_by:
                pid = f"{report.id}-{month}-{group}"
                key = {"report_id": report.id, "due_month": month, "group_id": group}
                if missing and month == months[1]:
                    missing = False
                    facts.reports_missed.append(pid)
                    yield Step(_month_end(story, month), f"reports/{pid}/missed", "record-rolling-report-missed",
                               key | {"reason": "The author was on leave; it goes to the next meeting (invented)"}, "reporting")
                    continue
                on = story.day_in(month, rng)
                facts.reports_presented.append(pid)
                yield Step(on, f"reports/{pid}/present", "present-rolling-report", key | {
                    "presented_on": on, "presented_by": report.presented_by or PRESENTER,
                    "meeting": f"{group}, {on:%d %B %Y}", "assurance_level": levels[rng.randint(0, min(2, len(levels) - 1))],
                    "key_messages": [f"The {report.name} shows steady practice (invented)"],
                }, "reporting")


def _next(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


async def steps(story: Story) -> tuple[list[Step], ActivityFacts]:
    """Every dated step of the year's other activities, in date order, and what they leave."""
    rng = story.rng("activities")
    facts = ActivityFacts()
    occurrences = await _occurrences(story)
    this_month = story.month()
    past = [(m, a) for m, a in occurrences if m < this_month]
    # One slips to the month after (a month before last, so it is still held within the year), one is
    # missed: both of the planner's slots, so the planner shows them so.
    slippable = [i for i, (m, a) in enumerate(past) if m < story.month(-1) and not a.cadence.as_required]
    slipping = slippable[len(slippable) // 2] if slippable else None
    missing = next((i for i in reversed(slippable) if i != slipping), None)
    found: list[Step] = []
    used: set[str] = set()
    for index, (month, activity) in enumerate(occurrences):
        oid = f"{activity.id[:50]}-{month}"
        oid = oid if oid not in used else f"{oid}-{index}"
        used.add(oid)
        facts.activities.add(activity.id)
        if month >= this_month:
            fate = "due"
        else:
            position = past.index((month, activity))
            fate = "slipped" if position == slipping else "missed" if position == missing else "held"
        found.extend(_occurrence_steps(story, oid, month, activity, rng, fate, facts))
    found.extend(_rolling_report_steps(story, rng, facts))
    order = {step.key: n for n, step in enumerate(found)}
    return sorted(found, key=lambda s: (s.on, order[s.key])), facts


async def play(story: Story, into: ActivityFacts) -> None:
    """Send every step on its day, in date order (an occurrence's steps keep theirs on one day)."""
    found, facts = await steps(story)
    for name, value in vars(facts).items():
        setattr(into, name, value)
    for step in found:
        await story.platform.ask(step.service, step.command, step.key, step.body, on=step.on)
    if facts.planned:
        story.progress(
            f"Activities: {plural(len(facts.activities), 'activity', 'activities')} at their cadence, "
            f"{plural(len(facts.presented), 'occurrence')} held and presented, {len(facts.slipped)} slipped, "
            f"{len(facts.missed)} missed, {len(facts.due)} due this month"
        )
    if facts.reports_presented or facts.reports_missed:
        story.progress(
            f"Rolling reports: {plural(len(facts.reports_presented), 'report')} presented to the groups that receive them, "
            f"{len(facts.reports_missed)} missed"
        )
