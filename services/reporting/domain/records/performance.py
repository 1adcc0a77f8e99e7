"""Performance data (pure): the values agencies supply, period by period, for the profile's
performance indicators (`reporting.performance`), and the early warnings those values raise.

One stream per partnership, `performance:{partnership}:data`, so a batch of values (an
upload) is decided and appended at once: all recorded, or none.

An early warning is decided here, when a value is recorded, and only from the profile's
rules and the series so far:
- *threshold*: the value is worse than the indicator's threshold (above it when lower is
  better, below it when higher is better) and the period before was not (or has no value):
  the value crossed it. A run of values beyond it warns once, at the crossing.
- *declining*: the value is the one that makes a run of consecutive periods, each worse than
  the one before, as long as the indicator's (or the profile's) `declining_periods`.
A period's value sent again corrects it (with the value it replaces); an unchanged value
records nothing. Warnings look back from the period recorded, not forward."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.reporting.domain.records.commands import IndicatorValue
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.reporting import IndicatorEarlyWarningRaised, IndicatorValueRecorded
from shared.profiles.performance import UNIT_RANGES, PerformanceIndicator
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

KEY = "data"
FORMATS = {"monthly": "YYYY-MM", "quarterly": "YYYY-Qn", "yearly": "YYYY-YY (April to March)"}


def stream_id(partnership_id: str) -> str:
    return f"performance:{partnership_id}:{KEY}"


@dataclass(frozen=True)
class PerformanceState:
    values: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Indicator id -> period -> its latest value."""
    warned: frozenset[tuple[str, str, str]] = frozenset()
    """(indicator, period, reason) of every warning raised."""


def evolve(state: PerformanceState, event: DomainEvent) -> PerformanceState:
    if isinstance(event, IndicatorValueRecorded):
        values = dict(state.values)
        values[event.indicator_id] = {**values.get(event.indicator_id, {}), event.period: event.value}
        return PerformanceState(values, state.warned)
    if isinstance(event, IndicatorEarlyWarningRaised):
        return PerformanceState(state.values, state.warned | {(event.indicator_id, event.period, event.reason)})
    return state


# -- periods ------------------------------------------------------------------------------


def period_index(period: str, frequency: str) -> tuple[int, date] | None:
    """(its place in the sequence of periods of this frequency, its first day); None if the
    period is not written as this frequency's periods are."""
    if frequency == "monthly" and (m := re.fullmatch(r"(\d{4})-(\d{2})", period)):
        year, month = int(m[1]), int(m[2])
        return (year * 12 + month - 1, date(year, month, 1)) if 1 <= month <= 12 and year >= 1900 else None
    if frequency == "quarterly" and (m := re.fullmatch(r"(\d{4})-Q([1-4])", period)):
        year, quarter = int(m[1]), int(m[2])
        return (year * 4 + quarter - 1, date(year, 3 * quarter - 2, 1)) if year >= 1900 else None
    if frequency == "yearly" and (m := re.fullmatch(r"(\d{4})-(\d{2})", period)):
        year, end = int(m[1]), int(m[2])
        return (year, date(year, 4, 1)) if (year + 1) % 100 == end and year >= 1900 else None
    return None


def period_of(index: int, frequency: str) -> str:
    """The period at this place in the sequence (the inverse of `period_index`)."""
    if frequency == "monthly":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if frequency == "quarterly":
        return f"{index // 4:04d}-Q{index % 4 + 1}"
    return f"{index:04d}-{(index + 1) % 100:02d}"


# -- the rules ------------------------------------------------------------------------------


def worse(indicator: PerformanceIndicator, a: float, b: float) -> bool:
    """`a` is worse than `b` for this indicator."""
    return a > b if indicator.polarity == "lower_is_better" else a < b


def beyond(indicator: PerformanceIndicator, value: float) -> bool:
    """The value is worse than the indicator's early-warning threshold."""
    return indicator.threshold is not None and worse(indicator, value, indicator.threshold)


def declining_run(indicator: PerformanceIndicator, series: Mapping[int, float], at: int) -> int:
    """How many consecutive periods up to `at` were each worse than the one before."""
    run = 0
    while at - run in series and at - run - 1 in series and worse(indicator, series[at - run], series[at - run - 1]):
        run += 1
    return run


def warnings(
    indicator: PerformanceIndicator, profile: FrameworkProfile, values: Mapping[str, float], period: str,
    warned: frozenset[tuple[str, str, str]],
) -> list[IndicatorEarlyWarningRaised]:
    """The warnings recording `values[period]` raises (values: the series with it in)."""
    series = {period_index(p, indicator.frequency)[0]: v for p, v in values.items()}  # type: ignore[index]
    at, value = period_index(period, indicator.frequency)[0], values[period]  # type: ignore[index]
    perf = profile.reporting.performance
    common = dict(
        indicator_id=indicator.id, indicator_name=indicator.name, agency_id=indicator.supplied_by, period=period,
        value=value, raised_to=perf.raised_to,
    )
    raised = []
    before = series.get(at - 1)
    if beyond(indicator, value) and (before is None or not beyond(indicator, before)) and (indicator.id, period, "threshold") not in warned:
        shown = [(period_of(at - 1, indicator.frequency), before)] if before is not None else []
        raised.append(IndicatorEarlyWarningRaised(
            **common, reason="threshold", threshold=indicator.threshold, series=[*shown, (period, value)],  # type: ignore[arg-type]
        ))
    needed = perf.declining(indicator)
    if declining_run(indicator, series, at) == needed and (indicator.id, period, "declining") not in warned:
        run = [(period_of(i, indicator.frequency), series[i]) for i in range(at - needed, at + 1)]
        raised.append(IndicatorEarlyWarningRaised(
            **common, reason="declining", threshold=indicator.threshold, declining_periods=needed, series=run,  # type: ignore[arg-type]
        ))
    return raised


# -- deciding -------------------------------------------------------------------------------

Where = Callable[[int, str], str]
"""(row, field) -> the name of the field to refuse: `values.3.period`, or `period` for one value."""


def indicator_of(profile: FrameworkProfile, indicator_id: str, field_name: str) -> PerformanceIndicator:
    perf = profile.reporting.performance
    found = perf.indicator(indicator_id)
    if found is None:
        listed = ", ".join(i.id for i in perf.indicators) or "none: the profile declares no performance indicators"
        raise Refusal("unknown_indicator", f"{indicator_id!r} is not a performance indicator of {profile.id} (known: {listed})", field_name)
    return found


def check_value(indicator: PerformanceIndicator, value: float, field_name: str) -> None:
    low, high = UNIT_RANGES[indicator.unit]
    if value < low or (high is not None and value > high):
        span = f"{low:g} to {high:g}" if high is not None else f"{low:g} or more"
        raise Refusal("out_of_range", f"{value:g} is not a {indicator.unit} ({span}) for {indicator.id!r}", field_name)
    if indicator.unit == "count" and value != int(value):
        raise Refusal("out_of_range", f"{value:g} is not a whole count for {indicator.id!r}", field_name)


def check_period(indicator: PerformanceIndicator, period: str, today: date, field_name: str) -> date:
    found = period_index(period, indicator.frequency)
    if found is None:
        raise Refusal(
            "wrong_period", f"{period!r} is not a {indicator.frequency} period; {indicator.id!r} is supplied "
            f"{indicator.frequency}, written {FORMATS[indicator.frequency]}", field_name,
        )
    if found[1] > today:
        raise Refusal("period_not_begun", f"the period {period} has not begun (today is {today})", field_name)
    return found[1]


def decide_values(
    state: PerformanceState, agency_id: str | None, rows: Sequence[IndicatorValue], profile: FrameworkProfile, today: date,
    where: Where = lambda i, name: f"values.{i}.{name}",
) -> list[DomainEvent]:
    """Every row checked in turn (the first refused names its row and field); the values
    recorded, each followed by the warnings it raises. `agency_id` None: the business unit,
    supplying for each indicator's supplier."""
    values = {k: dict(v) for k, v in state.values.items()}
    warned = state.warned
    seen: set[tuple[str, str]] = set()
    events: list[DomainEvent] = []
    for i, row in enumerate(rows):
        indicator = indicator_of(profile, row.indicator_id, where(i, "indicator_id"))
        if agency_id is not None and indicator.supplied_by != agency_id:
            raise Refusal(
                "not_supplier", f"{indicator.id!r} is supplied by {indicator.supplied_by}, not {agency_id}", where(i, "indicator_id"),
            )
        start = check_period(indicator, row.period, today, where(i, "period"))
        if (indicator.id, row.period) in seen:
            raise Refusal("duplicate_value", f"{indicator.id!r} has two values for {row.period} in one request", where(i, "period"))
        seen.add((indicator.id, row.period))
        check_value(indicator, row.value, where(i, "value"))
        series = values.setdefault(indicator.id, {})
        previous = series.get(row.period)
        if previous == row.value:
            continue
        series[row.period] = row.value
        events.append(IndicatorValueRecorded(
            indicator_id=indicator.id, indicator_name=indicator.name, agency_id=indicator.supplied_by, period=row.period,
            period_start=start, value=row.value, unit=indicator.unit, polarity=indicator.polarity, previous_value=previous,
        ))
        for warning in warnings(indicator, profile, series, row.period, warned):
            warned |= {(warning.indicator_id, warning.period, warning.reason)}
            events.append(warning)
    return events


# Every performance indicator's values and warnings (`performance:{partnership}:data`).
PERFORMANCE = Aggregate("performance", PerformanceState(), evolve)
