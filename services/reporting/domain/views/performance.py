"""Performance data as people read it (pure): each of the profile's performance indicators
with its series of values, its trend, where it stands against its threshold and the
comparators the profile names, and the early warnings raised. The dashboard, the board
pack's exceptions, the tiered report (a tier's data dashboard) and the thematic report's
quantitative section are all drawn from this one view.

The rows (`ValueRow`, `WarningRow`) are the read model's (adapters/areas/performance/queries.py),
declared here so the views are built from them without touching SQL."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.reporting.domain.records.performance import beyond
from shared.london import LONDON
from shared.profiles.performance import PerformanceIndicator
from shared.profiles.schema import FrameworkProfile

REASONS = {"threshold": "crossed its threshold", "declining": "declined period after period"}


@dataclass(frozen=True)
class ValueRow:
    """A period's value as it stands (the latest recorded for the period)."""

    indicator_id: str
    period: str
    period_start: date
    value: float
    previous_value: float | None
    supplied_by: str
    recorded_at: datetime
    event_id: str
    position: int


@dataclass(frozen=True)
class WarningRow:
    indicator_id: str
    indicator_name: str
    supplied_by: str
    period: str
    value: float
    reason: str
    threshold: float | None
    declining_periods: int | None
    series: tuple[tuple[str, float], ...]
    raised_to: str | None
    raised_at: datetime
    event_id: str
    position: int

    @property
    def raised_on(self) -> date:
        return self.raised_at.astimezone(LONDON).date()


def fmt(unit: str, value: float | None) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "days":
        return f"{value:g} days"
    return f"{value:g}"


@dataclass(frozen=True)
class Point:
    period: str
    period_start: date
    value: float
    beyond: bool
    """Worse than the threshold."""
    event_id: str
    position: int


@dataclass(frozen=True)
class IndicatorSeries:
    id: str
    name: str
    reference: str
    unit: str
    polarity: str
    frequency: str
    supplied_by: str
    supplier: str
    tier: str | None
    element: str | None
    themes: tuple[str, ...]
    threshold: float | None
    comparators: tuple[tuple[str, float], ...]
    """(comparator's name, its figure), in the profile's order."""
    points: tuple[Point, ...]
    warnings: tuple[WarningRow, ...] = ()

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def better(self) -> str:
        return "lower is better" if self.polarity == "lower_is_better" else "higher is better"

    @property
    def trend(self) -> str | None:
        """improving, declining or steady: the latest value against the one before."""
        if len(self.points) < 2:
            return None
        now, before = self.points[-1].value, self.points[-2].value
        if now == before:
            return "steady"
        rising = now > before
        return "improving" if rising == (self.polarity == "higher_is_better") else "declining"

    @property
    def status(self) -> str:
        """beyond threshold, within threshold, no threshold or no data."""
        if self.latest is None:
            return "no data"
        if self.threshold is None:
            return "no threshold"
        return "beyond threshold" if self.latest.beyond else "within threshold"

    def show(self, value: float | None) -> str:
        return fmt(self.unit, value)

    def headline(self) -> str:
        """One line: latest value, trend and the comparators (the thematic report's words)."""
        latest = self.latest
        if latest is None:
            return f"{self.name}: no value supplied yet"
        parts = [f"{self.name}: {self.show(latest.value)} in {latest.period}"]
        if self.trend:
            parts.append(f"{self.trend} on {self.show(self.points[-2].value)} in {self.points[-2].period}")
        if self.threshold is not None:
            parts.append(f"{self.status} ({self.show(self.threshold)}, {self.better})")
        parts += [f"{name} {self.show(value)}" for name, value in self.comparators]
        return "; ".join(parts)


@dataclass(frozen=True)
class PerformanceView:
    series: list[IndicatorSeries] = field(default_factory=list)
    warnings: list[WarningRow] = field(default_factory=list)
    """Every early warning raised, newest first."""
    comparators: list[str] = field(default_factory=list)
    raised_to: str | None = None
    """The name of the group early warnings are raised to, if the profile names one."""

    def of_agency(self, agency_id: str) -> "PerformanceView":
        """The same view, of the indicators this agency supplies only."""
        return PerformanceView(
            [s for s in self.series if s.supplied_by == agency_id], [w for w in self.warnings if w.supplied_by == agency_id],
            self.comparators, self.raised_to,
        )

    def of_tier(self, tier_id: str) -> list[IndicatorSeries]:
        return [s for s in self.series if s.tier == tier_id]

    def of_element(self, elements: set[str], theme_keys: set[str] | None = None) -> list[IndicatorSeries]:
        """The indicators evidencing these elements, on the theme (or on every theme)."""
        return [
            s for s in self.series
            if (not elements or s.element in elements) and (theme_keys is None or not s.themes or set(s.themes) & theme_keys)
        ]


def _series(
    indicator: PerformanceIndicator, profile: FrameworkProfile, values: Sequence[ValueRow], warned: Sequence[WarningRow]
) -> IndicatorSeries:
    names = {c.id: c.name for c in profile.reporting.performance.comparators}
    agencies = {a.id: a.name for a in profile.agencies}
    mine = sorted((v for v in values if v.indicator_id == indicator.id), key=lambda v: v.period_start)
    return IndicatorSeries(
        indicator.id, indicator.name, indicator.reference, indicator.unit, indicator.polarity, indicator.frequency,
        indicator.supplied_by, agencies.get(indicator.supplied_by, indicator.supplied_by), indicator.tier, indicator.element,
        tuple(indicator.themes), indicator.threshold,
        tuple((names[k], indicator.comparators[k]) for k in names if k in indicator.comparators),
        tuple(Point(v.period, v.period_start, v.value, beyond(indicator, v.value), v.event_id, v.position) for v in mine),
        tuple(w for w in warned if w.indicator_id == indicator.id),
    )


def build_performance(profile: FrameworkProfile, values: Sequence[ValueRow], warnings: Sequence[WarningRow]) -> PerformanceView:
    perf = profile.reporting.performance
    newest_first = sorted(warnings, key=lambda w: w.position, reverse=True)
    groups = {g.id: g.name for g in profile.groups}
    return PerformanceView(
        [_series(i, profile, values, newest_first) for i in perf.indicators], newest_first,
        [c.name for c in perf.comparators], groups.get(perf.raised_to or "", None),
    )
