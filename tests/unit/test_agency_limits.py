"""Each agency's fair share of a service: requests at once, and rate (shared/messaging/limits.py)."""

import pytest

from shared.messaging.limits import AgencyLimits
from shared.refusals import Refusal


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_an_agency_over_its_places_is_told_it_is_busy_and_others_are_not() -> None:
    limits = AgencyLimits(in_flight=2, rate_per_second=1000, burst=1000, now=Ticks())
    with limits.admit("a"), limits.admit("a"):
        with pytest.raises(Refusal) as busy, limits.admit("a"):
            pass
        assert busy.value.code == "busy"
        with limits.admit("b"):  # another agency has its own places
            pass
    with limits.admit("a"):  # answered ones give their places back
        pass


def test_the_rate_is_a_bucket_that_refills() -> None:
    clock = Ticks()
    limits = AgencyLimits(in_flight=100, rate_per_second=2, burst=3, now=clock)
    for _ in range(3):
        with limits.admit("a"):
            pass
    with pytest.raises(Refusal) as fast, limits.admit("a"):
        pass
    assert fast.value.code == "rate_limited"
    clock.t += 0.5  # one token back
    with limits.admit("a"):
        pass
    with pytest.raises(Refusal), limits.admit("a"):
        pass
