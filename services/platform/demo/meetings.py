"""The demo's calendar of meetings (issue 16 item 4): the Board (the profile's board, else
its executive) and one subgroup meet through the year at the profile's cadence (the gap
between meetings its schedule implies: the shortest regular cadence of the reports the
group receives, when a quarter or less; else every quarter). Each meeting is put on the
calendar a fortnight before (schedule-meeting) and recorded held on its day with a
decision (the minutes, a document uploaded, are left to the business unit) (record-meeting-held); the Board's first meeting
raises an action against the
meeting (raise-action, source_type meeting). The next meeting, after the year's end, is
scheduled and not yet held, so its page shows its agenda to come.

One strand per group, its steps in date order, each inside the year; every command is one
the services accept, so the year leaves no dead letter."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from services.platform.demo.story import Story, plural
from services.reporting.domain.views.board_pack_schedule import default_group, meeting_interval
from shared.profiles.schema import FrameworkProfile

QUARTER = 3


@dataclass
class MeetingFacts:
    held: list[str] = field(default_factory=list)
    scheduled: list[str] = field(default_factory=list)
    """Scheduled and not yet held at the year's end."""
    actions: list[str] = field(default_factory=list)


def groups(profile: FrameworkProfile) -> list[str]:
    """The Board and the profile's first subgroup (if it has one)."""
    board = default_group(profile)
    subgroup = next((g.id for g in profile.groups if g.kind == "subgroup" and g.id != board), None)
    return [board, *([subgroup] if subgroup else [])]


def play(story: Story, facts: MeetingFacts) -> None:
    for n, group in enumerate(groups(story.profile)):
        story.strand(story.starts, partial(_meet, story, facts, group, first_raises_action=n == 0))


async def _meet(story: Story, facts: MeetingFacts, group: str, first_raises_action: bool) -> None:
    ask, rng = story.platform.ask, story.rng(f"meetings/{group}")
    every = meeting_interval(story.profile, group) or QUARTER
    kind = next(g.kind for g in story.profile.groups if g.id == group)  # the meeting's id names no profile id
    months = [story.month(-offset) for offset in range(11, -1, -1)]
    last = story.starts
    for month in months[every - 1::every]:
        on = story.day_in(month, rng)
        if on > story.until or on < story.starts:
            continue
        mid = f"{kind}-{month}"
        await ask("reporting", "schedule-meeting", f"meetings/{mid}/schedule",
                  {"meeting_id": mid, "group_id": group, "meets_on": on}, on=max(last, on - timedelta(days=14)))
        last = on
        await ask("reporting", "record-meeting-held", f"meetings/{mid}/held", {
            "meeting_id": mid, "held_on": on,
            "decisions": [f"Noted the reports due and agreed the exceptions' follow-up ({month}, invented)"]}, on=on)
        facts.held.append(mid)
        if first_raises_action and not facts.actions:
            owner = story.lead_agencies()[0].id
            await ask("reviews", "raise-action", f"meetings/{mid}/action", {
                "action_id": f"{mid}-a1", "title": "Bring the overdue actions' plan to the next meeting (invented)",
                "owner_agency_id": owner, "due_on": on + timedelta(days=60), "source_type": "meeting", "source_id": mid,
                "raised_by": "Partnership business unit (invented)"}, on=on)
            facts.actions.append(f"{mid}-a1")
    following = story.working_on_or_after(story.until + timedelta(days=every * 30))
    mid = f"{kind}-next"
    await ask("reporting", "schedule-meeting", f"meetings/{mid}/schedule",
              {"meeting_id": mid, "group_id": group, "meets_on": following}, on=story.until)
    facts.scheduled.append(mid)
    story.progress(f"Meetings of {group}: {plural(len([m for m in facts.held if m.startswith(kind)]), 'meeting')} held, the next scheduled")
