"""Indicator ratings: the business unit rates a key indicator of one of the profile's
tiers, citing the records that evidence it. One stream per indicator:
`indicator:{partnership}:{indicator_id}`; each rating is kept, the latest counts."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from services.reporting.domain.records.checks import not_after_today, not_before
from services.reporting.domain.records.commands import RateIndicator
from services.reporting.domain.records.evidence import Newest, cite
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import AssuranceLevel, IndicatorRated
from shared.profiles.reporting import Indicator, Tier
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def stream_id(partnership_id: str, indicator_id: str) -> str:
    return f"indicator:{partnership_id}:{indicator_id}"


@dataclass(frozen=True)
class IndicatorState:
    ratings: int = 0
    rating: AssuranceLevel | None = None
    rated_on: date | None = None


def evolve(state: IndicatorState, event: DomainEvent) -> IndicatorState:
    if isinstance(event, IndicatorRated):
        return replace(state, ratings=state.ratings + 1, rating=event.rating, rated_on=event.rated_on)
    return state


def indicator_of(profile: FrameworkProfile, indicator_id: str) -> tuple[Tier, Indicator]:
    for tier in profile.reporting.tiers:
        for indicator in tier.indicators:
            if indicator.id == indicator_id:
                return tier, indicator
    known = [i.id for t in profile.reporting.tiers for i in t.indicators]
    listed = ", ".join(known) if known else "none: the profile has no tiers of assurance"
    raise Refusal("unknown_indicator", f"{indicator_id!r} is not a key indicator of {profile.id} (known: {listed})", "indicator_id")


def decide_rate(
    state: IndicatorState,
    command: RateIndicator,
    profile: FrameworkProfile,
    newest: Mapping[tuple[str, str], Newest | None],
    today: date,
) -> list[DomainEvent]:
    """`newest[(kind, id)]` is each cited record's newest event (None: no such record)."""
    tier, indicator = indicator_of(profile, command.indicator_id)
    if profile.reporting.assurance_level(command.rating) is None:
        levels = ", ".join(level.id for level in profile.reporting.assurance_levels)
        raise Refusal("unknown_level", f"{command.rating!r} is not a level of assurance of {profile.id} (levels: {levels})", "rating")
    evidence = cite(command.evidence, profile.id, newest)
    not_after_today(command.rated_on, today, "rated_on")
    if state.rated_on is not None:
        not_before(command.rated_on, state.rated_on, "rated_on", "the indicator's latest rating")
    return [
        IndicatorRated(
            indicator_id=indicator.id,
            tier_id=tier.id,
            indicator_text=indicator.text,
            rating=command.rating,
            rationale=command.rationale,
            evidence=evidence,
            rated_on=command.rated_on,
            rated_by=command.rated_by,
            previous_rating=state.rating,
        )
    ]


# An indicator of the profile's tiers and its ratings (`indicator:{partnership}:{key}`).
INDICATOR = Aggregate("indicator", IndicatorState(), evolve)
