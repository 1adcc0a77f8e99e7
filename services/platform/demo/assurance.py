"""Chapter two: the assurance events of the partnership's planner.

The events service's planner query says what the profile plans in the year (its planner
entries, or each activity's cadence); activities with a cadence the planner leaves out
are spread through the year the same way, and a partnership whose activities are all
"as required" holds a few of them. Each event of a month already gone was held in its
month (proposed and endorsed early in the month before) and concluded on its day; one
slipped to the month after and, on a busy planner, one was cancelled. Each is a strand
of the story of its own. This month's first event, scheduled six weeks ago with its
preparation milestones met on their days, is held today through its whole lifecycle (its
agreed actions go on the action plan through the reviews service), a learning hub's
cycle is under way, and the rest of the month is scheduled. The call-in that Section 11
proposed is endorsed and scheduled."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from services.platform.demo.lifecycle import (
    Planned,
    agree_terms,
    endorse,
    hold_and_report,
    hub_scheduled,
    key,
    learning_hub_under_way,
    propose_and_endorse,
    schedule,
)
from services.platform.demo.section11 import Section11Facts
from services.platform.demo.story import BUSINESS_UNIT, ActionSource, Story, plural
from shared.planner import RUN_HERE
from shared.profiles.activities import ActivityType

# Which activity is held today when this month has several, and which "as required"
# activities a partnership without a planner holds.
PREFERENCE = (
    "thematic_assurance_event", "line_of_sight", "learning_event", "peer_review", "agency_assurance_event",
)
NOT_PLANNED = {"call_in", "pop_up_case_discussion", "young_inspectors"}
AS_REQUIRED_WANTED = 3
PAST_ACTIONS = 8
HELD_TODAY_SCHEDULED = 42  # days before it was held that the event of today was scheduled


@dataclass
class AssuranceFacts:
    planned: int = 0
    held: list[str] = field(default_factory=list)
    slipped: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    held_today: str | None = None
    scheduled: list[str] = field(default_factory=list)
    agreed_actions: list[str] = field(default_factory=list)


def _rank(activity: ActivityType) -> int:
    return PREFERENCE.index(activity.kind) if activity.kind in PREFERENCE else len(PREFERENCE)


def _spread(story: Story, activity: ActivityType) -> list[str]:
    """The months of the year a cadence falls in, spread evenly (once a year: mid-year)."""
    per_year = round(activity.cadence.count * 12 / activity.cadence.per_months)
    return [story.month((2 * i + 1) * 12 // (2 * per_year) - 11) for i in range(per_year)]


Slot = tuple[str, ActivityType, bool]
"""(month, activity, whether the events service's planner plans it)."""


async def plan(story: Story) -> tuple[list[Slot], int]:
    """Every event to hold this year, and how many the planner planned."""
    profile = story.profile
    planner = await story.platform.planner(story.month(-11), 12, story.until)
    slots = [
        (slot["month"], profile.activity(slot["activity_type"]), True)
        for month in planner["months"]
        for slot in month["planned"]
        if profile.activity(slot["activity_type"]).kind in RUN_HERE - NOT_PLANNED
    ]
    planned = len(slots)
    named = {a.id for _, a, _ in slots}
    for activity in profile.activities:
        cadence = activity.cadence
        if activity.kind in RUN_HERE - NOT_PLANNED and not cadence.as_required and cadence.count and activity.id not in named:
            slots += [(month, activity, False) for month in _spread(story, activity)]
    kinds = {a.id for _, a, _ in slots}
    wanted = max(0, AS_REQUIRED_WANTED - len(kinds))
    hubs = [a for a in profile.activities if a.kind == "learning_hub" and a.cadence.as_required]
    others = sorted(
        (a for a in profile.activities if a.kind in RUN_HERE - NOT_PLANNED - {"learning_hub"} and a.cadence.as_required),
        key=_rank,
    )
    picks = (hubs + others)[:wanted]
    current = any(month == story.month() for month, _, _ in slots)
    past_months = iter([story.month(-3), story.month(-7), story.month(-10)])
    for activity in picks:
        if activity.kind == "learning_hub" or not current:
            slots.append((story.month(), activity, False))
            current = current or activity.kind != "learning_hub"
        else:
            slots.append((next(past_months), activity, False))
    if not current:  # a month the planner leaves empty: something is still held today, as required
        held_here = [a for a in profile.activities if a.kind in RUN_HERE - NOT_PLANNED - {"learning_hub"}]
        if held_here:
            slots.append((story.month(), min(held_here, key=lambda a: (not a.cadence.as_required, _rank(a))), False))
    return sorted(slots, key=lambda s: (s[0], _rank(s[1]), s[1].id)), planned


def _events(story: Story, slots: list[Slot], rng: random.Random) -> list[Planned]:
    """Name each event and what it is about: agencies in turn, themes in turn."""
    agencies = [a for a in story.profile.agencies if a.part_of is None]
    rng.shuffle(agencies)
    themes = story.themes()
    events, used = [], set()
    for index, (month, activity, in_planner) in enumerate(slots):
        agency = agencies[index % len(agencies)] if activity.subject == "agency" else None
        theme = themes[index % len(themes)] if activity.subject != "agency" else None
        base = f"{activity.id[:40]}-{month}"
        eid = base if base not in used else f"{base}-{index}"
        used.add(eid)
        events.append(Planned(eid, activity, month, agency, theme, in_planner))
    return events


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


async def _conclude(story: Story, event: Planned, held_on: date) -> None:
    await story.platform.ask("events", "conclude", key(event, "conclude"), {
        "assurance_event_id": event.assurance_event_id, "activity_type": event.activity.id, "title": event.title,
        "held_on": held_on, "agency_id": event.agency.id if event.agency else None, "theme": event.theme,
        "strengths": ["Leaders know their safeguarding arrangements well", "Good use of multi-agency supervision"],
        "areas_for_development": ["Escalation between agencies is slow to be resolved"],
        "recorded_by": BUSINESS_UNIT,
    }, on=held_on)


def _proposed_on(story: Story, month: str) -> date:
    """Events are proposed and endorsed early in the month before their own (not before the year)."""
    return max(story.starts, story.working_on_or_after(_month_start(_previous(month)) + timedelta(days=2)))


async def play(story: Story, facts: AssuranceFacts) -> None:
    rng = story.rng("assurance")
    slots, facts.planned = await plan(story)
    events = _events(story, slots, rng)
    this_month = story.month()
    past = [e for e in events if e.month < this_month]
    # Only an event of the planner can slip from its month, or leave it empty.
    planned = [e for e in past if e.in_planner]
    earlier = [e for e in planned if e.month < story.month(-1)]
    slipping = earlier[-1] if earlier else None
    middle = planned[len(planned) // 2] if len(planned) >= 6 else None
    cancelling = middle if middle is not slipping else None
    # A busy planner's actions are sampled through the year, the oldest and the latest kept.
    held = [e for e in past if e is not cancelling]
    sampled = (
        {round(i * (len(held) - 1) / (PAST_ACTIONS - 1)) for i in range(PAST_ACTIONS)}
        if len(held) > PAST_ACTIONS
        else set(range(len(held)))
    )
    for event in past:
        if event is cancelling:
            cancelled_on = story.working_on_or_after(_month_start(event.month) + timedelta(days=3))
            story.strand(_proposed_on(story, event.month), partial(_cancelled, story, event, cancelled_on, facts))
            continue
        month = event.month
        if event is slipping:
            month = _next(month)
            facts.slipped.append(event.assurance_event_id)
        held_on = story.day_in(month, rng)
        number = held.index(event)
        owner = event.agency or story.lead_agencies()[(number + 1) % 3]
        action = ActionSource(
            key=f"event/{event.assurance_event_id}", title=f"Act on the findings of the {event.activity.name.lower()}",
            owner_agency_id=owner.id, source_type="assurance-event", source_id=event.assurance_event_id, agreed_on=held_on,
        ) if number in sampled else None
        story.strand(_proposed_on(story, event.month), partial(_held, story, event, held_on, action, facts))
    if past:
        story.progress(
            f"Assurance events: {plural(len(held), 'event')} of the year planned to be held and concluded"
            + (", one slipped to the month after" if slipping else "") + (", one cancelled" if cancelling else "")
        )

    current = sorted((e for e in events if e.month == this_month), key=lambda e: (e.activity.kind == "learning_hub", _rank(e.activity)))
    for index, event in enumerate(current):
        if event.activity.kind == "learning_hub":
            story.strand(hub_scheduled(story), partial(_hub, story, event))
        elif index == 0:
            scheduled = max(story.starts, story.working_on_or_before(story.until - timedelta(days=HELD_TODAY_SCHEDULED)))
            story.strand(scheduled, partial(_held_today, story, event, scheduled, rng, facts))
        else:
            story.strand(story.until, partial(_scheduled_ahead, story, event, index, facts))


async def _cancelled(story: Story, event: Planned, on: date, facts: AssuranceFacts) -> None:
    await propose_and_endorse(story, event, _proposed_on(story, event.month))
    await story.platform.ask("events", "cancel", key(event, "cancel"), {
        "assurance_event_id": event.assurance_event_id, "cancelled_by": "Safeguarding partners",
        "reason": "The agency was under inspection that month; the partners agreed to cancel and re-plan",
    }, on=on)
    facts.cancelled.append(event.assurance_event_id)


async def _held(story: Story, event: Planned, held_on: date, action: ActionSource | None, facts: AssuranceFacts) -> None:
    await propose_and_endorse(story, event, _proposed_on(story, event.month))
    await _conclude(story, event, held_on)
    facts.held.append(event.assurance_event_id)
    if action is not None:
        story.agree(action)


async def _prepare(story: Story, event: Planned, on: date) -> None:
    await propose_and_endorse(story, event, on)
    if event.activity.kind == "peer_review":
        await agree_terms(story, event, on)


async def _hub(story: Story, event: Planned) -> None:
    await _prepare(story, event, hub_scheduled(story))
    await learning_hub_under_way(story, event)
    story.progress(f"Assurance events: the {event.title} is under way (newsletter out, first forum held today)")


async def _held_today(story: Story, event: Planned, scheduled: date, rng: random.Random, facts: AssuranceFacts) -> None:
    await _prepare(story, event, scheduled)
    await schedule(story, event, story.until, scheduled)
    facts.agreed_actions = await hold_and_report(story, event, rng)
    facts.held_today = event.assurance_event_id
    story.progress(f"Assurance events: {event.title} held today; report agreed, {plural(len(facts.agreed_actions), 'action')} on the plan")


async def _scheduled_ahead(story: Story, event: Planned, index: int, facts: AssuranceFacts) -> None:
    await _prepare(story, event, story.until)
    await schedule(story, event, story.ahead(30 + 7 * index), story.until)
    facts.scheduled.append(event.assurance_event_id)
    story.progress(f"Assurance events: {event.title} scheduled, preparation under way")


async def call_in(story: Story, section11: Section11Facts, facts: AssuranceFacts) -> None:
    """The call-in Section 11 proposed: endorsed and scheduled on the last day."""
    if section11.call_in is None:
        return
    activity = next(a for a in story.profile.activities if a.kind == "call_in")
    agency = story.profile.agency(section11.call_in_agency or "")
    planned = Planned(section11.call_in, activity, story.month(), agency)
    await endorse(story, section11.call_in, planned.endorsers(story), story.until)
    await schedule(story, planned, story.ahead(21), story.until)
    facts.scheduled.append(section11.call_in)
    story.progress(f"Assurance events: the call-in of {agency.name} endorsed and scheduled")


def _previous(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def _next(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
