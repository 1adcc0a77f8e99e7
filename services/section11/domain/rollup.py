"""Signatures of risk: standards rolled up into one rating per domain, by the profile's rule."""

from collections.abc import Mapping
from statistics import median_low

from shared.profiles.section11 import Section11Rules


def roll_up(rule: str, ratings: list[int], scale: list[int]) -> int:
    """One domain rating from its standards' ratings (always a value on the scale).

    - lowest: the weakest standard decides (a single inadequate answer is a risk);
    - mean_rounded_down: the mean, rounded towards the worse level;
    - median: the middle rating; of two middles, the worse one.
    Rounding goes towards risk because a partnership would rather challenge a
    return than miss one.
    """
    if not ratings:
        raise ValueError("a domain needs at least one rated standard")
    if rule == "lowest":
        return min(ratings)
    if rule == "median":
        return median_low(ratings)
    if rule == "mean_rounded_down":
        # The scale's level at or below the mean, so the result stays on the scale
        # (compared in integers: a float mean of large ratings can round below them all).
        return max(level for level in scale if level * len(ratings) <= sum(ratings))
    raise ValueError(f"unknown roll-up rule {rule!r}")


def domain_ratings(rules: Section11Rules, standard_ratings: Mapping[str, int]) -> dict[str, int]:
    """The roll-up of every domain that has at least one rated standard (in the profile's
    order of domains, each domain's ratings in its order of standards). The standards are
    walked once and the scale read once: this runs for every return submitted."""
    rated: dict[str, list[int]] = {}
    for standard in rules.standards:
        if standard.id in standard_ratings:
            rated.setdefault(standard.domain, []).append(standard_ratings[standard.id])
    scale = rules.rating_scale.values
    return {domain.id: roll_up(rules.rollup, rated[domain.id], scale) for domain in rules.domains if domain.id in rated}
