"""Tests for shared.clock: injectable clocks (no sleeping, no wall-clock waits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.clock import Clock, ManualClock, SharedClock, SystemClock

START = datetime(2026, 12, 18, 9, 30, tzinfo=UTC)


def test_clock_is_abstract() -> None:
    with pytest.raises(TypeError):
        Clock()  # type: ignore[abstract]


def test_system_clock_is_aware_utc_and_current() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_manual_clock_starts_where_told() -> None:
    clock = ManualClock(START)
    assert clock.now() == START
    assert clock.now() == START  # does not move by itself
    assert isinstance(clock, Clock)


def test_manual_clock_rejects_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1, 12, 0))


def test_manual_clock_normalises_to_utc() -> None:
    bst = timezone(timedelta(hours=1))
    clock = ManualClock(datetime(2026, 6, 1, 10, 0, tzinfo=bst))
    assert clock.now() == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)


def test_advance_moves_forward() -> None:
    clock = ManualClock(START)
    returned = clock.advance(timedelta(days=15, hours=2))
    assert clock.now() == START + timedelta(days=15, hours=2)
    assert returned == clock.now()
    clock.advance(timedelta(0))
    assert clock.now() == START + timedelta(days=15, hours=2)


def test_advance_refuses_negative_delta() -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START


def test_set_jumps_forward_and_allows_same_moment() -> None:
    clock = ManualClock(START)
    target = datetime(2027, 1, 13, 17, 0, tzinfo=UTC)
    assert clock.set(target) == target
    assert clock.now() == target
    clock.set(target)  # same moment: not backwards
    assert clock.now() == target


def test_set_refuses_going_backwards() -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(START - timedelta(microseconds=1))
    assert clock.now() == START


def test_set_refuses_naive_moment() -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2027, 1, 1))


def test_set_compares_across_timezones() -> None:
    clock = ManualClock(START)  # 09:30 UTC
    ahead = timezone(timedelta(hours=5))
    # 14:00+05:00 is 09:00 UTC: earlier than START, so refused
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 12, 18, 14, 0, tzinfo=ahead))
    # 15:00+05:00 is 10:00 UTC: later
    clock.set(datetime(2026, 12, 18, 15, 0, tzinfo=ahead))
    assert clock.now() == datetime(2026, 12, 18, 10, 0, tzinfo=UTC)


def test_code_written_against_clock_is_deterministic() -> None:
    def stamp(clock: Clock) -> str:
        return clock.now().isoformat()

    a, b = ManualClock(START), ManualClock(START)
    for clock in (a, b):
        clock.advance(timedelta(hours=1))
    assert stamp(a) == stamp(b) == "2026-12-18T10:30:00+00:00"


def test_shared_clock_reads_its_base_until_held_then_the_moment_held() -> None:
    base = ManualClock(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    clock = SharedClock(base)
    assert clock.now() == base.now() and not clock.following
    clock.start_at(datetime(2025, 12, 7, 0, 0, tzinfo=UTC))  # a process starting while a demo plays: back in the year
    assert clock.now() == datetime(2025, 12, 7, 0, 0, tzinfo=UTC) and clock.following
    moved: list[datetime] = []
    clock.on_moved(lambda: moved.append(clock.now()))
    assert clock.move_to(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    assert moved == [datetime(2026, 3, 1, 10, 0, tzinfo=UTC)]
    with pytest.raises(ValueError):
        clock.start_at(datetime(2026, 1, 1, tzinfo=UTC))  # starts once


def test_shared_clock_never_goes_backwards() -> None:
    clock = SharedClock(ManualClock(datetime(2026, 12, 6, 12, 0, tzinfo=UTC)))
    assert clock.move_to(datetime(2026, 6, 1, tzinfo=UTC)) is False  # before its base clock's now
    clock.start_at(datetime(2026, 6, 1, tzinfo=UTC))
    assert clock.move_to(datetime(2026, 5, 1, tzinfo=UTC)) is False
    assert clock.now() == datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.move_to(datetime(2026, 7, 1))  # naive


def test_shared_clock_handed_back_holds_at_the_last_moment_until_its_base_passes_it() -> None:
    base = ManualClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    clock = SharedClock(base)
    clock.start_at(datetime(2025, 12, 7, tzinfo=UTC))
    clock.move_to(datetime(2026, 12, 6, 9, 30, tzinfo=UTC))  # the demo's last moment, a little ahead of the base
    assert clock.move_to(None) and not clock.following
    assert clock.now() == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    base.set(datetime(2026, 12, 6, 10, 0, tzinfo=UTC))
    assert clock.now() == base.now()
