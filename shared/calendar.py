"""Working-day arithmetic with English bank holidays.

Statutory timescales in safeguarding are counted either in *working days*
(serious incident notification within 5 working days, rapid review within 15
working days) or in *calendar days* / months (a CSPR within 6 months of the
decision). This module does that arithmetic.

Bank holidays come from the maintained ``holidays`` library
(``holidays.country_holidays("GB", subdiv="ENG")``), including substitute
days ("Boxing Day (observed)") and one-off holidays; there is no hand-written
holiday list here.

Conventions
-----------
* The start date is day 0. ``add_working_days(start, n)`` is the n-th working
  day *after* ``start`` (``start`` itself need not be a working day).
* ``working_days_between(start, end)`` counts the working days ``d`` with
  ``start < d <= end``, so ``working_days_between(s, add_working_days(s, n)) == n``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal, get_args

import holidays

__all__ = ["DueUnit", "WorkingDayCalendar", "add_months"]

DueUnit = Literal["working_days", "calendar_days"]

_ONE_DAY = timedelta(days=1)


def _month_length(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - _ONE_DAY).day


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the end of the month.

    31 August + 6 months is 28 (or 29) February; 29 February + 12 months is
    28 February. ``months`` may be negative.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise OverflowError(f"{start.isoformat()} + {months} months is out of range")
    return date(year, month, min(start.day, _month_length(year, month)))


class WorkingDayCalendar:
    """Working days in England: Monday to Friday, excluding bank holidays.

    ``subdiv`` selects the UK nation whose bank holidays apply (default
    ``"ENG"``, England). ``extra_closures`` adds local non-working days (for
    example a partnership's office closure) on top of the bank holidays.
    """

    def __init__(
        self,
        subdiv: str = "ENG",
        extra_closures: Iterable[date] = (),
    ) -> None:
        self.subdiv = subdiv
        # Years are populated lazily on first lookup (expand=True).
        self._holidays = holidays.country_holidays("GB", subdiv=subdiv)
        self._extra = frozenset(extra_closures)

    def __repr__(self) -> str:
        return f"WorkingDayCalendar(subdiv={self.subdiv!r})"

    # -- queries -----------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """Name of the bank holiday (or local closure) on ``d``, else None."""
        if d in self._extra:
            return "Local closure"
        return self._holidays.get(d)

    def is_working_day(self, d: date) -> bool:
        """True on Monday-Friday that is neither a bank holiday nor a closure."""
        return d.weekday() < 5 and d not in self._holidays and d not in self._extra

    # -- arithmetic --------------------------------------------------------

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` is day 0).

        ``n == 0`` returns ``start`` unchanged. A negative ``n`` counts
        backwards: the |n|-th working day before ``start``.
        """
        if n == 0:
            return start
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        current = start
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end``.

        Zero when ``start == end``; negative (``-working_days_between(end, start)``)
        when ``end`` is before ``start``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += _ONE_DAY
            if self.is_working_day(current):
                count += 1
        return count

    def due_date(self, start: date, n: int, unit: DueUnit) -> date:
        """The date ``n`` units after ``start``.

        ``"working_days"``: the n-th working day after ``start``.
        ``"calendar_days"``: ``start + n`` days, whatever day that is.
        """
        if unit == "working_days":
            return self.add_working_days(start, n)
        if unit == "calendar_days":
            return start + timedelta(days=n)
        raise ValueError(f"unknown unit {unit!r}; expected one of {get_args(DueUnit)}")

    def add_months(self, start: date, months: int) -> date:
        """``start`` plus ``months`` months, clamped to month end (e.g. CSPR due date)."""
        return add_months(start, months)

    def next_working_day(self, d: date) -> date:
        """``d`` if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d
