"""The partnership's performance data: the indicators its agencies supply figures for,
period by period, the comparators it measures them against (statistical neighbours,
England) and the rules that raise an early warning (a value beyond its threshold, or a
run of declining periods).

A *performance indicator* is a figure (Kent's Partnership Data Dashboard, Somerset's
quarterly data dashboard and scorecard, Calderdale's quantitative data), unlike a tier's
*key indicator* ("Extent to which ..."), which is rated on a level of assurance
(`reporting.tiers[].indicators`). References to the rest of the profile (agencies,
tiers, evidence elements, themes) are checked by `check_performance`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from .base import Loc, Model, NonEmptyStr, Problems, ProfileConsistencyError, Slug, known

if TYPE_CHECKING:
    from .reporting import Reporting

__all__ = ["Comparator", "Performance", "PerformanceIndicator", "Polarity", "Unit", "UNIT_RANGES"]

Unit = Literal["percent", "count", "rate", "days"]
Polarity = Literal["higher_is_better", "lower_is_better"]
Frequency = Literal["monthly", "quarterly", "yearly"]

UNIT_RANGES: dict[str, tuple[float, float | None]] = {
    "percent": (0.0, 100.0), "count": (0.0, None), "rate": (0.0, None), "days": (0.0, None),
}
"""The values each unit allows (lowest, highest; None: no highest). A count is also whole."""


class Comparator(Model):
    """Something the partnership compares its figures with (statistical neighbours, England)."""

    id: Slug
    name: NonEmptyStr
    note: str = ""
    """Where the comparator's figures come from (e.g. "DfE Children in Need census 2024-25")."""


class PerformanceIndicator(Model):
    """A figure an agency supplies every period, with the rules that raise an early warning."""

    id: Slug
    name: NonEmptyStr
    """What is measured, with its unit (e.g. "Re-referrals to children's social care within 12 months (%)")."""
    unit: Unit
    """percent (0-100), count (whole, 0 or more), rate (per 10,000 children, 0 or more) or days (0 or more)."""
    polarity: Polarity
    """Whether a higher or a lower figure is better."""
    frequency: Frequency
    """How often a value is supplied: monthly (period YYYY-MM), quarterly (YYYY-Qn, calendar
    quarters) or yearly (YYYY-YY, the financial year April to March)."""
    supplied_by: Slug
    """Reference to the agency that supplies the values."""
    tier: str | None = None
    """Reference to the tier (`reporting.tiers`) whose data dashboard shows it, when tiered."""
    element: str | None = None
    """Reference to the element of evidence it is (`reporting.evidence_elements`), when the profile has them."""
    themes: list[str] = Field(default_factory=list)
    """References to the themes (`reporting.themes`) it evidences; none: every theme (a headline figure)."""
    threshold: float | None = None
    """The early-warning threshold: a value worse than it (above it when lower is better, below
    it when higher is better) raises an early warning when it crosses it."""
    declining_periods: int | None = Field(default=None, ge=1)
    """Consecutive periods of decline that raise an early warning (none: the profile's `declining_periods`)."""
    comparators: dict[str, float] = Field(default_factory=dict)
    """The comparators' latest figures, by reference to `performance.comparators`."""
    reference: str = ""
    """The indicator's reference number in the partnership's indicator report, if it has one."""

    @model_validator(mode="after")
    def _check(self) -> PerformanceIndicator:
        low, high = UNIT_RANGES[self.unit]
        for where, value in [(("threshold",), self.threshold), *((("comparators", k), v) for k, v in self.comparators.items())]:
            if value is not None and (value < low or (high is not None and value > high)):
                raise ProfileConsistencyError([(where, f"{value:g} is outside what a {self.unit} can be")])
        return self


class Performance(Model):
    """The ``reporting.performance:`` section: comparators, indicators and the early-warning rule."""

    comparators: list[Comparator] = Field(default_factory=list)
    """What the figures are compared with."""
    indicators: list[PerformanceIndicator] = Field(default_factory=list)
    """The indicators agencies supply values for."""
    declining_periods: int = Field(default=3, ge=1)
    """Consecutive periods of decline that raise an early warning, unless an indicator says otherwise."""
    raised_to: str | None = None
    """Reference to the group an early warning is raised to (e.g. Kent's Scrutiny, Assurance and Audit Sub-group)."""

    def indicator(self, indicator_id: str) -> PerformanceIndicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def declining(self, indicator: PerformanceIndicator) -> int:
        return indicator.declining_periods or self.declining_periods


def check_performance(reporting: Reporting, problems: Problems, agencies: set[str], groups: set[str], loc: Loc) -> None:
    """Add a problem for each unknown reference of the performance section."""
    perf = reporting.performance
    base = (*loc, "performance")
    problems_ids: set[str] = set()
    for i, indicator in enumerate(perf.indicators):
        if indicator.id in problems_ids:
            problems.add((*base, "indicators", i, "id"), f"duplicate id {indicator.id!r}")
        problems_ids.add(indicator.id)
    tiers = {t.id for t in reporting.tiers}
    elements = {e.id for e in reporting.evidence_elements}
    themes = {t.id for t in reporting.themes}
    comparators = {c.id for c in perf.comparators}
    if perf.raised_to is not None and perf.raised_to not in groups:
        problems.add((*base, "raised_to"), f"unknown group {perf.raised_to!r} (known: {known(groups)})")
    for i, indicator in enumerate(perf.indicators):
        at = (*base, "indicators", i)
        if indicator.supplied_by not in agencies:
            problems.add((*at, "supplied_by"), f"unknown agency {indicator.supplied_by!r} (known: {known(agencies)})")
        if indicator.tier is not None and indicator.tier not in tiers:
            problems.add((*at, "tier"), f"unknown tier {indicator.tier!r} (known: {known(tiers)})")
        if indicator.element is not None and indicator.element not in elements:
            problems.add((*at, "element"), f"unknown evidence element {indicator.element!r} (known: {known(elements)})")
        for j, theme in enumerate(indicator.themes):
            if theme not in themes:
                problems.add((*at, "themes", j), f"unknown theme {theme!r} (known: {known(themes)})")
        for key in indicator.comparators:
            if key not in comparators:
                problems.add((*at, "comparators", key), f"unknown comparator {key!r} (known: {known(comparators)})")
