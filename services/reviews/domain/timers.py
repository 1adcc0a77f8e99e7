"""When the reviews service's clocks run out, in London time, and the timers its events set.

A due date is a day: a thing due on the 13th is late from the first moment of
the 14th in London (GMT or BST as the day falls). A reminder or a warning for a
day goes at the first moment of that day. Events carry the dates; `timers(event)`
of each aggregate says which timers they start or stop, and the service's
deadline watcher turns those into deadlines.
"""

from dataclasses import dataclass
from datetime import date, datetime

from shared.refusals import Refusal


@dataclass(frozen=True)
class Start:
    """Run a timer of this kind on the event's stream until `at` (replacing one already running)."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class Stop:
    kind: str


Timer = Start | Stop


def not_after_today(value: date, today: date, field: str) -> None:
    if value > today:
        raise Refusal("date_in_future", f"{value.isoformat()} is after today ({today.isoformat()})", field)


def not_before(value: date, earliest: date, field: str, what: str) -> None:
    if value < earliest:
        raise Refusal("date_too_early", f"{value.isoformat()} is before {what} ({earliest.isoformat()})", field)


def changed_due_date(change: str, current: date, due_on: date, earliest: date, today: date) -> None:
    """An extension moves the due date later; an override may move it either way.
    Neither may set a day already gone (so a deadline already raised is never set again)."""
    if due_on == current:
        raise Refusal("due_date_unchanged", f"the due date is already {current.isoformat()}", "due_on")
    if change == "extension" and due_on < current:
        raise Refusal(
            "not_an_extension", f"{due_on.isoformat()} is before the current due date {current.isoformat()}; use an override", "due_on"
        )
    not_before(due_on, today, "due_on", "today")
    not_before(due_on, earliest, "due_on", "the day the clock started")
