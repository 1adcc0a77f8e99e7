"""Chapter: performance data. Each agency that supplies one of the profile's performance
indicators sends the year's values of its indicators at once (`record-indicator-values`,
as itself, all or none), one value for every period that ended within the year.

Each series sits on the good side of its threshold, near the comparators, going up and
down by seeded amounts; the first indicator with a threshold crosses it in its last period, so the board
pack of the end date shows an early warning. Values are sent as the steps of a dated
list (`steps`), each agency's values of a period on the day after the period ended, on
the demo's clock. A profile without performance indicators plays nothing."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.platform.demo.story import Story, plural
from shared.calendar import add_months
from shared.profiles.performance import PerformanceIndicator
from shared.waiting import eventually


@dataclass(frozen=True)
class Step:
    """One agency's values of one period, sent the day after the period ended."""

    on: date
    agency_id: str
    period: str
    values: tuple[tuple[str, float], ...]


@dataclass
class IndicatorFacts:
    values: int = 0
    warnings: int = 0
    crossing: str | None = None
    """The indicator made to cross its threshold (its id), if any."""
    periods: dict[str, list[str]] = field(default_factory=dict)


def _periods(indicator: PerformanceIndicator, starts: date, until: date) -> list[tuple[str, date]]:
    """(period, its last day) of every period of the indicator's frequency that began in the
    year and ended before its end date."""
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[indicator.frequency]
    first = {"monthly": 1, "quarterly": 1, "yearly": 4}[indicator.frequency]
    day = date(starts.year - 1, first, 1)
    out = []
    while day <= until:
        end = add_months(day, months) - timedelta(days=1)
        if starts <= end < until:
            if indicator.frequency == "monthly":
                name = f"{day.year:04d}-{day.month:02d}"
            elif indicator.frequency == "quarterly":
                name = f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
            else:
                name = f"{day.year:04d}-{(day.year + 1) % 100:02d}"
            out.append((name, end))
        day = add_months(day, months)
    return out


def _series(indicator: PerformanceIndicator, count: int, cross: bool, rng: random.Random) -> list[float]:
    lower = indicator.polarity == "lower_is_better"
    comparators = list(indicator.comparators.values())
    if indicator.threshold is not None:
        good = indicator.threshold - 4 if lower else indicator.threshold + 4
    else:
        good = sum(comparators) / len(comparators) if comparators else 40.0
    if indicator.unit == "percent":
        good = min(97.0, max(3.0, good))
    wobble = 1.5 if indicator.unit == "percent" else max(1.0, good * 0.08)
    # Up and down in turn, by seeded amounts: no run of decline longer than one period, so
    # the early warnings are the crossing the story means (and what it brings about).
    values = [good + (-1) ** k * rng.uniform(0.1, wobble) for k in range(count)]
    if cross and values and indicator.threshold is not None:
        values[-1] = indicator.threshold + 2.4 if lower else indicator.threshold - 2.4
    if indicator.unit == "count":
        return [float(max(0, round(v))) for v in values]
    top = 100.0 if indicator.unit == "percent" else float("inf")
    return [round(min(top, max(0.0, v)), 1) for v in values]


def steps(story: Story) -> tuple[list[Step], str | None]:
    """The year's values as dated steps, and the indicator that crosses its threshold."""
    indicators = story.profile.reporting.performance.indicators
    rng = story.rng("indicators")
    crossing = next((i.id for i in indicators if i.threshold is not None), None)
    by_day: dict[tuple[date, str, str], list[tuple[str, float]]] = {}
    for indicator in indicators:
        periods = _periods(indicator, story.starts, story.until)
        for (period, end), value in zip(periods, _series(indicator, len(periods), indicator.id == crossing, rng), strict=True):
            by_day.setdefault((end + timedelta(days=1), indicator.supplied_by, period), []).append((indicator.id, value))
    return [Step(on, agency, period, tuple(values)) for (on, agency, period), values in sorted(by_day.items())], crossing


async def play(story: Story, facts: IndicatorFacts) -> None:
    """Each agency's values of each period, on the day after the period ended."""
    planned, facts.crossing = steps(story)
    if not planned:
        return
    for step in planned:
        values = [{"indicator_id": i, "period": step.period, "value": v} for i, v in step.values]
        answer = await story.platform.ask("reporting", "record-indicator-values", f"indicators/{step.agency_id}/{step.period}",
                                          {"agency_id": step.agency_id, "values": values}, agency=step.agency_id, on=step.on)
        types = [e["event_type"] for e in answer.get("events", [])]
        facts.values += types.count("IndicatorValueRecorded")
        facts.warnings += types.count("IndicatorEarlyWarningRaised")
        for i, _ in step.values:
            facts.periods.setdefault(i, []).append(step.period)
    await projected(story)
    agencies = {step.agency_id for step in planned}
    story.progress(f"Performance data: {plural(facts.values, 'value')} of {plural(len(facts.periods), 'indicator')} supplied by "
                   f"{plural(len(agencies), 'agency', 'agencies')}; {plural(facts.warnings, 'early warning')} raised")


async def projected(story: Story) -> None:
    """Wait until reporting has projected its own records (the values and warnings), which
    the demo's other chapters do not wait on: the board pack reads them."""
    pool = story.platform.pool

    async def caught_up() -> bool:
        row = await pool.fetchrow(
            "SELECT (SELECT position FROM reporting.checkpoints WHERE source = 'reporting') AS projected,"
            " (SELECT coalesce(max(position), 0) FROM reporting_records.events) AS head"
        )
        return (row["projected"] or 0) >= row["head"]

    await eventually(caught_up, timeout=120, interval=0.05, what="reporting to project the performance data")
