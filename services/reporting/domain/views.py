"""What the dashboard and the board pack show, shaped from read-model rows (pure)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.profiles.schema import FrameworkProfile


@dataclass(frozen=True)
class RatingRow:
    agency_id: str
    domain_id: str
    rating: int
    event_id: str
    position: int


@dataclass(frozen=True)
class Cell:
    rating: int | None
    label: str
    rag: str  # red, amber, green, or none (no return yet)
    event_id: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class HeatMapRow:
    agency_id: str
    agency_name: str
    cells: list[Cell]


@dataclass(frozen=True)
class HeatMap:
    domains: list[tuple[str, str]]
    rows: list[HeatMapRow]


@dataclass(frozen=True)
class RiskFlagRow:
    agency_id: str
    domain_id: str
    rating: int
    reason: str
    raised_at: datetime
    event_id: str
    position: int


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    title: str
    owner_agency_id: str
    due_on: date
    status: str
    source: str
    event_id: str
    position: int
    overdue_event_id: str | None


@dataclass(frozen=True)
class ConcludedEventRow:
    assurance_event_id: str
    activity_type: str
    title: str
    held_on: date
    agency_id: str | None
    strengths: list[str]
    areas_for_development: list[str]
    event_id: str
    position: int


@dataclass(frozen=True)
class Overview:
    agencies_total: int
    agencies_submitted: int
    submissions: int
    open_risk_flags: int
    open_actions: int
    overdue_actions: int
    concluded_events: int


@dataclass(frozen=True)
class Dashboard:
    partnership_id: str
    partnership_name: str
    as_of: datetime
    overview: Overview
    heatmap: HeatMap
    risk_flags: list[RiskFlagRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    concluded_events: list[ConcludedEventRow] = field(default_factory=list)
    agency_names: dict[str, str] = field(default_factory=dict)
    domain_names: dict[str, str] = field(default_factory=dict)


def build_heatmap(profile: FrameworkProfile, ratings: list[RatingRow]) -> HeatMap:
    levels = {level.value: level for level in profile.section11.rating_scale.levels}
    latest = {(r.agency_id, r.domain_id): r for r in ratings}
    domains = [(d.id, d.name) for d in profile.section11.domains]
    rows = []
    for agency in profile.agencies:
        cells = []
        for domain_id, _ in domains:
            row = latest.get((agency.id, domain_id))
            if row is None:
                cells.append(Cell(None, "no return", "none"))
            else:
                level = levels[row.rating]
                cells.append(Cell(row.rating, level.label, level.rag, row.event_id, row.position))
        rows.append(HeatMapRow(agency.id, agency.name, cells))
    return HeatMap(domains, rows)
