"""The annual planner, as Appendix 1 of North Lincolnshire's framework shows it: month by
month, what is planned, what was held and what slipped; and, per activity, what the
profile's cadence commits the partnership to over the period.

A pure function of the profile, the period and the assurance events' state (each
event's fold, as of a date if wanted, as `EventFacts`). It lives in the kernel because
two services use it: the events service answers the planner query with it, and
reporting draws the board pack's planner with it, so both show one rule. It is over
300 lines because slots, their matching to events and the per-activity summary are
one rule, read top to bottom. Planned slots come from the profile's planner entries inside its planner period, and from each
activity's cadence elsewhere
(spread evenly through each cadence cycle, counted from the planner year's start).
Events are matched to slots: first by the month they were proposed for, then by the
month they were first scheduled (or held) in, then in order; an event that fills no
slot is shown as held in addition to the plan."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from shared.profiles.activities import ActivityType, add_months
from shared.profiles.schema import FrameworkProfile

# The kinds of activity the assurance events service runs through their lifecycle (the
# vocabulary is the profile schema's): the planner shows those as held or slipped, and
# every other kind as done "elsewhere".
RUN_HERE = frozenset({
    "agency_assurance_event", "thematic_assurance_event", "line_of_sight", "pop_up_case_discussion",
    "young_inspectors", "peer_review", "call_in", "learning_hub", "learning_event",
})
# The kinds another service runs with its own rules, and which service: the planner shows
# them from that service's facts. Every other kind runs the events service's lifecycle for
# activities (`shared.catalogue.activities`).
RUN_ELSEWHERE = {
    "section11": "section11", "multi_agency_audit": "reviews", "learning_review": "reviews",
    "annual_report": "reporting", "risk_register": "reporting",
}


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class EventFacts:
    """What the planner needs of one assurance event (from its fold or a read model)."""

    assurance_event_id: str
    activity_type: str
    title: str
    status: str
    agency_id: str | None = None
    planned_for: str | None = None
    first_scheduled_on: date | None = None
    scheduled_on: date | None = None
    held_on: date | None = None
    event_id: str | None = None
    position: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def aim(self) -> str | None:
        """The month the event was meant for."""
        if self.planned_for:
            return self.planned_for
        first = self.first_scheduled_on or self.held_on
        return month_of(first) if first else None


@dataclass(frozen=True)
class Slot:
    month: str
    activity_type: str
    activity_name: str
    source: str  # "planner" (the profile's planner) or "cadence"
    note: str = ""
    status: str = "planned"  # planned, in-preparation, scheduled, due, held, slipped, missed, elsewhere
    detail: str = ""
    event: EventFacts | None = None


@dataclass(frozen=True)
class Held:
    month: str
    activity_type: str
    activity_name: str
    held_on: date
    event: EventFacts | None
    planned: bool


@dataclass(frozen=True)
class PlannerMonth:
    month: str
    planned: list[Slot] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    @property
    def slipped(self) -> list[Slot]:
        return [s for s in self.planned if s.status == "slipped"]


@dataclass(frozen=True)
class Commitment:
    activity_type: str
    activity_name: str
    cadence: str
    committed: float | None
    planned: int
    held: int
    slipped: int
    agencies_covered: list[str] | None = None
    agencies_due: list[str] | None = None
    missed: int = 0
    due: int = 0
    scrutineer: str = ""
    """The independent scrutineer's title, where the profile says they lead or contribute to it."""


@dataclass(frozen=True)
class Planner:
    start: str
    end: str
    as_of: date
    note: str
    months: list[PlannerMonth]
    commitments: list[Commitment]

    def slots(self) -> list[Slot]:
        return [slot for month in self.months for slot in month.planned]


def period_months(start: str, months: int) -> list[str]:
    return [add_months(start, offset) for offset in range(months)]


def planner_year(profile: FrameworkProfile, on: date) -> tuple[str, int]:
    """The period a dashboard shows on a day: the profile's whole planner period if the day
    falls in it, else the twelve months from the planner year's start that contain it."""
    period = profile.planner_period
    today = month_of(on)
    if period is not None and period.start <= today <= add_months(period.start, period.months - 1):
        return period.start, period.months
    start_month = int(period.start[5:]) if period else 1
    year = on.year if on.month >= start_month else on.year - 1
    return f"{year:04d}-{start_month:02d}", 12


def _covered_by_profile(profile: FrameworkProfile) -> tuple[str, str] | None:
    if profile.planner_period is not None:
        return profile.planner_period.start, add_months(profile.planner_period.start, profile.planner_period.months - 1)
    if profile.planner:
        months = sorted(entry.month for entry in profile.planner)
        return months[0], months[-1]
    return None


def _planner_activities(profile: FrameworkProfile) -> list[ActivityType]:
    """Every activity with a cadence (those held as required have no slots)."""
    return [a for a in profile.activities if not a.cadence.as_required and a.cadence.count]


def _top_level_agencies(profile: FrameworkProfile) -> list[str]:
    return [a.id for a in profile.agencies if a.part_of is None]


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:]) - 1


EPOCH = "2000-01"
"""Where the cycles of a profile without a planner period are counted from, so a cycle
longer than a year (every two years) falls in the same years whatever window is shown."""


def _cadence_months(profile: FrameworkProfile, activity: ActivityType, months: Sequence[str]) -> list[tuple[str, str]]:
    """(month, note) of each slot the cadence lays out in `months`: spread evenly through
    each cycle (its end), moved `offset_months` into the cycle; an activity more frequent
    than monthly has one slot a month, noting how often."""
    cadence = activity.cadence
    if cadence.as_required or cadence.count == 0 or not months:
        return []
    per_cycle = cadence.count * (len(_top_level_agencies(profile)) if cadence.per_agency else 1)
    if per_cycle > cadence.per_months and not cadence.per_agency:
        return [(month, f"{cadence.count} every {cadence.per_months} months") for month in months]
    anchor = profile.planner_period.start if profile.planner_period else EPOCH
    first, last = _index(months[0]), _index(months[-1])
    cycle = _index(anchor) + ((first - _index(anchor)) // cadence.per_months) * cadence.per_months
    wanted: list[tuple[str, str]] = []
    while cycle <= last:
        for i in range(per_cycle):
            within = (max(((i + 1) * cadence.per_months) // per_cycle - 1, 0) + cadence.offset_months) % cadence.per_months
            index = cycle + within
            if first <= index <= last:
                wanted.append((add_months(months[0], index - first), ""))
        cycle += cadence.per_months
    return sorted(wanted)


def _slots(profile: FrameworkProfile, months: Sequence[str]) -> list[Slot]:
    """The profile's planner entries inside its planner period; elsewhere, and for every
    activity its planner does not name, the cadence's slots."""
    covered = _covered_by_profile(profile)
    inside = [m for m in months if covered and covered[0] <= m <= covered[1]]
    named = {entry.activity for entry in profile.planner}
    names = {a.id: a.name for a in profile.activities}
    slots = [
        Slot(entry.month, entry.activity, names[entry.activity], "planner", entry.note)
        for entry in profile.planner
        if entry.month in inside
    ]
    for activity in _planner_activities(profile):
        for month, note in _cadence_months(profile, activity, months):
            if month not in inside or activity.id not in named:
                slots.append(Slot(month, activity.id, activity.name, "cadence", note))
    return sorted(slots, key=lambda s: (s.month, s.activity_type))


def _match(slots: list[Slot], events: list[EventFacts], months: Sequence[str]) -> dict[int, EventFacts]:
    """Which event fills which slot (by index), for one activity's slots and events."""
    bound: dict[int, EventFacts] = {}
    free = [ev for ev in events if ev.aim is None or months[0] <= ev.aim <= months[-1]]
    for key in (lambda ev: ev.planned_for, lambda ev: ev.aim):
        for index, slot in enumerate(slots):
            if index in bound:
                continue
            match = next((ev for ev in free if key(ev) == slot.month), None)
            if match is not None:
                bound[index] = match
                free.remove(match)
    free.sort(key=lambda ev: (ev.aim is None, ev.aim or "", ev.assurance_event_id))
    for index, _slot in enumerate(slots):
        if index not in bound and free:
            bound[index] = free.pop(0)
    return bound


def _status(slot: Slot, event: EventFacts | None, current: str, known: bool, other: set[str]) -> Slot:
    """A slot's status: held, slipped, missed, scheduled, in preparation, due (this month),
    planned; or "elsewhere" for an activity another service runs whose facts are not known here."""
    ended = slot.month < current
    if event is None:
        if slot.month in other:
            return replace(slot, status="held")
        if not known:
            return replace(slot, status="elsewhere", detail="recorded by the service that runs it")
        if ended:
            return replace(slot, status="slipped", detail="not held")
        return replace(slot, status="due" if slot.month == current else "planned")
    slot = replace(slot, event=event)
    if event.status == "missed":
        return replace(slot, status="missed", detail="recorded as missed")
    if event.held_on is not None:
        held = month_of(event.held_on)
        if held > slot.month:
            return replace(slot, status="slipped", detail=f"held on {event.held_on.isoformat()}")
        return replace(slot, status="held", detail="" if held == slot.month else f"brought forward to {event.held_on.isoformat()}")
    if event.scheduled_on is not None:
        scheduled = month_of(event.scheduled_on)
        if scheduled > slot.month:
            return replace(slot, status="slipped", detail=f"rescheduled to {event.scheduled_on.isoformat()}")
        if ended:
            return replace(slot, status="slipped", detail=f"scheduled for {event.scheduled_on.isoformat()}, not recorded as held")
        return replace(slot, status="scheduled", detail=event.scheduled_on.isoformat())
    if ended:
        return replace(slot, status="slipped", detail=f"{event.status}, not scheduled")
    return replace(slot, status="in-preparation", detail=event.status)


def build_planner(
    profile: FrameworkProfile,
    start: str,
    months: int,
    events: Iterable[EventFacts],
    as_of: date,
    other_held: Iterable[tuple[str, date]] | None = None,
) -> Planner:
    """The planner of `months` months from `start` (YYYY-MM) as it stood on `as_of`.

    `other_held` are (activity id, day) facts of activities other services run (a Section
    11 cycle closed, an audit round concluded, a review signed off, a yearly report
    published), shown as held; given (reporting projects every service's events), the
    slots of those activities are held, due, planned or slipped like the rest; None (the
    events service knows only its own), they are shown as done "elsewhere"."""
    period = period_months(start, months)
    current = month_of(as_of)
    names = {a.id: a.name for a in profile.activities}
    live = [ev for ev in events if not ev.cancelled and ev.activity_type in names]
    others = [(activity, day) for activity, day in other_held or () if activity in names]
    slots = _slots(profile, period)
    filled: list[Slot] = []
    used: set[str] = set()
    for activity_type in dict.fromkeys(s.activity_type for s in slots):
        own = [s for s in slots if s.activity_type == activity_type]
        known = other_held is not None or profile.activity(activity_type).kind not in RUN_ELSEWHERE
        bound = _match(own, [ev for ev in live if ev.activity_type == activity_type], period)
        other = {month_of(day) for activity, day in others if activity == activity_type}
        for index, slot in enumerate(own):
            event = bound.get(index)
            if event is not None:
                used.add(event.assurance_event_id)
            filled.append(_status(slot, event, current, known, other))
    held = [
        Held(month_of(ev.held_on), ev.activity_type, names[ev.activity_type], ev.held_on, ev,
             ev.assurance_event_id in used)
        for ev in live
        if ev.held_on is not None and month_of(ev.held_on) in period
    ] + [
        Held(month_of(day), activity, names[activity], day, None, True)
        for activity, day in others
        if month_of(day) in period
    ]
    rows = [
        PlannerMonth(
            month,
            sorted((s for s in filled if s.month == month), key=lambda s: (s.activity_name, s.source)),
            sorted((h for h in held if h.month == month), key=lambda h: (h.held_on, h.activity_name)),
        )
        for month in period
    ]
    return Planner(start, period[-1], as_of, profile.planner_note, rows, _commitments(profile, period, filled, live, as_of))


def _commitments(
    profile: FrameworkProfile, period: Sequence[str], slots: Sequence[Slot], events: Sequence[EventFacts], as_of: date
) -> list[Commitment]:
    held_in_period = [ev for ev in events if ev.held_on is not None and month_of(ev.held_on) in period]
    # Every activity of the profile, those held as required too: the planner answers for each.
    activity_ids = list(dict.fromkeys(
        [s.activity_type for s in slots] + [ev.activity_type for ev in held_in_period] + [a.id for a in profile.activities]
    ))
    agencies = _top_level_agencies(profile)
    result = []
    for activity_id in activity_ids:
        activity = profile.activity(activity_id)
        cadence = activity.cadence
        own_slots = [s for s in slots if s.activity_type == activity_id]
        held = [ev for ev in held_in_period if ev.activity_type == activity_id]
        if cadence.as_required:
            committed, text = None, "as required"
        else:
            scale = len(agencies) if cadence.per_agency else 1
            committed = round(cadence.count * scale * len(period) / cadence.per_months, 2)
            text = f"{cadence.count} every {cadence.per_months} months" + (" for each Section 11 agency" if cadence.per_agency else "")
        if activity.condition:
            text += f" ({activity.condition.strip()})"
        covered = due = None
        if cadence.per_agency:
            covered = sorted({ev.agency_id for ev in held if ev.agency_id})
            due = [a for a in agencies if a not in covered]
        result.append(
            Commitment(
                activity_id, activity.name, text, committed, len(own_slots),
                len(held) + sum(1 for s in own_slots if s.status == "held" and s.event is None),
                sum(1 for s in own_slots if s.status == "slipped"), covered, due,
                scrutineer=profile.independent_scrutiny.title if activity_id in profile.independent_scrutiny.contributes_to else "",
                missed=sum(1 for s in own_slots if s.status == "missed"),
                due=sum(1 for s in own_slots if s.status in ("due", "scheduled", "in-preparation") and s.month == month_of(as_of)),
            )
        )
    return result
