"""The figures behind the board pack's charts (pure): actions opened, closed and overdue
month by month, from each action's history; and the timeliness of Section 11 returns,
reviews and information requests, from their rows."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from shared.london import LONDON
from shared.profiles.activities import add_months

from .actions import ActionRow
from .figures import overdue_actions
from .reviews import ReviewsView
from .section11 import ReturnRow

OVERDUE = "ActionOverdue"
CLOSES = {"ActionCompleted"}
ENDS_OVERDUE = {"ActionCompleted", "ActionSignedOff", "ActionReopened"}


def local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


@dataclass(frozen=True)
class ActionMonth:
    month: str  # YYYY-MM
    opened: int
    closed: int
    """Completed with evidence in the month."""
    overdue: int
    """Overdue at the month's end (at the pack's date for its last month)."""


def _month_end(month: str) -> date:
    first = date(int(month[:4]), int(month[5:]), 1)
    return first + relativedelta(months=1, days=-1)


def _overdue_on(row: ActionRow, day: date) -> bool:
    """Overdue at the end of `day`: its last overdue-or-ending event by then, in the order the
    events happened (a history lists them as recorded, and a watcher's overdue carries the
    due moment, which may be earlier than facts recorded before it)."""
    if not row.history:  # no history recorded: go by the row as it stands
        return row.status == "overdue" and row.due_on <= day
    overdue = False
    for h in sorted(row.history, key=lambda h: h.occurred_at):
        if local_day(h.occurred_at) > day:
            break
        if h.event_type == OVERDUE:
            overdue = True
        elif h.event_type in ENDS_OVERDUE:
            overdue = False
    return overdue


def action_trend(actions: Sequence[ActionRow], until: date, months: int = 12, at_least: int = 6) -> list[ActionMonth]:
    """Month by month up to `until`'s month: from the first action's month (at most `months`
    back, at least `at_least` months shown)."""
    last = f"{until:%Y-%m}"
    raised = [local_day(h.occurred_at) for a in actions for h in a.history[:1]]
    first = min((f"{d:%Y-%m}" for d in raised), default=last)
    start = max(min(first, add_months(last, 1 - at_least)), add_months(last, 1 - months))
    trend = []
    month = start
    while month <= last:
        end = min(_month_end(month), until)
        opened = sum(1 for a in actions for h in a.history[:1] if f"{local_day(h.occurred_at):%Y-%m}" == month)
        closed = sum(
            1 for a in actions for h in a.history
            if h.event_type in CLOSES and f"{local_day(h.occurred_at):%Y-%m}" == month and local_day(h.occurred_at) <= until
        )
        # The pack's own day counts as the headline figure does (figures.overdue_actions), so the
        # chart's last point and the pack's "overdue" agree.
        overdue = overdue_actions(actions) if end == until else sum(1 for a in actions if _overdue_on(a, end))
        trend.append(ActionMonth(month, opened, closed, overdue))
        month = add_months(month, 1)
    return trend


@dataclass(frozen=True)
class Timeliness:
    label: str
    on_time: int = 0
    late: int = 0
    """Done, but after the due date."""
    overdue: int = 0
    """Not done, and past the due date."""
    pending: int = 0
    """Not done, not yet due."""

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.overdue + self.pending


def _returns(returns: Sequence[ReturnRow]) -> list[Timeliness]:
    rows = []
    for cycle in sorted({r.cycle_id for r in returns}):
        of = [r for r in returns if r.cycle_id == cycle]
        rows.append(
            Timeliness(
                f"Section 11 returns {cycle}",
                on_time=sum(1 for r in of if r.status == "submitted"),
                late=sum(1 for r in of if r.status == "late"),
                overdue=sum(1 for r in of if r.status == "overdue"),
                pending=sum(1 for r in of if r.status == "due"),
            )
        )
    return rows


def _reviews(reviews: ReviewsView | None) -> list[Timeliness]:
    if reviews is None:
        return []
    rows = []
    for kind_name in dict.fromkeys(c.kind_name for c in reviews.clocks):
        clocks = [c for c in reviews.clocks if c.kind_name == kind_name]
        closed = [c for c in clocks if not c.running]
        running = [c for c in clocks if c.running]
        rows.append(
            Timeliness(
                kind_name + "s",
                on_time=sum(1 for c in closed if not c.row.late),
                late=sum(1 for c in closed if c.row.late),
                overdue=sum(1 for c in running if c.overdue),
                pending=sum(1 for c in running if not c.overdue),
            )
        )
    requests = reviews.information_requests
    if requests:
        rows.append(
            Timeliness(
                "Information requests",
                on_time=sum(1 for q in requests if q.status == "provided" and not q.late),
                late=sum(1 for q in requests if q.status == "provided" and q.late),
                overdue=sum(1 for q in requests if q.status == "overdue"),
                pending=sum(1 for q in requests if q.status == "requested"),
            )
        )
    return rows


def timeliness(returns: Sequence[ReturnRow], reviews: ReviewsView | None) -> list[Timeliness]:
    """One row per Section 11 cycle, per kind of review clock, and for information requests."""
    return [row for row in (*_returns(returns), *_reviews(reviews)) if row.total]
