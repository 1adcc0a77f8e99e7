"""A meeting's page (issue 16 item 4, pure): the agenda built from what is due to the
meeting's group by its date, taken from the group's board pack for that meeting (its
reports due, the activities concluded since the group last met that report to it, the
decisions it takes, the exceptions since its last meeting), nothing recomputed; the
actions raised against the meeting (`raise-action` with source_type `meeting`); and, once
held, its decisions and minutes."""

from dataclasses import dataclass, field
from datetime import date

from shared.profiles.schema import FrameworkProfile

from .actions import ActionRow
from .board_pack import BoardPack, concluded_in
from .board_pack_exceptions import Window
from .board_pack_schedule import MeetingRow


@dataclass(frozen=True)
class AgendaItem:
    kind: str
    """Report, Activity, Decision or Exception."""
    subject: str
    detail: str
    event_id: str | None = None


@dataclass(frozen=True)
class MeetingPage:
    partnership_id: str
    partnership_name: str
    meeting: MeetingRow
    group_name: str
    agenda: list[AgendaItem]
    actions: list[ActionRow] = field(default_factory=list)
    since: date | None = None
    """Where the agenda looks back to: the group's last meeting (or what its schedule implies)."""
    since_why: str = ""

    @property
    def pack_path(self) -> str:
        """The board pack for this meeting (under the partnership's pages): the group's pack on the meeting's day."""
        return pack_path(self.meeting)


def pack_path(m: MeetingRow) -> str:
    return f"board-pack?meeting={m.meets_on.isoformat()}&group={m.group_id}"


def meeting_source(meeting_id: str) -> str:
    """How an action raised against the meeting names its source (the action tracker's)."""
    return f"meeting: {meeting_id}"


def agenda(profile: FrameworkProfile, pack: BoardPack) -> list[AgendaItem]:
    """What is due to the pack's group by its meeting, in the pack's own words."""
    items = [
        AgendaItem("Report", r.name, f"{r.presented_by}; {r.cadence}; {r.why}"
                   + (f"; {'; '.join(x.said for x in r.recorded)}" if r.recorded else ""), r.event_id)
        for r in pack.reports if r.due or r.recorded
    ]
    reporting_here = {a.id: a.name for a in profile.activities if a.reports_to == pack.group.id}
    window = Window(pack.since.day, pack.until)
    for c in concluded_in(pack.dashboard.concluded_events, window):
        if c.activity_type in reporting_here:
            items.append(AgendaItem("Activity", c.title, f"{reporting_here[c.activity_type]} held {c.held_on:%d %b %Y}", c.event_id))
    for r in pack.coming:
        if r.activity_type in reporting_here:
            items.append(AgendaItem("Activity", r.title, f"{reporting_here[r.activity_type]} coming: {r.status}", r.event_id))
    items += [AgendaItem("Decision", d.subject, f"{d.kind}: {d.detail} ({d.decided_by})", d.event_id) for d in pack.decisions_here]
    items += [AgendaItem("Exception", x.subject, f"{x.kind} on {x.on:%d %b %Y}: {x.detail}", x.event_id) for x in pack.exceptions]
    return items


def build_meeting_page(profile: FrameworkProfile, meeting: MeetingRow, pack: BoardPack) -> MeetingPage:
    source = meeting_source(meeting.meeting_id)
    return MeetingPage(
        partnership_id=profile.id,
        partnership_name=profile.name,
        meeting=meeting,
        group_name=pack.group.name,
        agenda=agenda(profile, pack),
        actions=[a for a in pack.dashboard.actions if a.source == source],
        since=pack.since.day,
        since_why=pack.since.reason,
    )
