"""When a group's board pack looks back to, what the profile's schedule says is due to
the group at the meeting, and the quarter its planner covers (pure).

The profile names each group and the rolling reports (and the yearly report) it
receives, with their cadence and, where the framework says, the months they are
due. Profiles carry no calendar of meetings, so "the last meeting" is: the date
given, else the interval the group's own schedule implies (a group that receives
a monthly report meets at least monthly), capped at a quarter, else a quarter.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from shared.profiles.activities import add_months
from shared.profiles.reporting import RollingReport
from shared.profiles.schema import FrameworkProfile, Group

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
DEFAULT_INTERVAL_MONTHS = 3


class UnknownGroup(ValueError):
    """The group is not one of the profile's; the message lists those that are."""

    def __init__(self, profile: FrameworkProfile, group_id: str) -> None:
        listed = "\n".join(f"  {g.id}  ({g.name})" for g in profile.groups)
        super().__init__(f"{group_id!r} is not a group of the {profile.name} profile ({profile.id}). Its groups are:\n{listed}")
        self.group_id = group_id


def group_of(profile: FrameworkProfile, group_id: str) -> Group:
    for group in profile.groups:
        if group.id == group_id:
            return group
    raise UnknownGroup(profile, group_id)


def default_group(profile: FrameworkProfile) -> str:
    """The group a pack is for when none is named: the board, else the executive, else the
    group that signs off action plans."""
    for kind in ("board", "executive"):
        for group in profile.groups:
            if group.kind == kind:
                return group.id
    return profile.actions.signed_off_by


@dataclass(frozen=True)
class Since:
    day: date
    reason: str


def meeting_interval(profile: FrameworkProfile, group_id: str) -> int | None:
    """Months between the group's meetings as its schedule implies: the shortest regular
    cadence among the reports it receives, when that is a quarter or less."""
    periods = [
        r.cadence.per_months // r.cadence.count
        for r in profile.reporting.reports_for(group_id)
        if not r.cadence.as_required and r.cadence.count and r.cadence.per_months % r.cadence.count == 0
    ]
    shortest = min(periods, default=None)
    return shortest if shortest is not None and shortest <= DEFAULT_INTERVAL_MONTHS else None


def previous_meeting(
    profile: FrameworkProfile, group_id: str, meeting: date, since: date | None = None, calendar: Sequence[date] = (),
) -> Since:
    """Where the pack looks back to: the date given, else the group's last meeting on the
    partnership's calendar (`calendar`: the days of its meetings), else what its schedule implies."""
    if since is not None:
        return Since(since, "the date given")
    earlier = [day for day in calendar if day < meeting]
    if earlier:
        return Since(max(earlier), "the group's last meeting on the partnership's calendar")
    interval = meeting_interval(profile, group_id)
    if interval is not None:
        every = "month" if interval == 1 else f"{interval} months"
        return Since(meeting - relativedelta(months=interval), f"the group receives reports every {every} in the profile's schedule")
    return Since(
        meeting - relativedelta(months=DEFAULT_INTERVAL_MONTHS), "three months before (the profile sets no meeting schedule for the group)"
    )


def months_between(since: date, until: date) -> list[str]:
    """The months (YYYY-MM) of the days after `since` up to and including `until`."""
    first = since + relativedelta(days=1)
    start, end = f"{first:%Y-%m}", f"{until:%Y-%m}"
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def next_quarter(meeting: date) -> tuple[str, int]:
    """The planner period a pack shows: the three months after the meeting's month."""
    return add_months(f"{meeting:%Y-%m}", 1), 3


def quarter_months(meeting: date) -> list[str]:
    start, months = next_quarter(meeting)
    return [add_months(start, i) for i in range(months)]


@dataclass(frozen=True)
class MeetingRow:
    """A meeting on the partnership's calendar: scheduled, or held with its decisions."""

    meeting_id: str
    group_id: str
    meets_on: date
    status: str
    held_on: date | None
    decisions: list[str]
    minutes: str
    """The minutes' file name, when attached."""
    event_id: str
    position: int


@dataclass(frozen=True)
class RollingRecord:
    """A scheduled report recorded presented to a group, or missed, for the month it was due."""

    report_id: str
    due_month: str
    group_id: str
    status: str  # presented, missed
    presented_on: date | None = None
    presented_by: str = ""
    meeting: str = ""
    assurance_level: str | None = None
    reason: str = ""
    event_id: str = ""
    position: int = 0

    @property
    def said(self) -> str:
        if self.status == "missed":
            return f"missed ({self.due_month}): {self.reason}"
        at = f" at {self.meeting}" if self.meeting else ""
        level = f"; {self.assurance_level} assurance" if self.assurance_level else ""
        day = f"{self.presented_on:%d %b %Y}" if self.presented_on else ""
        return f"presented {day} by {self.presented_by}{at}{level}"


@dataclass(frozen=True)
class Concluded:
    """An assurance event concluded in the period (an as-required report may follow it)."""

    activity_type: str
    title: str
    held_on: date
    event_id: str


@dataclass(frozen=True)
class ReportLine:
    report_id: str
    name: str
    kind: str
    presented_by: str
    cadence: str
    status: str
    """due, as required, not due, or not fixed."""
    why: str
    also_to: list[str] = field(default_factory=list)
    event_id: str | None = None
    recorded: list[RollingRecord] = field(default_factory=list)
    """What was recorded for this group in the pack's period: presented or missed."""

    @property
    def received(self) -> bool:
        return any(r.status == "presented" for r in self.recorded)

    @property
    def missed(self) -> bool:
        return any(r.status == "missed" for r in self.recorded) and not self.received

    @property
    def due(self) -> bool:
        return self.status == "due"


@dataclass(frozen=True)
class ToolLine:
    """A tier's tool that the profile says is reported to this group."""

    tier: str
    level: int
    tool: str
    also_to: list[str]
    note: str


def cadence_text(report: RollingReport) -> str:
    c = report.cadence
    if c.as_required:
        return "as required"
    if c.count == 1:
        return {1: "monthly", 3: "quarterly", 6: "six-monthly", 12: "yearly", 24: "every two years"}.get(
            c.per_months, f"every {c.per_months} months"
        )
    return f"{c.count} every {c.per_months} months"


def _month_names(months: Sequence[int]) -> str:
    return ", ".join(MONTHS[m - 1] for m in sorted(months))


def report_status(
    report: RollingReport, period: list[str], concluded: Sequence[Concluded], activity_names: dict[str, str]
) -> tuple[str, str, str | None]:
    """(status, why, event id) of one report for a meeting whose period covers `period` months."""
    c = report.cadence
    if report.due_months:
        hits = [m for m in period if int(m[5:]) in report.due_months]
        if hits:
            return "due", f"due in {_month_names([int(hits[-1][5:])])}", None
        return "not due", f"due in {_month_names(report.due_months)}", None
    if c.as_required:
        followed = [e for e in concluded if report.activity and e.activity_type == report.activity]
        if followed:
            last = followed[-1]
            return (
                "due",
                f"{activity_names.get(last.activity_type, last.activity_type)} concluded {last.held_on:%d %b %Y}: {last.title}",
                last.event_id,
            )
        where = f" ({'; '.join(report.due_meetings)})" if report.due_meetings else ""
        return "as required", f"when there is something to report{where}", None
    if c.count and (c.per_months / c.count) <= len(period):
        return "due", f"{cadence_text(report)}: due at every meeting this far apart", None
    return "not fixed", f"{cadence_text(report)}; the profile names no month: agree when it comes", None


def reports_due(
    profile: FrameworkProfile, group_id: str, period: list[str], concluded: Sequence[Concluded] = (),
    records: Sequence[RollingRecord] = (),
) -> list[ReportLine]:
    """Every report the group receives (and each yearly report it receives or signs off),
    with whether it is due at this meeting; due first, then in profile order."""
    names = {g.id: g.name for g in profile.groups}
    activity_names = {a.id: a.name for a in profile.activities}
    reports = list(profile.reporting.reports_for(group_id))
    for number, yearly in enumerate(profile.reporting.yearly_reports):
        if group_id in (*yearly.received_by, *yearly.signed_off_by) and not any(
            yearly.activity and r.activity == yearly.activity for r in reports
        ):
            reports.append(
                RollingReport(
                    id="yearly-report" if number == 0 else yearly.id, name=yearly.name, kind="annual",
                    received_by=yearly.received_by or [group_id], cadence={"count": 1, "per_months": 12},
                    due_months=[yearly.due_month] if yearly.due_month else [], presented_by=yearly.compiled_by,
                    activity=yearly.activity,
                )
            )
    lines = []
    for report in reports:
        status, why, event_id = report_status(report, period, concluded, activity_names)
        lines.append(
            ReportLine(
                report.id, report.name, report.kind, report.presented_by, cadence_text(report), status, why,
                [names.get(g, g) for g in report.received_by if g != group_id], event_id,
                [r for r in records if r.report_id == report.id and r.group_id == group_id and r.due_month in period],
            )
        )
    order = {"due": 0, "as required": 1, "not fixed": 2, "not due": 3}
    return sorted(lines, key=lambda line: order[line.status])


def tools_for(profile: FrameworkProfile, group_id: str) -> list[ToolLine]:
    """The tiers' tools reported to the group (Kent's three lines of defence), first line first."""
    names = {g.id: g.name for g in profile.groups}
    return [
        ToolLine(tier.name, tier.level, tool.name, [names.get(g, g) for g in tool.reported_to if g != group_id], tool.note)
        for tier in sorted(profile.reporting.tiers, key=lambda t: t.level)
        for tool in tier.tools
        if group_id in tool.reported_to
    ]
