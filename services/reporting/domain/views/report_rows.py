"""The read-model rows the tiered, thematic and yearly reports and the risk register are
built from (pure). Every row names the event (id and store position) behind it."""

from dataclasses import dataclass, field
from datetime import date

from shared.profiles.schema import FrameworkProfile

LEVELS = {
    "substantial": ("Substantial assurance", "a-substantial"),
    "moderate": ("Moderate assurance", "a-moderate"),
    "limited": ("Limited assurance", "a-limited"),
    "unsatisfactory": ("Unsatisfactory", "a-unsatisfactory"),
}
"""The assurance levels an indicator is rated on unless the profile sets its own, best first: label and style."""
STYLES = ("a-substantial", "a-moderate", "a-limited", "a-unsatisfactory")


def levels_of(profile: FrameworkProfile) -> dict[str, tuple[str, str]]:
    """The profile's levels of assurance, best first: label and style (the four styles spread
    over its levels, best to worst)."""
    levels = profile.reporting.assurance_levels
    last = max(len(levels) - 1, 1)
    return {level.id: (level.name, STYLES[round(i * (len(STYLES) - 1) / last)]) for i, level in enumerate(levels)}

KIND_NAMES = {
    "assurance-event": "Assurance event",
    "review": "Review",
    "audit-round": "Multi-agency audit round",
    "s11-cycle": "Section 11 cycle",
    "incident": "Serious incident / rapid review",
    "action": "Action",
    "impact": "Impact log entry",
    "risk": "Risk",
    "yearly-report": "Yearly report",
    "indicator-value": "Performance indicator",
}


@dataclass(frozen=True)
class RecordRow:
    """An assurance event, review, audit round or Section 11 cycle."""

    kind: str
    record_id: str
    activity_type: str | None
    """The profile's activity (assurance events) or the review type (reviews)."""
    title: str
    theme: str | None
    themes: list[str]
    status: str
    on_date: date | None
    ended_on: date | None
    event_id: str
    position: int
    first_event_id: str = ""
    first_position: int = 0
    agency_id: str | None = None
    link: str | None = None
    strengths: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every case graded in an audit round adds its strengths and areas to the round's;
        # the same words from many gradings are one finding, listed once (first seen first).
        for name in ("strengths", "areas", "findings"):
            object.__setattr__(self, name, list(dict.fromkeys(getattr(self, name))))

    @property
    def label(self) -> str:
        return f"{KIND_NAMES.get(self.kind, self.kind)} {self.record_id}"

    @property
    def day(self) -> date | None:
        """When it was done: concluded, closed, signed off or published; else held or opened."""
        return self.ended_on or self.on_date


@dataclass(frozen=True)
class FactRow:
    """A fact recorded within a record: children's views, practitioners met, a survey, a grading."""

    kind: str
    record_id: str
    fact: str
    on_date: date | None
    detail: str
    event_id: str
    position: int


@dataclass(frozen=True)
class CitedRow:
    kind: str
    record_id: str
    event_id: str
    event_type: str
    position: int
    note: str = ""

    @property
    def label(self) -> str:
        return f"{KIND_NAMES.get(self.kind, self.kind)} {self.record_id}"


@dataclass(frozen=True)
class IndicatorRatingRow:
    indicator_id: str
    tier_id: str
    rating: str
    previous_rating: str | None
    rationale: str
    evidence: list[CitedRow]
    rated_on: date
    rated_by: str
    event_id: str
    position: int


@dataclass(frozen=True)
class StepRow:
    step: str
    version: int
    by_whom: str
    on_date: date
    text: str
    group_id: str | None
    event_id: str
    position: int


@dataclass(frozen=True)
class YearlyReportRow:
    year: int
    name: str
    period_start: date
    period_end: date
    version: int
    status: str
    summary: str
    compiled_by: str
    scrutineer: str
    scrutineer_before_publication: bool
    comments_to: str | None
    sign_off_by: list[str]
    signed: list[str]
    publish: bool
    publication: str
    published_on: date | None
    link: str | None
    event_id: str
    position: int
    steps: list[StepRow] = field(default_factory=list)
    report_id: str = ""
    """Which of the profile's yearly reports ("" as recorded before a profile could name several: its first)."""


@dataclass(frozen=True)
class RiskRow:
    risk_id: str
    title: str
    description: str
    owner: str
    owner_role: str
    inherent: tuple[int, int]
    current: tuple[int, int]
    target: tuple[int, int]
    controls: list[str]
    recorded_on: date
    review_on: date
    assessed_on: date
    status: str
    closed_on: date | None
    close_reason: str | None
    event_id: str
    position: int
    last_event_id: str
    last_position: int
    history: list[tuple[str, date, str, str, int]] = field(default_factory=list)
    """(event type, date, detail, event id, position), oldest first."""
