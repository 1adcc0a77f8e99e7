"""The exceptions of a board pack (pure): what arose since the group's last meeting, or is
still outstanding from before it: risk flags, confidence gaps and late returns, overdue
actions, slipping reviews and late information requests, missed milestones, early
warnings of the performance data. Each line names the event behind it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shared.profiles.schema import FrameworkProfile

from .actions import ActionRow
from .assurance_events import AssuranceView
from .board_pack_trends import local_day
from .performance import PerformanceView
from .reviews import ReviewsView
from .section11 import ConfidenceGapRow, RiskFlagRow, Section11View

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
@dataclass(frozen=True)
class Window:
    """After the last meeting's day, up to and including `until` (London dates)."""

    since: date
    until: date

    def holds(self, day: date) -> bool:
        return self.since < day <= self.until


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


def sorted_lines(lines: list[ExceptionLine]) -> list[ExceptionLine]:
    return sorted(lines, key=lambda x: (x.on, x.kind, x.subject))


def section11_exceptions(
    s11: Section11View, flags: Sequence[RiskFlagRow], gaps: Sequence[ConfidenceGapRow], window: Window, names: Names
) -> list[ExceptionLine]:
    lines = []
    for f in flags:
        day = local_day(f.raised_at)
        cleared = f" (cleared {local_day(f.cleared_at):%d %b %Y})" if f.cleared_at else ""
        subject = f"{names.agency(f.agency_id)}: {names.domains.get(f.domain_id, f.domain_id)}"
        if window.holds(day):
            lines.append(ExceptionLine("Risk flag", day, subject, f"rated {f.rating}: {f.reason}{cleared}", f.event_id, f.position))
        elif day <= window.since and f.cleared_at is None:
            lines.append(
                ExceptionLine("Risk flag", day, subject, f"still open: rated {f.rating}: {f.reason}", f.event_id, f.position, new=False)
            )
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
            lines.append(
                ExceptionLine("Overdue action", day, subject, f"was due {a.due_on:%d %b %Y}; {now}", event_id, position, new=False)
            )
    return lines


def review_subject(kind_name: str, title: str, case_ref: str | None) -> str:
    subject = kind_name if title == kind_name else f"{kind_name}: {title}"
    return subject + (f" ({case_ref})" if case_ref else "")


def review_exceptions(reviews: ReviewsView | None, window: Window, names: Names) -> list[ExceptionLine]:
    if reviews is None:
        return []
    lines = []
    for c in reviews.clocks:
        row = c.row
        subject = review_subject(c.kind_name, row.title, row.case_ref)
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
                ExceptionLine(
                    "Late information request",
                    q.due_on,
                    f"{names.agency(q.agency_id)}: {q.information_request_id} ({q.incident_id})",
                    f"not provided; was due {q.due_on:%d %b %Y}",
                    q.last_event_id,
                    None,
                    new=window.holds(q.due_on),
                )
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


def performance_exceptions(performance: PerformanceView | None, window: Window, names: Names) -> list[ExceptionLine]:
    """Early warnings raised since the last meeting; from before it, those whose indicator is
    still beyond its threshold (a crossing) or has not improved since (a decline)."""
    if performance is None:
        return []
    series = {s.id: s for s in performance.series}
    lines = []
    for w in performance.warnings:
        day = w.raised_on
        if day > window.until:
            continue
        s = series.get(w.indicator_id)
        show = s.show if s else (lambda v: f"{v:g}")
        subject = f"{w.indicator_name} ({names.agency(w.supplied_by)})"
        if w.reason == "threshold":
            detail = f"{w.period}: {show(w.value)}, beyond the early-warning threshold of {show(w.threshold)}"
        else:
            run = ", ".join(f"{p} {show(v)}" for p, v in w.series)
            detail = f"declined {w.declining_periods} periods running: {run}"
        if window.holds(day):
            lines.append(ExceptionLine("Early warning", day, subject, detail, w.event_id, w.position))
        elif s is not None and s.latest is not None and (
            (w.reason == "threshold" and s.latest.beyond) or (w.reason == "declining" and s.trend == "declining")
        ):
            lines.append(ExceptionLine("Early warning", day, subject, f"still: {detail}; latest {s.latest.period} {show(s.latest.value)}",
                                       w.event_id, w.position, new=False))
    return lines
