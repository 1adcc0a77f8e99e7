"""Reviews with their clocks, information requests, audit gradings and concerns, and the
impact log, shaped from read-model rows (pure).

A clock counts in its own unit: working days (bank holidays from the maintained
calendar) for the serious incident notification and, where the profile says so,
the rapid review; calendar days for everything counted in days or months.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.calendar import WorkingDayCalendar
from shared.london import LONDON

from .actions import HistoryEntry

KIND_NAMES = {
    "notification": "Serious incident notification",
    "rapid-review": "Rapid review",
    "cspr": "Child safeguarding practice review",
    "learning-review": "Learning review",
    "thematic-review": "Thematic review",
    "audit-round": "Multi-agency case file audit",
}
CLOSED = {"notified", "decided", "signed-off", "published", "concluded"}


@dataclass(frozen=True)
class ReviewClockRow:
    kind: str
    review_id: str
    title: str
    case_ref: str | None
    starts_on: date
    due_on: date
    unit: str
    """working_days, calendar_days or months: how the due date was counted."""
    status: str
    outcome: str | None
    late: bool | None
    closed_on: date | None
    change_reason: str | None
    event_id: str
    position: int
    """The event that set the clock running (or last moved its due date)."""
    last_event_type: str
    last_event_id: str
    last_position: int
    history: list[HistoryEntry] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewClock:
    row: ReviewClockRow
    kind_name: str
    counted_in: str
    """"working days" or "calendar days"."""
    days_left: int | None
    """In the clock's own unit from the view's date to the due date; negative once past; None when closed."""

    @property
    def running(self) -> bool:
        return self.days_left is not None

    @property
    def overdue(self) -> bool:
        return self.row.status == "overdue" or (self.days_left is not None and self.days_left < 0)


@dataclass(frozen=True)
class InformationRequestRow:
    incident_id: str
    information_request_id: str
    agency_id: str
    due_on: date
    status: str
    late: bool
    event_id: str
    position: int
    last_event_id: str


@dataclass(frozen=True)
class GradingRow:
    audit_id: str
    case_ref: str
    agency_id: str
    grade: str
    event_id: str
    position: int


@dataclass(frozen=True)
class ConcernRow:
    audit_id: str
    case_ref: str
    raised_by_agency_id: str
    escalated_to: str
    occurred_at: datetime
    event_id: str
    position: int


@dataclass(frozen=True)
class ImpactRow:
    impact_id: str
    recorded_on: date
    difference: str
    evidence: str
    links: dict[str, list[str]]
    event_id: str
    position: int


@dataclass(frozen=True)
class ReviewsView:
    as_of: date
    clocks: list[ReviewClock] = field(default_factory=list)
    information_requests: list[InformationRequestRow] = field(default_factory=list)
    gradings: list[GradingRow] = field(default_factory=list)
    concerns: list[ConcernRow] = field(default_factory=list)
    impact: list[ImpactRow] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.clocks if c.overdue)


def clock_of(row: ReviewClockRow, today: date, calendar: WorkingDayCalendar) -> ReviewClock:
    working = row.unit == "working_days"
    if row.status in CLOSED:
        left = None
    elif working:
        left = calendar.working_days_between(today, row.due_on)
    else:
        left = (row.due_on - today).days
    return ReviewClock(row, KIND_NAMES.get(row.kind, row.kind), "working days" if working else "calendar days", left)


def build_reviews_view(
    clocks: list[ReviewClockRow],
    requests: list[InformationRequestRow],
    gradings: list[GradingRow],
    concerns: list[ConcernRow],
    impact: list[ImpactRow],
    as_of: datetime,
    calendar: WorkingDayCalendar | None = None,
) -> ReviewsView:
    today = as_of.astimezone(LONDON).date()
    cal = calendar or WorkingDayCalendar()
    ordered = sorted(clocks, key=lambda r: (r.status in CLOSED, r.due_on, r.kind, r.review_id))
    return ReviewsView(today, [clock_of(r, today, cal) for r in ordered], requests, gradings, concerns, impact)
