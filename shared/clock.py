"""Injectable clocks.

Nothing in the platform may call ``datetime.now()`` directly: deadline
watchers, event envelopes and projections read the time from a :class:`Clock`
so that history replays the same way every time. Production code is given a
:class:`SystemClock`; tests and replays are given a :class:`ManualClock` and
move time forward explicitly. ``SCRUTINY_TODAY`` runs a whole platform on a
:class:`ShiftedClock`: the wall clock ticking as usual, on another day, so
the suite's end-to-end tests can be run as if it were a 29 February, a year
end or ten years ahead (docs/development.md).

All clocks return timezone-aware datetimes in UTC.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import UTC, date, datetime, timedelta

from shared.london import local_day

__all__ = ["Clock", "ManualClock", "ShiftedClock", "SystemClock", "platform_clock"]



def _require_aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


class Clock(ABC):
    """Source of the current time. ``now()`` is timezone-aware and in UTC."""

    @abstractmethod
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class SystemClock(Clock):
    """The real wall clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ShiftedClock(SystemClock):
    """The wall clock, ticking, a whole number of days away: ``ShiftedClock.on(day)`` is
    today's time of day in London on ``day``."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    @classmethod
    def on(cls, day: date) -> ShiftedClock:
        return cls(timedelta(days=(day - local_day(datetime.now(UTC))).days))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def __repr__(self) -> str:
        return f"ShiftedClock({self.offset.days} days)"


def platform_clock(today: date | None = None) -> Clock:
    """The clock a platform runs on: the wall clock, or it moved to ``today`` (SCRUTINY_TODAY)."""
    return SystemClock() if today is None else ShiftedClock.on(today)


class ManualClock(Clock):
    """A clock that only moves when told to; for tests and deterministic replays.

    Time never goes backwards: :meth:`advance` refuses a negative delta and
    :meth:`set` refuses a moment earlier than the current one.
    """

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start, "start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (>= 0) and return the new time."""
        if not isinstance(delta, timedelta):
            raise TypeError(f"delta must be a timedelta, got {type(delta).__name__}")
        if delta < timedelta(0):
            raise ValueError(f"cannot advance a clock backwards (delta={delta})")
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (aware, not earlier than now) and return it in UTC."""
        target = _require_aware(moment, "moment")
        with self._lock:
            if target < self._now:
                raise ValueError(
                    f"cannot set clock backwards from {self._now.isoformat()} "
                    f"to {target.isoformat()}"
                )
            self._now = target
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"
