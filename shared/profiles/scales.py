"""The scales a partnership rates on besides the Section 11 scale: the levels of assurance
its key indicators are rated on, the matrix its risks are scored on, and the grades its
multi-agency audits give a case. Each defaults to what the platform used before a
profile could set it (no shipped document gives one): the four levels of assurance of
HM Treasury's Assurance Frameworks, the NHS's 5 x 5 risk matrix and its bands, and
Ofsted's four grades."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Model, NonEmptyStr, Problems, Slug

__all__ = ["AssuranceLevel", "AuditGrade", "RiskBand", "RiskMatrix"]


class AssuranceLevel(Model):
    """A level of assurance a key indicator is rated on."""

    id: Slug
    name: NonEmptyStr


DEFAULT_ASSURANCE_LEVELS = [
    {"id": "substantial", "name": "Substantial assurance"},
    {"id": "moderate", "name": "Moderate assurance"},
    {"id": "limited", "name": "Limited assurance"},
    {"id": "unsatisfactory", "name": "Unsatisfactory"},
]


def default_assurance_levels() -> list[AssuranceLevel]:
    return [AssuranceLevel(**level) for level in DEFAULT_ASSURANCE_LEVELS]


class AuditGrade(Model):
    """A grade a multi-agency audit gives a case."""

    id: Slug
    name: NonEmptyStr


DEFAULT_AUDIT_GRADES = [
    {"id": "outstanding", "name": "Outstanding"},
    {"id": "good", "name": "Good"},
    {"id": "requires-improvement", "name": "Requires improvement"},
    {"id": "inadequate", "name": "Inadequate"},
]


def default_audit_grades() -> list[AuditGrade]:
    return [AuditGrade(**grade) for grade in DEFAULT_AUDIT_GRADES]


class RiskBand(Model):
    """A band of risk scores (likelihood x impact), from its lowest score up to the next band's."""

    name: NonEmptyStr
    from_score: int = Field(ge=1)
    """The lowest score in the band."""
    colour: Literal["green", "yellow", "amber", "red"]
    """How the band is shown."""


def default_risk_bands() -> list[RiskBand]:
    return [
        RiskBand(name="Low", from_score=1, colour="green"),
        RiskBand(name="Moderate", from_score=4, colour="yellow"),
        RiskBand(name="High", from_score=8, colour="amber"),
        RiskBand(name="Extreme", from_score=15, colour="red"),
    ]


class RiskMatrix(Model):
    """How risks are scored: likelihood and impact, each from 1 to its highest, and the bands of their product."""

    likelihood: int = Field(default=5, ge=2, le=10)
    """The highest likelihood rating (1 is the lowest)."""
    impact: int = Field(default=5, ge=2, le=10)
    """The highest impact rating (1 is the lowest)."""
    bands: list[RiskBand] = Field(default_factory=default_risk_bands, min_length=1)
    """The bands, lowest first; the first starts at a score of 1."""

    @model_validator(mode="after")
    def _check_bands(self) -> RiskMatrix:
        problems = Problems()
        if self.bands and self.bands[0].from_score != 1:
            problems.add(("bands", 0, "from_score"), f"the lowest band starts at a score of 1, not {self.bands[0].from_score}")
        for i in range(1, len(self.bands)):
            if self.bands[i].from_score <= self.bands[i - 1].from_score:
                problems.add(("bands", i, "from_score"), "bands are listed lowest first, each starting above the one before")
        for i, band in enumerate(self.bands):
            if band.from_score > self.highest:
                problems.add(("bands", i, "from_score"), f"{band.from_score} is above the highest score, {self.highest}")
        problems.raise_if_any()
        return self

    @property
    def highest(self) -> int:
        return self.likelihood * self.impact

    def band(self, score: int) -> RiskBand:
        """The band a score falls in."""
        return next(b for b in reversed(self.bands) if score >= b.from_score)
