"""The day the platform under test runs on, for tests that use the real clock.

An end-to-end test starts the services as processes on the wall clock, so the dates it
sends must be chosen relative to today: a cycle opened today, an action due in a month.
``SCRUTINY_TODAY=YYYY-MM-DD`` moves the services' clock and this one together
(shared/clock.py ShiftedClock), which is how the suite is tried on a 29 February, a year
end or ten years ahead (docs/development.md)."""

from datetime import date, timedelta

from shared.config import Settings
from shared.london import today as london_today


def today() -> date:
    """Today in London on the clock the platform under test runs on."""
    return london_today(Settings().clock())


def days_from_today(days: int) -> str:
    """An ISO date ``days`` after today (before it when negative)."""
    return (today() + timedelta(days=days)).isoformat()
