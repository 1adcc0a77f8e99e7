"""Throttling of sign-in attempts by address, beside the lock-out of an account.

Lock-out (accounts.LOCK_AFTER) stops guessing one account's password; this stops one
address trying many accounts (or addresses that have none): after LIMIT failures within
WINDOW an address is answered "too many attempts" until the oldest failure ages out.
Kept in the process's memory: a restart forgets, which only gives a guesser a fresh
window, and a single front door serves each installation.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from shared.clock import Clock

LIMIT = 20
WINDOW = timedelta(minutes=10)
MAX_ADDRESSES = 10_000


class Throttle:
    def __init__(self, clock: Clock, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, address: str) -> deque[datetime]:
        seen = self._failures.get(address, deque())
        since = self._clock.now() - self._window
        while seen and seen[0] <= since:
            seen.popleft()
        return seen

    def refused(self, address: str) -> bool:
        return len(self._recent(address)) >= self._limit

    def failed(self, address: str) -> None:
        if len(self._failures) >= MAX_ADDRESSES:
            self._failures.clear()  # a flood of addresses: start again rather than grow
        seen = self._recent(address)
        seen.append(self._clock.now())
        self._failures[address] = seen
