"""The Section 11 self-assessment: domains, standards, rating scale, cadence and
the rule that rolls standards up into signatures-of-risk domain ratings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Model, NonEmptyStr, Problems, Slug, known


class Domain(Model):
    id: Slug
    name: NonEmptyStr
    bespoke: bool = False
    description: str = ""


class Standard(Model):
    id: Slug
    domain: str
    text: NonEmptyStr
    bespoke: bool = False
    """A question the partnership added to the common tool for a local area of focus."""


class RatingLevel(Model):
    value: int
    label: NonEmptyStr
    rag: Literal["red", "amber", "green"]


class RatingScale(Model):
    """Rating levels ordered from worst to best (strictly increasing values)."""

    levels: list[RatingLevel] = Field(min_length=2)

    @model_validator(mode="after")
    def _check_levels(self) -> RatingScale:
        problems = Problems()
        problems.unique_ids("levels", self.levels, "value")
        problems.unique_ids("levels", self.levels, "label")
        for i in range(1, len(self.levels)):
            prev, cur = self.levels[i - 1], self.levels[i]
            if cur.value < prev.value:
                problems.add(
                    ("levels", i, "value"),
                    f"levels must be ordered from worst to best with increasing values; "
                    f"{cur.value} comes after {prev.value}",
                )
        problems.raise_if_any()
        return self

    @property
    def values(self) -> list[int]:
        return [level.value for level in self.levels]

    @property
    def worst(self) -> RatingLevel:
        return self.levels[0]

    @property
    def best(self) -> RatingLevel:
        return self.levels[-1]

    def level(self, value: int) -> RatingLevel:
        """The level with this value; KeyError if the value is not on the scale."""
        for level in self.levels:
            if level.value == value:
                return level
        raise KeyError(f"{value} is not on the rating scale ({known(self.values)})")

    def __contains__(self, value: object) -> bool:
        return any(level.value == value for level in self.levels)


class Triangulation(Model):
    """How practitioners' survey results challenge green self-scores."""

    survey_low_percent: float = Field(default=60, ge=0, le=100)
    """A survey result below this share of staff agreeing is low."""
    challenge_rags: list[Literal["red", "amber", "green"]] = Field(default_factory=lambda: ["green"])
    """Self-scores of these colours are challenged by a low survey result."""


class PeerChallenge(Model):
    """Peer review workshops after the audit (e.g. Somerset) for domains flagged
    for development (at or below the risk threshold) and for good practice (the best level)."""

    within_months: int = Field(default=12, ge=1)
    development: bool = True
    good_practice: bool = True


class Section11Rules(Model):
    """How the Section 11 self-assessment runs and how ratings become risk."""

    cadence_months: int = Field(ge=1)
    domains: list[Domain] = Field(min_length=1)
    standards: list[Standard]
    rating_scale: RatingScale
    risk_threshold: int
    """A domain whose rolled-up rating is at or below this value is a risk."""
    highest_risk: int | None = None
    """The rolled-up rating at (or below) which a call-in is proposed (`CallInProposed`).
    Unset when the framework calls no agency in: its worst-rated domains are risks like
    any at the threshold. Set only with an activity of kind `call_in`."""
    rollup: Literal["lowest", "mean_rounded_down", "median"]
    submission_window_days: int = Field(ge=1)
    reminder_days_before: list[int] = Field(default_factory=list)
    triangulation: Triangulation = Field(default_factory=Triangulation)
    peer_challenge: PeerChallenge | None = None
    """Set when the framework runs peer challenge workshops on the audit's findings."""

    @model_validator(mode="after")
    def _check_references(self) -> Section11Rules:
        problems = Problems()
        problems.unique_ids("domains", self.domains)
        problems.unique_ids("standards", self.standards)
        domain_ids = {d.id for d in self.domains}
        for i, standard in enumerate(self.standards):
            if standard.domain not in domain_ids:
                problems.add(
                    ("standards", i, "domain"),
                    f"unknown domain {standard.domain!r} (known: {known(domain_ids)})",
                )
        scale = self.rating_scale
        for field in ("risk_threshold", "highest_risk"):
            value = getattr(self, field)
            if value is not None and value not in scale:
                problems.add(
                    (field,),
                    f"{value} is not a value on the rating scale ({known(scale.values)})",
                )
        if (
            self.highest_risk is not None
            and self.highest_risk in scale
            and self.risk_threshold in scale
            and self.highest_risk > self.risk_threshold
        ):
            problems.add(
                ("highest_risk",),
                f"highest_risk ({self.highest_risk}) must be at or below "
                f"risk_threshold ({self.risk_threshold})",
            )
        seen: set[int] = set()
        for i, days in enumerate(self.reminder_days_before):
            if days < 1:
                problems.add(("reminder_days_before", i), f"must be at least 1 (got {days})")
            elif days >= self.submission_window_days:
                problems.add(
                    ("reminder_days_before", i),
                    f"{days} days is not inside the submission window "
                    f"({self.submission_window_days} days)",
                )
            if days in seen:
                problems.add(("reminder_days_before", i), f"duplicate reminder {days}")
            seen.add(days)
        problems.raise_if_any()
        return self

    def standards_for(self, domain_id: str) -> list[Standard]:
        return [s for s in self.standards if s.domain == domain_id]

    def is_risk(self, rating: int) -> bool:
        return rating <= self.risk_threshold

    def proposes_call_in(self, rating: int) -> bool:
        return self.highest_risk is not None and rating <= self.highest_risk


