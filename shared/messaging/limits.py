"""Fair shares for agencies: how many requests one agency may have in a service at once,
and how fast it may send them, so that one agency cannot slow another beyond a bound.

Each service process keeps, per sending agency, a count of its requests being handled
and a token bucket of its rate. A request over either is answered at once, `busy` or
`rate_limited`, with what to do: it is not bad input, so it is not parked, and sending
the same request again later is safe (its request id makes it the same request).
The bound: another agency waits at most for the workers left to it (the subscriber's
workers less one agency's IN_FLIGHT), never behind a flood of one agency's requests.
The business unit and the front door's people are not limited here: the front door
throttles sign-ins, and the business unit is a handful of people.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from shared.refusals import Refusal

# Per agency, per service process. A subscriber of an agency's commands has 256 workers
# (shared/messaging/routing.py MAX_WORKERS): one agency holds at most a quarter.
IN_FLIGHT = 64
RATE_PER_SECOND = 200.0
BURST = 400
MAX_AGENCIES = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float
    in_flight: int = 0


@dataclass
class AgencyLimits:
    in_flight: int = IN_FLIGHT
    rate_per_second: float = RATE_PER_SECOND
    burst: int = BURST
    now: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def _bucket(self, agency: str) -> _Bucket:
        bucket = self._buckets.get(agency)
        if bucket is None:
            if len(self._buckets) >= MAX_AGENCIES:
                self._buckets = {a: b for a, b in self._buckets.items() if b.in_flight}
            bucket = self._buckets[agency] = _Bucket(float(self.burst), self.now())
        return bucket

    @contextmanager
    def admit(self, agency: str) -> Iterator[None]:
        """Hold one of the agency's places while its request is handled; Refusal when none is free."""
        bucket = self._bucket(agency)
        now = self.now()
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate_per_second)
        bucket.at = now
        if bucket.in_flight >= self.in_flight:
            raise Refusal("busy", f"{agency} has {bucket.in_flight} requests in this service already; "
                                  "wait for their answers, then send this one again")
        if bucket.tokens < 1:
            raise Refusal("rate_limited", f"{agency} sends more than {self.rate_per_second:g} requests a second; "
                                          "send this one again in a moment")
        bucket.tokens -= 1
        bucket.in_flight += 1
        try:
            yield
        finally:
            bucket.in_flight -= 1
