"""The Section 11 heat map and risk flags, shaped from read-model rows (pure)."""

from dataclasses import dataclass
from datetime import datetime

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
