"""The tiered assurance report (pure): the profile's tiers (lines of defence), each tool
with where it is reported and the latest record of the activity behind it, and each key
indicator with its latest rating and the evidence that rating cites, and the tier's
performance indicators (its data dashboard) with their latest values and trends."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.london import LONDON
from shared.profiles.schema import FrameworkProfile

from .performance import IndicatorSeries, PerformanceView
from .report_rows import LEVELS, IndicatorRatingRow, RecordRow, RiskRow, YearlyReportRow, levels_of

# Records that are the work of an activity of this kind, besides the assurance events
# recorded against the activity itself. Reviews are the work of the activity that names
# their review type (`review_types`); a yearly report, of the activity its rules name.
KIND_RECORDS = {"section11": "s11-cycle", "multi_agency_audit": "audit-round", "risk_register": "risk"}


@dataclass(frozen=True)
class ToolLine:
    id: str
    name: str
    activity_id: str | None
    activity_name: str | None
    reported_to: list[str]
    """Names of the groups it is reported to, in the document's order."""
    feeds: list[str]
    """Names of the tools it is reported into."""
    note: str
    latest: RecordRow | None
    """The newest record of the tool's activity, if any."""
    records: int


@dataclass(frozen=True)
class IndicatorLine:
    id: str
    text: str
    objectives: list[str]
    rating: IndicatorRatingRow | None
    ratings: int
    """How many times it has been rated."""
    levels: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(LEVELS))
    """The profile's levels of assurance, best first: label and style."""
    figure: str | None = None
    """The figure the profile says measures it, counted (e.g. "Recommendations acted upon: 2 of 3")."""

    @property
    def level(self) -> str:
        return self.levels.get(self.rating.rating, (self.rating.rating, ""))[0] if self.rating else "Not rated"

    @property
    def css(self) -> str:
        return self.levels.get(self.rating.rating, ("", "none"))[1] if self.rating else "none"

    @property
    def trend(self) -> str | None:
        """"improved", "declined" or "unchanged" since the previous rating."""
        order = list(self.levels)
        if (
            self.rating is None
            or self.rating.previous_rating is None
            or not {self.rating.rating, self.rating.previous_rating} <= set(order)
        ):
            return None
        now, before = order.index(self.rating.rating), order.index(self.rating.previous_rating)
        return "improved" if now < before else "declined" if now > before else "unchanged"


@dataclass(frozen=True)
class TierSection:
    id: str
    level: int
    name: str
    description: str
    tools: list[ToolLine]
    indicators: list[IndicatorLine]
    figures: list[IndicatorSeries] = field(default_factory=list)
    """The tier's performance indicators (its data dashboard), each with its series."""

    @property
    def rated(self) -> int:
        return sum(1 for i in self.indicators if i.rating)

    def count(self, level: str) -> int:
        return sum(1 for i in self.indicators if i.rating and i.rating.rating == level)


@dataclass(frozen=True)
class TieredReport:
    partnership_id: str
    partnership_name: str
    as_of: datetime
    tier_model: str
    tiers: list[TierSection]
    levels: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(LEVELS))

    @property
    def indicators(self) -> int:
        return sum(len(t.indicators) for t in self.tiers)

    @property
    def rated(self) -> int:
        return sum(t.rated for t in self.tiers)

    @property
    def as_of_day(self) -> date:
        return self.as_of.astimezone(LONDON).date()


def _latest(rows: Sequence[RecordRow]) -> RecordRow | None:
    return max(rows, key=lambda r: (r.day or date.min, r.position), default=None)


def risk_record(risk: RiskRow) -> RecordRow:
    """A risk on the register as a record of the risk register: assessed (or closed) last."""
    return RecordRow(
        "risk", risk.risk_id, None, risk.title, None, [], risk.status, risk.assessed_on, risk.closed_on,
        risk.last_event_id, risk.last_position, risk.event_id, risk.position,
    )


def yearly_record(report: YearlyReportRow) -> RecordRow:
    """A yearly report as a record of the activity that produces it: its period, then its publication."""
    return RecordRow(
        "yearly-report",
        f"{report.report_id}:{report.year}" if report.report_id else str(report.year),
        None,
        f"{report.name} {report.year}",
        None,
        [],
        report.status,
        report.period_end,
        report.published_on,
        report.event_id,
        report.position,
        link=report.link,
    )


def value_record(series: IndicatorSeries) -> RecordRow:
    """A performance indicator's latest value as a record of the tier's data dashboard."""
    latest = series.latest
    assert latest is not None
    return RecordRow(
        "indicator-value", series.id, None, f"{series.name}: {series.show(latest.value)} in {latest.period}", None, [],
        series.status, latest.period_start, None, latest.event_id, latest.position,
    )


def build_tiered(
    profile: FrameworkProfile, ratings: Sequence[IndicatorRatingRow], records: Sequence[RecordRow], as_of: datetime,
    *, risks: Sequence[RiskRow] = (), yearly: Sequence[YearlyReportRow] = (), performance: PerformanceView | None = None,
    counted: Mapping[str, str] | None = None,
) -> TieredReport:
    """`ratings` are every rating recorded (any order); the latest of each indicator counts.
    `counted`: each figure an indicator may name (`Indicator.figure`), counted, in words."""
    records = [*records, *map(risk_record, risks)]
    levels = levels_of(profile)
    yearly_of: dict[str, list[YearlyReportRow]] = {}
    for report in yearly:
        rules = profile.reporting.yearly(report.report_id)
        if rules is not None and rules.activity:
            yearly_of.setdefault(rules.activity, []).append(report)
    groups = {g.id: g.name for g in profile.groups}
    activities = {a.id: a for a in profile.activities}
    tools = {t.id: t.name for tier in profile.reporting.tiers for t in tier.tools}
    latest: dict[str, IndicatorRatingRow] = {}
    counts: dict[str, int] = {}
    for rating in sorted(ratings, key=lambda r: r.position):
        latest[rating.indicator_id] = rating
        counts[rating.indicator_id] = counts.get(rating.indicator_id, 0) + 1
    objectives = {o.id: o.name for o in profile.reporting.objectives}
    sections = []
    for tier in sorted(profile.reporting.tiers, key=lambda t: t.level):
        lines = []
        for tool in tier.tools:
            activity = activities.get(tool.activity) if tool.activity else None
            of_tool = [r for r in records if r.kind == "assurance-event" and tool.activity and r.activity_type == tool.activity]
            if activity is not None and activity.kind in KIND_RECORDS:
                of_tool += [r for r in records if r.kind == KIND_RECORDS[activity.kind]]
            if activity is not None:
                of_tool += [r for r in records if r.kind == "review" and profile.review_activity(r.activity_type or "") == activity.id]
            if activity is not None:
                of_tool += [yearly_record(y) for y in yearly_of.get(activity.id, [])]
            if activity is not None and activity.kind == "data_dashboard" and performance is not None:
                of_tool += [value_record(s) for s in performance.of_tier(tier.id) if s.latest]
            lines.append(
                ToolLine(
                    tool.id, tool.name, tool.activity, activity.name if activity else None,
                    [groups.get(g, g) for g in tool.reported_to], [tools.get(t, t) for t in tool.feeds], tool.note,
                    _latest(of_tool), len(of_tool),
                )
            )
        indicators = [
            IndicatorLine(
                i.id, i.text, [objectives.get(o, o) for o in i.objectives], latest.get(i.id), counts.get(i.id, 0), levels,
                (counted or {}).get(i.figure) if i.figure else None,
            )
            for i in tier.indicators
        ]
        figures = performance.of_tier(tier.id) if performance else []
        sections.append(TierSection(tier.id, tier.level, tier.name, tier.description, lines, indicators, figures))
    return TieredReport(profile.id, profile.name, as_of, profile.reporting.tier_model, sections, levels)
