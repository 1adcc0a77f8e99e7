"""The partnership's calendar of meetings (issue 16 item 4): a meeting of one of the
profile's groups is scheduled on a day, then recorded held with its minutes and decisions.
One stream per meeting: `meeting:{partnership}:{meeting_id}`. The board pack of a group's
meeting looks back to the group's last meeting on the calendar."""

from dataclasses import dataclass, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today, not_before
from services.reporting.domain.records.commands import RecordMeetingHeld, ScheduleMeeting
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import MeetingHeld, MeetingScheduled
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


@dataclass(frozen=True)
class Meeting:
    group_id: str = ""
    meets_on: date | None = None
    held_on: date | None = None


def evolve(state: Meeting, event: DomainEvent) -> Meeting:
    match event:
        case MeetingScheduled() as e:
            return Meeting(e.group_id, e.meets_on)
        case MeetingHeld() as e:
            return replace(state, held_on=e.held_on)
    return state


MEETING = Aggregate("meeting", Meeting(), evolve)


def decide_schedule(state: Meeting, c: ScheduleMeeting, profile: FrameworkProfile) -> list[DomainEvent]:
    if state.meets_on is not None:
        raise Refusal("already_scheduled", f"{c.meeting_id!r} is on the calendar for {state.meets_on}", "meeting_id")
    if c.group_id not in {g.id for g in profile.groups}:
        known = ", ".join(g.id for g in profile.groups)
        raise Refusal("unknown_group", f"{c.group_id!r} is not a group of {profile.id} ({known})", "group_id")
    return [MeetingScheduled(meeting_id=c.meeting_id, group_id=c.group_id, meets_on=c.meets_on)]


def decide_held(state: Meeting, c: RecordMeetingHeld, today: date) -> list[DomainEvent]:
    if state.meets_on is None:
        raise Refusal("not_scheduled", f"{c.meeting_id!r} is not on the calendar: schedule it first", "meeting_id")
    if state.held_on is not None:
        raise Refusal("already_held", f"{c.meeting_id!r} was held on {state.held_on}", "meeting_id")
    not_after_today(c.held_on, today, "held_on")
    not_before(c.held_on, state.meets_on, "held_on", "the day it was scheduled for")
    return [
        MeetingHeld(meeting_id=c.meeting_id, group_id=state.group_id, held_on=c.held_on, minutes=c.minutes, decisions=list(c.decisions))
    ]
