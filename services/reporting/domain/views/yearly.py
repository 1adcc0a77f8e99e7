"""The yearly (twelve-monthly) report (pure), assembled from the year's records: what was
done, its impact, progress on priorities (indicator ratings, the profile's themes,
actions), reviews and learning; and where the report is in its sign-off (draft, the
independent scrutineer's comments and sign-off, each signing group, published). Over 300
lines because the report's sections are assembled in their printed order, read as one."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.reporting.domain.records.yearly import period_label, period_of
from shared.profiles.schema import FrameworkProfile

from .actions import ActionRow
from .figures import overdue_actions
from .report_rows import (
    LEVELS,
    FactRow,
    IndicatorRatingRow,
    RecordRow,
    StepRow,
    YearlyReportRow,
    levels_of,
)
from .reviews import ImpactRow, ReviewClockRow
from .thematic import on_theme, theme_keys

STEP_NAMES = {
    "drafted": "Drafted",
    "scrutineer-commented": "Independent scrutineer's written comments",
    "scrutineer-signed-off": "Signed off by the independent scrutineer",
    "partners-signed-off": "Signed off",
    "published": "Published",
}
SCRUTINEER_PARTS = {"none": "no part", "reviews": "reviews it", "signs_off": "signs it off"}


@dataclass(frozen=True)
class Entry:
    text: str
    source: str
    event_id: str
    position: int


@dataclass(frozen=True)
class Priority:
    """An indicator's rating at the end of the year, and at its start."""

    indicator_id: str
    text: str
    rating: IndicatorRatingRow | None
    before: IndicatorRatingRow | None
    levels: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(LEVELS))
    """The profile's levels of assurance, best first: label and style."""

    @property
    def level(self) -> str:
        return self.levels.get(self.rating.rating, (self.rating.rating, ""))[0] if self.rating else "Not rated"

    @property
    def css(self) -> str:
        return self.levels.get(self.rating.rating, ("", "none"))[1] if self.rating else "none"

    @property
    def was(self) -> str:
        return self.levels.get(self.before.rating, (self.before.rating, ""))[0] if self.before else "not rated"


@dataclass(frozen=True)
class Lifecycle:
    status: str
    version: int
    scrutineer: str
    sign_off_by: list[str]
    """Names of the groups that sign it off."""
    publication: str
    steps: list[StepRow]
    next_steps: list[str]
    summary: str = ""
    compiled_by: str = ""
    drafted_event_id: str = ""


@dataclass(frozen=True)
class YearlyView:
    partnership_id: str
    partnership_name: str
    name: str
    year: int
    label: str
    period_start: date
    period_end: date
    as_of: datetime
    lifecycle: Lifecycle
    figures: list[tuple[str, int]]
    done: dict[str, list[Entry]]
    impact: list[Entry]
    priorities: list[Priority]
    themes: list[tuple[str, int]]
    actions: list[Entry]
    reviews: list[Entry]
    learning: list[Entry]
    includes: list[str] = field(default_factory=list)
    group_names: dict[str, str] = field(default_factory=dict)
    report_id: str = ""
    """Which of the profile's yearly reports ("": the profile names none)."""
    first: bool = True
    """It is the profile's first yearly report (its page is at the year alone)."""

    @property
    def path(self) -> str:
        """Its page below the partnership's: `reports/yearly/{year}`, another report's `reports/yearly/{report_id}/{year}`."""
        return f"reports/yearly/{self.year}" if self.first else f"reports/yearly/{self.report_id}/{self.year}"

    @property
    def stem(self) -> str:
        """Its files' name, without the extension."""
        return (
            f"yearly-report-{self.partnership_id}-{self.year}"
            if self.first
            else f"yearly-report-{self.partnership_id}-{self.report_id}-{self.year}"
        )


def _in(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def _entry(r: RecordRow, text: str) -> Entry:
    return Entry(text, r.label, r.event_id, r.position)


def next_steps(row: YearlyReportRow | None, names: dict[str, str]) -> list[str]:
    """What the report waits for, in the order the profile's rules set."""
    if row is None:
        return ["a draft, compiled from the year's records"]
    if row.status == "published":
        return []
    done = {s.step for s in row.steps if s.version == row.version}
    steps = []
    if row.scrutineer in ("reviews", "signs_off") and "scrutineer-commented" not in done:
        steps.append(f"the independent scrutineer's written comments on version {row.version}")
    if row.scrutineer == "signs_off" and "scrutineer-signed-off" not in done:
        steps.append("the independent scrutineer's sign-off")
    steps += [f"sign-off by {names.get(g, g)}" for g in row.sign_off_by if g not in row.signed]
    if row.publish:
        steps.append("publication" + (f" ({row.publication})" if row.publication else ""))
    return steps


def build_yearly(
    profile: FrameworkProfile,
    year: int,
    report: YearlyReportRow | None,
    records: Sequence[RecordRow],
    facts: Sequence[FactRow],
    actions: Sequence[ActionRow],
    impact: Sequence[ImpactRow],
    ratings: Sequence[IndicatorRatingRow],
    clocks: Sequence[ReviewClockRow],
    as_of: datetime,
    *,
    report_id: str | None = None,
) -> YearlyView:
    """The year of one of the profile's yearly reports (none named: its first)."""
    rules = profile.reporting.yearly(report_id)
    first = profile.reporting.yearly_report
    names = {g.id: g.name for g in profile.groups}
    activities = {a.id: a.name for a in profile.activities}
    if report is not None:
        start, end, name = report.period_start, report.period_end, report.name
        lifecycle = Lifecycle(
            report.status, report.version, SCRUTINEER_PARTS.get(report.scrutineer, report.scrutineer),
            [names.get(g, g) for g in report.sign_off_by], report.publication, report.steps,
            next_steps(report, names), report.summary, report.compiled_by, report.event_id,
        )
    else:
        start, end = period_of(rules, year) if rules else (date(year, 4, 1), date(year + 1, 3, 31))
        name = rules.name if rules else "Yearly report"
        lifecycle = Lifecycle(
            "not drafted", 0, SCRUTINEER_PARTS.get(rules.scrutineer, "") if rules else "no part",
            [names.get(g, g) for g in rules.signed_off_by] if rules else [], rules.publication if rules else "",
            [], next_steps(None, names),
        )
    ordered = sorted(records, key=lambda r: (r.day or date.min, r.kind, r.record_id))
    concluded = [r for r in ordered if r.kind == "assurance-event" and r.status == "concluded" and _in(r.day, start, end)]
    audits = [r for r in ordered if r.kind == "audit-round" and (_in(r.on_date, start, end) or _in(r.ended_on, start, end))]
    cycles = [r for r in ordered if r.kind == "s11-cycle" and (_in(r.on_date, start, end) or _in(r.ended_on, start, end))]
    reviews = [r for r in ordered if r.kind == "review" and (_in(r.on_date, start, end) or _in(r.ended_on, start, end))]
    done = {
        "Assurance activity held": [
            _entry(r, f"{activities.get(r.activity_type or '', r.activity_type or '')}: {r.title}, {r.day:%d %b %Y}") for r in concluded
        ],
        "Section 11": [
            _entry(
                r, f"{r.title} ({r.status}): {int(r.figures.get('returns', 0))} of {int(r.figures.get('agencies', 0))} agencies returned"
            )
            for r in cycles
        ],
        "Multi-agency case file audits": [_entry(r, f"{r.title} ({r.status})") for r in audits],
    }
    year_actions = [a for a in actions if _in(a.raised_on, start, end)]
    agency_names = {a.id: a.name for a in profile.agencies}
    signed_off = [a for a in actions if _in(a.signed_off_on, start, end)]
    year_impact = [i for i in impact if _in(i.recorded_on, start, end)]
    rapid = [c for c in clocks if c.kind == "rapid-review" and _in(c.closed_on, start, end)]
    figures = [
        ("assurance activities held", len(concluded)),
        ("Section 11 returns received", sum(int(r.figures.get("returns", 0)) for r in cycles)),
        ("multi-agency audit rounds", len(audits)),
        ("rapid reviews decided", len(rapid)),
        ("rapid reviews decided within their timescale", sum(1 for c in rapid if c.late is False)),
        ("reviews commissioned", sum(1 for r in reviews if _in(r.on_date, start, end))),
        ("reviews published", sum(1 for r in reviews if r.status == "published" and _in(r.ended_on, start, end))),
        ("actions raised", len(year_actions)),
        ("actions signed off", len(signed_off)),
        ("actions overdue now", overdue_actions(actions)),
        ("impact log entries", len(year_impact)),
    ]
    by_indicator: dict[str, list[IndicatorRatingRow]] = {}
    for rating in sorted(ratings, key=lambda x: x.position):
        by_indicator.setdefault(rating.indicator_id, []).append(rating)
    priorities = []
    for tier in sorted(profile.reporting.tiers, key=lambda t: t.level):
        for indicator in tier.indicators:
            history = by_indicator.get(indicator.id, [])
            latest = [x for x in history if x.rated_on <= end]
            before = [x for x in history if x.rated_on < start]
            priorities.append(
                Priority(indicator.id, indicator.text, latest[-1] if latest else None, before[-1] if before else None, levels_of(profile))
            )
    in_year = [r for r in ordered if _in(r.day, start, end)]
    themes = [
        (t.name, sum(1 for r in in_year if on_theme(r, theme_keys(profile, t.id)[0])))
        for t in profile.reporting.themes if t.status == "current"
    ]
    done_ids = {(r.kind, r.record_id) for r in in_year}
    learning = [_entry(r, f"{r.title}: {a}") for r in in_year for a in r.areas]
    learning += [_entry(r, f"{r.title}: {f}") for r in in_year for f in r.findings]
    learning += [
        Entry(f.detail, f"{f.kind} {f.record_id}", f.event_id, f.position)
        for f in facts
        if f.fact == "learning" and (f.kind, f.record_id) in done_ids
    ]
    review_lines = [
        _entry(
            r,
            f"{r.title}: {r.status}"
            + (f", published {r.link}" if r.link else "")
            + (f" (themes: {', '.join(r.themes)})" if r.themes else ""),
        )
        for r in reviews
    ]
    review_lines += [
        Entry(
            f"Rapid review {c.review_id}: decided {c.closed_on:%d %b %Y} ({c.outcome}), "
            + ("within its timescale" if c.late is False else "late")
            + f", due {c.due_on:%d %b %Y}",
            f"Rapid review {c.review_id}",
            c.last_event_id,
            c.last_position,
        )
        for c in rapid
        if c.closed_on
    ]
    action_lines = [
        Entry(
            f"{a.title}: {agency_names.get(a.owner_agency_id, a.owner_agency_id)}, due {a.due_on:%d %b %Y} ({a.status})",
            f"Action {a.action_id}",
            a.event_id,
            a.position,
        )
        for a in sorted(year_actions, key=lambda a: (a.due_on, a.action_id))
    ]
    return YearlyView(
        profile.id,
        profile.name,
        name,
        year,
        period_label(start, end),
        start,
        end,
        as_of,
        lifecycle,
        figures,
        done,
        [
            Entry(f"{i.recorded_on:%d %b %Y}: {i.difference}", f"Impact log entry {i.impact_id}", i.event_id, i.position)
            for i in year_impact
        ],
        priorities,
        themes,
        action_lines,
        review_lines,
        learning,
        list(rules.includes) if rules else [],
        names,
        rules.id if rules else "",
        rules is None or first is None or rules.id == first.id,
    )
