"""The board pack for one meeting of one group (pure): exceptions since the group's last
meeting, the decisions it is asked to take, the reports due to it, the next quarter's
planner and the figures behind the charts.

Each part is built from its area's view (Section 11, actions, reviews, assurance
events, planner), and every line names the event behind it, so the Board can trace
any line to the record it came from.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from shared.profiles.schema import FrameworkProfile, Group

from .actions import ActionRow
from .assurance_events import AssuranceView, ConcludedEventRow, LifecycleRow
from .board_pack_schedule import (
    Concluded,
    ReportLine,
    Since,
    ToolLine,
    group_of,
    months_between,
    quarter_months,
    reports_due,
    tools_for,
)
from .board_pack_trends import ActionMonth, Timeliness, action_trend, local_day, timeliness
from .dashboard import Dashboard, Overview
from .planner import PlannerView
from .reviews import CLOSED, ReviewsView
from .section11 import HeatMap, Section11View

# The review events that show a clock slipping, and how the pack words them.
SLIPPING = {
    "ReviewSlippageWarned": "warned it may miss its due date",
    "ReviewSlipped": "passed its due date",
    "RapidReviewOverdue": "passed its due date",
    "SeriousIncidentNotificationOverdue": "notification not made in time",
    "AuditRoundOverdue": "passed its due date",
    "RapidReviewDueDateChanged": "due date moved",
    "ReviewDueDateChanged": "due date moved",
}
LEADERSHIP = ("board", "executive")


@dataclass(frozen=True)
class Window:
    """After the last meeting's day, up to and including `until` (London dates)."""

    since: date
    until: date

    def holds(self, day: date) -> bool:
        return self.since < day <= self.until


@dataclass(frozen=True)
class FlagRaised:
    """A signature-of-risk flag, open or since cleared, with when it was raised."""

    agency_id: str
    domain_id: str
    rating: int
    reason: str
    raised_at: datetime
    event_id: str
    position: int
    cleared_at: datetime | None = None


@dataclass(frozen=True)
class GapFlagged:
    """A confidence gap: practitioners' survey disagrees with the agency's self-rating."""

    agency_id: str
    domain_id: str | None
    self_rating: int
    agree_percent: float
    reason: str
    flagged_at: datetime
    event_id: str
    position: int


@dataclass(frozen=True)
class ExceptionLine:
    kind: str
    on: date
    subject: str
    detail: str
    event_id: str
    position: int | None = None
    new: bool = True
    """Arose since the last meeting (else: still outstanding from before it)."""


@dataclass(frozen=True)
class Decision:
    kind: str
    subject: str
    detail: str
    decided_by: str
    here: bool
    """This group takes the decision (else it is awaited elsewhere, shown for information)."""
    event_id: str
    position: int | None = None


@dataclass
class Names:
    agencies: dict[str, str]
    domains: dict[str, str]
    partners: dict[str, str]
    groups: dict[str, str]

    @classmethod
    def of(cls, profile: FrameworkProfile) -> "Names":
        return cls(
            {a.id: a.name for a in profile.agencies}, {d.id: d.name for d in profile.section11.domains},
            {p.id: p.name for p in profile.statutory_partners}, {g.id: g.name for g in profile.groups},
        )

    def agency(self, agency_id: str | None) -> str:
        return self.agencies.get(agency_id, agency_id) if agency_id else "partnership"


def _sorted(lines: list[ExceptionLine]) -> list[ExceptionLine]:
    return sorted(lines, key=lambda x: (x.on, x.kind, x.subject))


def section11_exceptions(
    s11: Section11View, flags: Sequence[FlagRaised], gaps: Sequence[GapFlagged], window: Window, names: Names
) -> list[ExceptionLine]:
    lines = []
    for f in flags:
        day = local_day(f.raised_at)
        cleared = f" (cleared {local_day(f.cleared_at):%d %b %Y})" if f.cleared_at else ""
        subject = f"{names.agency(f.agency_id)}: {names.domains.get(f.domain_id, f.domain_id)}"
        if window.holds(day):
            lines.append(ExceptionLine("Risk flag", day, subject, f"rated {f.rating}: {f.reason}{cleared}", f.event_id, f.position))
        elif day <= window.since and f.cleared_at is None:
            lines.append(ExceptionLine("Risk flag", day, subject, f"still open: rated {f.rating}: {f.reason}", f.event_id, f.position, new=False))
    for g in gaps:
        day = local_day(g.flagged_at)
        if window.holds(day):
            domain = names.domains.get(g.domain_id, g.domain_id) if g.domain_id else "whole return"
            lines.append(
                ExceptionLine(
                    "Confidence gap", day, f"{names.agency(g.agency_id)}: {domain}",
                    f"self-rated {g.self_rating}, {g.agree_percent:.0f}% of practitioners agree: {g.reason}", g.event_id, g.position,
                )
            )
    for r in s11.returns:
        subject = f"{names.agency(r.agency_id)}: Section 11 return {r.cycle_id}"
        if r.status == "late" and r.submitted_at is not None and window.holds(local_day(r.submitted_at)):
            due = f", due {r.due_on:%d %b %Y}" if r.due_on else ""
            lines.append(ExceptionLine("Late return", local_day(r.submitted_at), subject, f"received late{due}", r.event_id, r.position))
        elif r.status == "overdue" and r.due_on is not None:
            lines.append(
                ExceptionLine(
                    "Late return", r.due_on, subject, f"not received; was due {r.due_on:%d %b %Y}", r.event_id, r.position,
                    new=window.holds(r.due_on),
                )
            )
    return lines


def action_exceptions(actions: Sequence[ActionRow], window: Window, names: Names) -> list[ExceptionLine]:
    lines = []
    for a in actions:
        overdue = [h for h in a.history if h.event_type == "ActionOverdue"]
        if overdue:
            day, event_id, position = local_day(overdue[-1].occurred_at), overdue[-1].event_id, overdue[-1].position
        elif a.overdue_event_id:
            day, event_id, position = a.due_on, a.overdue_event_id, None
        else:
            continue
        subject = f"{a.title} ({names.agency(a.owner_agency_id)})"
        now = "still overdue" if a.status == "overdue" else f"now {a.status.replace('-', ' ')}"
        if window.holds(day):
            lines.append(ExceptionLine("Overdue action", day, subject, f"was due {a.due_on:%d %b %Y}; {now}", event_id, position))
        elif day <= window.since and a.status == "overdue":
            lines.append(ExceptionLine("Overdue action", day, subject, f"was due {a.due_on:%d %b %Y}; {now}", event_id, position, new=False))
    return lines


def _review_subject(kind_name: str, title: str, case_ref: str | None) -> str:
    subject = kind_name if title == kind_name else f"{kind_name}: {title}"
    return subject + (f" ({case_ref})" if case_ref else "")


def review_exceptions(reviews: ReviewsView | None, window: Window, names: Names) -> list[ExceptionLine]:
    if reviews is None:
        return []
    lines = []
    for c in reviews.clocks:
        row = c.row
        subject = _review_subject(c.kind_name, row.title, row.case_ref)
        slips = [h for h in row.history if h.event_type in SLIPPING]
        recent = [h for h in slips if window.holds(local_day(h.occurred_at))]
        if recent:
            h = recent[-1]
            lines.append(
                ExceptionLine("Slipping review", local_day(h.occurred_at), subject,
                              f"{SLIPPING[h.event_type]}; due {row.due_on:%d %b %Y}, {row.status}", h.event_id, h.position)
            )
        elif c.running and (c.overdue or row.status == "at-risk"):
            h = slips[-1] if slips else None
            day = local_day(h.occurred_at) if h else row.due_on
            lines.append(
                ExceptionLine("Slipping review", day, subject, f"due {row.due_on:%d %b %Y}, {row.status}",
                              h.event_id if h else row.last_event_id, h.position if h else row.last_position, new=window.holds(day))
            )
    for q in reviews.information_requests:
        if q.status == "overdue":
            lines.append(
                ExceptionLine("Late information request", q.due_on, f"{names.agency(q.agency_id)}: {q.information_request_id} ({q.incident_id})",
                              f"not provided; was due {q.due_on:%d %b %Y}", q.last_event_id, None, new=window.holds(q.due_on))
            )
    return lines


def milestone_exceptions(assurance: AssuranceView | None, window: Window, names: Names) -> list[ExceptionLine]:
    if assurance is None:
        return []
    lines = []
    for m in assurance.missed:
        day = local_day(m.missed_at) if m.missed_at else m.due_on
        lines.append(
            ExceptionLine("Missed milestone", day, f"{m.title} ({names.agency(m.agency_id)})",
                          f"{m.name} ({m.responsible or 'no one named'}) was due {m.due_on:%d %b %Y}", m.event_id, m.position,
                          new=window.holds(day))
        )
    return lines


def _final_report_done(history: Sequence, final_stage: str) -> bool:
    return any(h.event_type == "ReviewStageCompleted" and h.detail.startswith(f"stage {final_stage} ") for h in history)


def decisions(
    profile: FrameworkProfile, group: Group, actions: Sequence[ActionRow], reviews: ReviewsView | None,
    assurance: AssuranceView | None, names: Names,
) -> list[Decision]:
    """Sign-offs, agreements and endorsements waiting, each with who takes it."""
    leadership = group.kind in LEADERSHIP
    scrutineer = profile.independent_scrutiny.title
    found = []
    signer = profile.actions.signed_off_by
    every = " (all three safeguarding partners)" if profile.actions.sign_off_needs_every_partner else ""
    for a in actions:
        if a.status == "awaiting-sign-off":
            found.append(
                Decision("Action sign-off", f"{a.title} ({names.agency(a.owner_agency_id)})",
                         f"completed; evidence in{'' if not a.rejections else f', rejected {a.rejections}× before'}",
                         names.groups.get(signer, signer) + every, group.id == signer,
                         a.completed_event_id or a.last_event_id or a.event_id, a.last_position)
            )
    executive = [g for g in profile.groups if g.kind == "executive"] or [g for g in profile.groups if g.kind == "board"]
    signs = {
        "cspr": profile.reviews.cspr_signed_off_by,
        "learning-review": profile.reviews.learning_review_signed_off_by,
        "thematic-review": profile.reviews.thematic_review_signed_off_by,
    }
    final = profile.reviews.review_stages[-1]
    for c in reviews.clocks if reviews else []:
        row = c.row
        subject = _review_subject(c.kind_name, row.title, row.case_ref)
        if row.kind == "rapid-review" and row.status == "decided" and profile.reviews.rapid_review_decision_signed_off_by_scrutineer:
            found.append(Decision("Rapid review decision", subject, f"decided: {row.outcome or ''}", scrutineer, False,
                                  row.last_event_id, row.last_position))
        elif row.kind in signs and row.status not in CLOSED and _final_report_done(row.history, final):
            by = signs[row.kind]
            if by == "scrutineer":
                who, here = scrutineer, False
            elif by == "executive":
                who, here = ", ".join(g.name for g in executive) or "the executive", group in executive
            else:
                who, here = "the subgroup overseeing the review", group.kind == "subgroup"
            found.append(Decision("Review sign-off", subject, "final report ready for sign-off", who, here, row.last_event_id, row.last_position))
    activities = {a.id: a for a in profile.activities}
    for r in assurance.in_progress if assurance else []:
        activity = activities.get(r.activity_type)
        reports_here = activity is not None and activity.reports_to == group.id
        if r.status == "report-drafted" and activity is not None:
            agreers = [names.partners.get(p, p) for p in activity.report_agreers()] or ["the business unit"]
            found.append(Decision("Report agreement", r.title, f"{activity.name} report drafted; reports to "
                                  f"{names.groups.get(activity.reports_to, activity.reports_to)}", ", ".join(agreers),
                                  reports_here or leadership, r.event_id, r.position))
        elif r.status == "proposed" and r.outstanding_endorsements:
            found.append(Decision("Endorsement", r.title, f"proposed {activity.name if activity else r.activity_type}",
                                  ", ".join(names.partners.get(p, p) for p in r.outstanding_endorsements),
                                  reports_here or leadership, r.event_id, r.position))
    return found


@dataclass(frozen=True)
class BoardPack:
    partnership_id: str
    partnership_name: str
    group: Group
    meeting: date
    since: Since
    until: date
    as_of: datetime
    overview: Overview
    heatmap: HeatMap
    exceptions: list[ExceptionLine]
    """Arose since the last meeting, oldest first."""
    outstanding: list[ExceptionLine]
    """Raised before the last meeting and still open."""
    decisions: list[Decision]
    reports: list[ReportLine]
    tools: list[ToolLine]
    planner: PlannerView | None
    coming: list[LifecycleRow]
    """Assurance events in progress that are scheduled (or planned) in the planner's quarter."""
    action_trend: list[ActionMonth]
    timeliness: list[Timeliness]
    dashboard: Dashboard
    """Every area's view, for the detail sections."""
    signed_off_by: str = ""

    @property
    def decisions_here(self) -> list[Decision]:
        return [d for d in self.decisions if d.here]

    @property
    def decisions_elsewhere(self) -> list[Decision]:
        return [d for d in self.decisions if not d.here]

    @property
    def reports_due(self) -> list[ReportLine]:
        return [r for r in self.reports if r.due]

    def count(self, kind: str) -> int:
        return sum(1 for x in self.exceptions if x.kind == kind)

    @property
    def exception_kinds(self) -> list[str]:
        return list(dict.fromkeys(x.kind for x in self.exceptions))


def coming_in(assurance: AssuranceView | None, months: Sequence[str]) -> list[LifecycleRow]:
    def month(r: LifecycleRow) -> str | None:
        return f"{r.scheduled_on:%Y-%m}" if r.scheduled_on else r.planned_for

    rows = [r for r in (assurance.in_progress if assurance else []) if r.held_on is None and month(r) in months]
    return sorted(rows, key=lambda r: (month(r) or "", r.scheduled_on or date.min, r.title))


def concluded_in(rows: Sequence[ConcludedEventRow], window: Window) -> list[Concluded]:
    return [Concluded(r.activity_type, r.title, r.held_on, r.event_id) for r in rows if window.holds(r.held_on)]


def build_board_pack(
    profile: FrameworkProfile,
    group_id: str,
    meeting: date,
    since: Since,
    dashboard: Dashboard,
    planner: PlannerView | None = None,
    flags: Sequence[FlagRaised] = (),
    gaps: Sequence[GapFlagged] = (),
) -> BoardPack:
    """The pack for the meeting, looking back to `since` (exceptions up to the meeting,
    or up to the pack's as-of day if that is earlier)."""
    group = group_of(profile, group_id)
    names = Names.of(profile)
    until = min(meeting, local_day(dashboard.as_of))
    window = Window(since.day, until)
    found = [
        *section11_exceptions(dashboard.section11, flags, gaps, window, names),
        *action_exceptions(dashboard.actions, window, names),
        *review_exceptions(dashboard.reviews, window, names),
        *milestone_exceptions(dashboard.assurance, window, names),
    ]
    period = months_between(since.day, meeting)
    quarter = [m.month for m in planner.months] if planner else quarter_months(meeting)
    return BoardPack(
        partnership_id=profile.id,
        partnership_name=profile.name,
        group=group,
        meeting=meeting,
        since=since,
        until=until,
        as_of=dashboard.as_of.astimezone(UTC),
        overview=dashboard.overview,
        heatmap=dashboard.heatmap,
        exceptions=_sorted([x for x in found if x.new]),
        outstanding=_sorted([x for x in found if not x.new]),
        decisions=decisions(profile, group, dashboard.actions, dashboard.reviews, dashboard.assurance, names),
        reports=reports_due(profile, group_id, period, concluded_in(dashboard.concluded_events, window)),
        tools=tools_for(profile, group_id),
        planner=planner,
        coming=coming_in(dashboard.assurance, quarter),
        action_trend=action_trend(dashboard.actions, until),
        timeliness=timeliness(dashboard.section11.returns, dashboard.reviews),
        dashboard=dashboard,
        signed_off_by=names.groups.get(profile.actions.signed_off_by, profile.actions.signed_off_by),
    )
