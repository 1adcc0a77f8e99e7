"""Tests for shared.calendar: working days with English bank holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import WorkingDayCalendar, add_months

CAL = WorkingDayCalendar()


# ---------------------------------------------------------------------------
# bank holidays come from the holidays library
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "d",
    [
        date(2026, 12, 25),  # Christmas Day (Friday)
        date(2026, 12, 28),  # Boxing Day substitute (26th is a Saturday)
        date(2027, 1, 1),  # New Year's Day (Friday)
        date(2027, 3, 26),  # Good Friday 2027
        date(2027, 3, 29),  # Easter Monday 2027
        date(2026, 5, 4),  # Early May bank holiday
        date(2026, 8, 31),  # Summer bank holiday (England, not Scotland)
    ],
)
def test_bank_holidays_are_not_working_days(d: date) -> None:
    assert d.weekday() < 5
    assert not CAL.is_working_day(d)
    assert CAL.holiday_name(d)


def test_weekends_are_not_working_days_and_weekdays_are() -> None:
    assert not CAL.is_working_day(date(2026, 12, 19))  # Saturday
    assert not CAL.is_working_day(date(2026, 12, 20))  # Sunday
    assert CAL.is_working_day(date(2026, 12, 18))  # Friday
    assert CAL.is_working_day(date(2026, 12, 29))  # Tuesday between the holidays
    assert CAL.holiday_name(date(2026, 12, 29)) is None


def test_subdivision_matters() -> None:
    # 2 January is a bank holiday in Scotland only.
    assert CAL.is_working_day(date(2026, 1, 2))
    assert not WorkingDayCalendar(subdiv="SCT").is_working_day(date(2026, 1, 2))


def test_extra_closures() -> None:
    cal = WorkingDayCalendar(extra_closures=[date(2026, 12, 24)])
    assert not cal.is_working_day(date(2026, 12, 24))
    assert cal.holiday_name(date(2026, 12, 24)) == "Local closure"
    assert cal.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 29)


# ---------------------------------------------------------------------------
# the Christmas 2026 rapid review
# ---------------------------------------------------------------------------


def test_rapid_review_over_christmas_2026() -> None:
    # A serious incident notification on Friday 18 December 2026 (day 0); the
    # rapid review is due on the 15th working day after it.
    #   Mon 21 Dec  1    Tue 22 Dec  2    Wed 23 Dec  3    Thu 24 Dec  4
    #   Fri 25 Dec  -  Christmas Day
    #   Sat 26 / Sun 27 - weekend (Boxing Day falls on the Saturday)
    #   Mon 28 Dec  -  Boxing Day substitute bank holiday
    #   Tue 29 Dec  5    Wed 30 Dec  6    Thu 31 Dec  7
    #   Fri  1 Jan  -  New Year's Day;  Sat 2 / Sun 3 - weekend
    #   Mon  4 Jan  8    Tue  5 Jan  9    Wed  6 Jan 10    Thu  7 Jan 11
    #   Fri  8 Jan 12;   Sat 9 / Sun 10 - weekend
    #   Mon 11 Jan 13    Tue 12 Jan 14    Wed 13 Jan 15
    # => due Wednesday 13 January 2027.
    notified = date(2026, 12, 18)
    expected = date(2027, 1, 13)
    assert CAL.add_working_days(notified, 15) == expected
    assert CAL.due_date(notified, 15, "working_days") == expected
    assert CAL.working_days_between(notified, expected) == 15
    # the three bank holidays push it 3 working days later than a
    # weekends-only count would (which gives Friday 8 January).
    assert CAL.working_days_between(date(2027, 1, 8), expected) == 3
    # and the 5-working-day notification to the National Panel
    assert CAL.add_working_days(notified, 5) == date(2026, 12, 29)


def test_easter_2027_weekend() -> None:
    # Good Friday 26 March, Easter Monday 29 March 2027.
    thursday = date(2027, 3, 25)
    assert CAL.is_working_day(thursday)
    assert CAL.add_working_days(thursday, 1) == date(2027, 3, 30)  # Tuesday
    # Tue 30 (1), Wed 31 (2), Thu 1 Apr (3), Fri 2 Apr (4), Mon 5 Apr (5)
    assert CAL.add_working_days(thursday, 5) == date(2027, 4, 5)
    assert CAL.working_days_between(thursday, date(2027, 3, 30)) == 1
    assert CAL.working_days_between(date(2027, 3, 26), date(2027, 3, 29)) == 0
    # counting backwards over the weekend
    assert CAL.add_working_days(date(2027, 3, 30), -1) == thursday
    # 15 working days from the Good Friday itself (a non-working start):
    # Tue 30 Mar (1) ... Mon 19 Apr (15): Mar 30,31, Apr 1,2,5,6,7,8,9,12,13,14,15,16,19
    assert CAL.add_working_days(date(2027, 3, 26), 15) == date(2027, 4, 19)


def test_calendar_days_mode() -> None:
    notified = date(2026, 12, 18)
    # 15 calendar days: 2 January 2027, a Saturday; holidays and weekends
    # are counted and the date is not moved.
    assert CAL.due_date(notified, 15, "calendar_days") == date(2027, 1, 2)
    assert CAL.due_date(notified, 0, "calendar_days") == notified
    assert CAL.due_date(date(2027, 3, 25), 4, "calendar_days") == date(2027, 3, 29)


def test_due_date_rejects_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        CAL.due_date(date(2026, 1, 5), 3, "weeks")  # type: ignore[arg-type]


def test_day_zero_and_weekend_starts() -> None:
    saturday = date(2026, 12, 19)
    assert CAL.add_working_days(saturday, 0) == saturday
    assert CAL.add_working_days(saturday, 1) == date(2026, 12, 21)
    assert CAL.next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)
    assert CAL.next_working_day(date(2026, 12, 29)) == date(2026, 12, 29)


def test_working_days_between_conventions() -> None:
    d = date(2026, 12, 18)
    assert CAL.working_days_between(d, d) == 0
    assert CAL.working_days_between(d, date(2027, 1, 13)) == 15
    assert CAL.working_days_between(date(2027, 1, 13), d) == -15


# ---------------------------------------------------------------------------
# months (CSPR within 6 months of the decision)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # clamped to month end
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 12, 10), 1, date(2027, 1, 10)),  # year rollover
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 31), -13, date(2024, 12, 31)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert CAL.add_months(start, months) == expected
    assert add_months(start, months) == expected


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@settings(deadline=None, max_examples=200)
@given(start=_dates, n=st.integers(min_value=1, max_value=300))
def test_add_working_days_property(start: date, n: int) -> None:
    result = CAL.add_working_days(start, n)
    assert result > start
    assert CAL.is_working_day(result)
    assert CAL.working_days_between(start, result) == n
    # it is the *first* date with n working days: the day before has n - 1
    assert CAL.working_days_between(start, result - timedelta(days=1)) == n - 1
    assert CAL.due_date(start, n, "working_days") == result


@settings(deadline=None, max_examples=100)
@given(start=_dates, n=st.integers(min_value=1, max_value=300))
def test_add_working_days_backwards_property(start: date, n: int) -> None:
    result = CAL.add_working_days(start, -n)
    assert result < start
    assert CAL.is_working_day(result)
    assert CAL.working_days_between(start, result) == -CAL.working_days_between(result, start)
    # exactly n working days in [result, start), i.e. (result - 1, start - 1]
    one = timedelta(days=1)
    assert CAL.working_days_between(result - one, start - one) == n


@settings(deadline=None, max_examples=100)
@given(a=_dates, b=_dates)
def test_working_days_between_is_antisymmetric_and_bounded(a: date, b: date) -> None:
    forward = CAL.working_days_between(a, b)
    assert forward == -CAL.working_days_between(b, a)
    assert abs(forward) <= abs((b - a).days)
