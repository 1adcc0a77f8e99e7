"""The board pack for one meeting of one group (pure): exceptions since the group's last
meeting (`board_pack_exceptions.py`), the decisions it is asked to take, the reports due
to it, the next quarter's planner and the figures behind the charts.

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
from .board_pack_exceptions import (
    ExceptionLine,
    Names,
    Window,
    action_exceptions,
    milestone_exceptions,
    performance_exceptions,
    review_exceptions,
    review_subject,
    section11_exceptions,
    sorted_lines,
)
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
from .section11 import ConfidenceGapRow, HeatMap, RiskFlagRow

LEADERSHIP = ("board", "executive")


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
    signs = {kind: profile.reviews.signatories(kind) for kind in ("cspr", "learning-review", "thematic-review")}
    final = profile.reviews.review_stages[-1]
    for c in reviews.clocks if reviews else []:
        row = c.row
        subject = review_subject(c.kind_name, row.title, row.case_ref)
        if row.kind == "rapid-review" and row.status == "decided" and profile.reviews.rapid_review_decision_signed_off_by_scrutineer:
            found.append(Decision("Rapid review decision", subject, f"decided: {row.outcome or ''}", scrutineer, False,
                                  row.last_event_id, row.last_position))
        elif row.kind in signs and row.status not in CLOSED and _final_report_done(row.history, final):
            whom, here = [], False
            for by in signs[row.kind]:  # any one of them signs it off
                if by == "scrutineer":
                    whom.append(scrutineer)
                elif by == "executive":
                    whom.append(", ".join(g.name for g in executive) or "the executive")
                    here = here or group in executive
                else:
                    whom.append("the subgroup overseeing the review")
                    here = here or group.kind == "subgroup"
            found.append(Decision("Review sign-off", subject, "final report ready for sign-off", " or ".join(whom), here,
                                  row.last_event_id, row.last_position))
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
    flags: Sequence[RiskFlagRow] = (),
    gaps: Sequence[ConfidenceGapRow] = (),
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
        *performance_exceptions(dashboard.performance, window, names),
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
        exceptions=sorted_lines([x for x in found if x.new]),
        outstanding=sorted_lines([x for x in found if not x.new]),
        decisions=decisions(profile, group, dashboard.actions, dashboard.reviews, dashboard.assurance, names),
        reports=reports_due(profile, group_id, period, concluded_in(dashboard.concluded_events, window), dashboard.rolling_reports),
        tools=tools_for(profile, group_id),
        planner=planner,
        coming=coming_in(dashboard.assurance, quarter),
        action_trend=action_trend(dashboard.actions, until),
        timeliness=timeliness(dashboard.section11.returns, dashboard.reviews),
        dashboard=dashboard,
        signed_off_by=names.groups.get(profile.actions.signed_off_by, profile.actions.signed_off_by),
    )
