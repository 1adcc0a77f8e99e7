"""Injectable clocks.

Nothing in the platform may call ``datetime.now()`` directly: deadline
watchers, event envelopes and projections read the time from a :class:`Clock`
so that history replays the same way every time. Production code is given a
:class:`SystemClock`; tests and replays are given a :class:`ManualClock` and
move time forward explicitly. ``SCRUTINY_TODAY`` runs a whole platform on a
:class:`ShiftedClock`: the wall clock ticking as usual, on another day, so
the suite's end-to-end tests can be run as if it were a 29 February, a year
end or ten years ahead (docs/development.md). ``SCRUTINY_CLOCK=demo`` runs every
service on a :class:`SharedClock` that the demo moves through the year it plays
(``shared/runtime/demo_clock.py``), then hands back to the wall clock.

All clocks return timezone-aware datetimes in UTC.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from shared.london import local_day

__all__ = ["Clock", "ManualClock", "SharedClock", "ShiftedClock", "SystemClock", "platform_clock"]

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


class SharedClock(Clock):
    """The clock of a platform whose demo plays a year: the moment the demo last set (the
    same in every service process, which each learn it from NATS), else its base clock
    (the wall clock, or SCRUTINY_TODAY's).

    It never goes backwards: a moment earlier than now is ignored, and when the demo hands
    back (``move_to(None)``) it reads its base clock again, held at the last moment set
    until the base clock passes it. Whoever waits on time (the deadline watchers) is woken
    by :meth:`on_moved` each time it moves.
    """

    def __init__(self, base: Clock) -> None:
        self._base = base
        self._moment: datetime | None = None
        self._floor: datetime | None = None
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            moment, floor = self._moment, self._floor
        if moment is not None:
            return moment
        base = self._base.now()
        return base if floor is None or base >= floor else floor

    def start_at(self, moment: datetime) -> None:
        """Where a process that starts while a demo plays begins: the demo's moment, even
        if its base clock is later (allowed once, before the clock has moved)."""
        with self._lock:
            if self._moment is not None or self._floor is not None:
                raise ValueError("a shared clock starts once, before it moves")
            self._moment = _require_aware(moment, "moment")

    @property
    def following(self) -> bool:
        """Whether the demo holds it at a moment (rather than its base clock)."""
        return self._moment is not None

    def move_to(self, moment: datetime | None) -> bool:
        """Hold the clock at `moment` (aware), or hand it back to its base clock (None);
        False, and nothing changes, for a moment earlier than now."""
        target = None if moment is None else _require_aware(moment, "moment")
        current = self.now()
        with self._lock:
            if target is None:
                if self._moment is None:
                    return True
                self._moment, self._floor = None, current
            elif target < current:
                return False
            else:
                self._moment = target
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return True

    def on_moved(self, listener: Callable[[], None]) -> None:
        """Call `listener` (no arguments, on the mover's thread) each time the clock moves."""
        with self._lock:
            self._listeners.append(listener)

    def __repr__(self) -> str:
        return f"SharedClock({self._moment.isoformat() if self._moment else repr(self._base)})"
