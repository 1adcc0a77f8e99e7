"""London time, once: the day a partnership lives in.

Statutory clocks are counted in English days (a return due on the 30th is late from
the first moment of the 31st, GMT or BST as the day falls), so every rule that turns
a moment into a day, or a day into a moment, uses this module and no other spelling:
the zone, the local day of a moment, the start and end of a day, the moment something
due on a day becomes late, and nine o'clock (when a reminder goes out).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from shared.clock import Clock

__all__ = ["LONDON", "end_of_day", "late_from", "local_day", "nine_am", "start_of_day", "today"]

LONDON = ZoneInfo("Europe/London")


def local_day(moment: datetime) -> date:
    """The London day `moment` (timezone-aware) falls on."""
    return moment.astimezone(LONDON).date()


def today(clock: Clock) -> date:
    """The clock's day in London."""
    return local_day(clock.now())


def start_of_day(day: date) -> datetime:
    """The first moment of `day` in London."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in London (what had happened "by" that day)."""
    return datetime.combine(day, time.max, tzinfo=LONDON)


def late_from(due_on: date) -> datetime:
    """The moment something due on `due_on` becomes late: the start of the next day."""
    return start_of_day(due_on + timedelta(days=1))


def nine_am(day: date) -> datetime:
    """Nine o'clock on `day` in London: when a reminder goes out."""
    return datetime.combine(day, time(9, 0), tzinfo=LONDON)
