"""The Section 11 heat map (self and moderated), returns, risk flags, confidence
gaps, call-ins and peer challenge workshops, shaped from read-model rows (pure)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.profiles.schema import FrameworkProfile

from .heat_scale import tones


@dataclass(frozen=True)
class RatingRow:
    agency_id: str
    cycle_id: str
    domain_id: str
    self_rating: int
    moderated_rating: int | None
    rationale: str | None
    event_id: str
    position: int
    moderated_event_id: str | None = None


def gap_words(gap: int | None) -> str:
    """Self minus moderated, said in words: +1 -> "self-assessed one level higher than moderated"."""
    if not gap:
        return ""
    levels = {1: "one level", 2: "two levels", 3: "three levels", 4: "four levels"}.get(abs(gap), f"{abs(gap)} levels")
    return f"self-assessed {levels} {'higher' if gap > 0 else 'lower'} than moderated"


@dataclass(frozen=True)
class Cell:
    """One agency × domain: the self-score, the panel's moderated score beside it, and the gap."""

    rating: int | None  # what the partnership goes by: moderated if there is one, else self
    label: str
    rag: str  # red, amber, green, or none (no return yet)
    event_id: str | None = None
    position: int | None = None
    self_rating: int | None = None
    moderated_rating: int | None = None
    rationale: str | None = None
    moderated_event_id: str | None = None
    tone: str = "none"  # heat_scale.TONES: the cell's fill and symbol
    self_label: str | None = None
    moderated_label: str | None = None

    @property
    def gap_words(self) -> str:
        return gap_words(self.gap)

    @property
    def gap(self) -> int | None:
        """Self minus moderated: positive when the agency rated itself higher than the panel did."""
        if self.self_rating is None or self.moderated_rating is None:
            return None
        return self.self_rating - self.moderated_rating


@dataclass(frozen=True)
class ReturnRow:
    agency_id: str
    cycle_id: str
    due_on: date | None
    status: str  # due, submitted, late, overdue
    submitted_at: datetime | None
    reminders: int
    amendments: int
    event_id: str
    position: int


@dataclass(frozen=True)
class HeatMapRow:
    agency_id: str
    agency_name: str
    cells: list[Cell]
    cycle_id: str | None = None
    status: str = "not asked"  # the return's status in that cycle


@dataclass(frozen=True)
class ScaleLevel:
    value: int
    label: str
    rag: str


@dataclass(frozen=True)
class HeatMap:
    domains: list[tuple[str, str]]
    rows: list[HeatMapRow]
    levels: list[ScaleLevel] = field(default_factory=list)
    """The profile's rating scale, lowest first: the legend names each rating."""
    scale: list[tuple[int, str, str]] = field(default_factory=list)  # each level: value, label, tone


@dataclass(frozen=True)
class ConfidenceGapRow:
    """A confidence gap (s11_confidence_gaps): practitioners' survey disagrees with the
    agency's self-rating. The one row type of its table: the Section 11 view, an agency's
    page and the board pack's exceptions read it alike."""

    agency_id: str
    domain_id: str | None
    self_rating: int
    agree_percent: float
    reason: str
    flagged_at: datetime
    event_id: str
    position: int
    cycle_id: str = ""


@dataclass(frozen=True)
class CallInRow:
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: str
    event_id: str
    position: int


@dataclass(frozen=True)
class WorkshopRow:
    cycle_id: str
    workshop_id: str
    domain_id: str
    purpose: str
    agency_ids: list[str]
    hold_by: date
    event_id: str


@dataclass(frozen=True)
class AmendmentRow:
    agency_id: str
    cycle_id: str
    standards: list[str]
    reason: str
    amended_at: datetime
    event_id: str
    position: int


@dataclass(frozen=True)
class Section11View:
    """Everything the Section 11 part of the dashboard and board pack shows beyond the heat map."""

    returns: list[ReturnRow] = field(default_factory=list)
    confidence_gaps: list[ConfidenceGapRow] = field(default_factory=list)
    call_ins: list[CallInRow] = field(default_factory=list)
    workshops: list[WorkshopRow] = field(default_factory=list)
    amendments: list[AmendmentRow] = field(default_factory=list)

    @property
    def late_returns(self) -> list[ReturnRow]:
        return [r for r in self.returns if r.status in ("late", "overdue")]


@dataclass(frozen=True)
class RiskFlagRow:
    """A signature-of-risk flag (s11_risk_flags), open or since cleared (as of the day read),
    with the events that raised and cleared it: the dashboard's open flags, the board pack's
    exceptions and an agency's flag history read this one row."""

    agency_id: str
    domain_id: str
    rating: int
    reason: str
    raised_at: datetime
    event_id: str
    position: int
    cleared_at: datetime | None = None
    cycle_id: str = ""
    cleared_event_id: str | None = None
    cleared_position: int | None = None

    @property
    def open(self) -> bool:
        return self.cleared_at is None and self.cleared_event_id is None


def build_heatmap(profile: FrameworkProfile, ratings: list[RatingRow], returns: list[ReturnRow] | None = None) -> HeatMap:
    """One row per agency of the profile, showing its latest cycle's return (by store position)."""
    levels = {level.value: level for level in profile.section11.rating_scale.levels}
    tone_of = tones(profile)
    latest_cycle: dict[str, tuple[int, str]] = {}
    for r in ratings:
        if r.agency_id not in latest_cycle or r.position > latest_cycle[r.agency_id][0]:
            latest_cycle[r.agency_id] = (r.position, r.cycle_id)
    for ret in returns or []:
        if ret.agency_id not in latest_cycle or ret.position > latest_cycle[ret.agency_id][0]:
            latest_cycle[ret.agency_id] = (ret.position, ret.cycle_id)
    cells_by = {(r.agency_id, r.cycle_id, r.domain_id): r for r in ratings}
    status_by = {(r.agency_id, r.cycle_id): r.status for r in returns or []}
    domains = [(d.id, d.name) for d in profile.section11.domains]
    rows = []
    for agency in profile.agencies:
        cycle = latest_cycle.get(agency.id, (0, None))[1]
        cells = []
        for domain_id, _ in domains:
            row = cells_by.get((agency.id, cycle, domain_id)) if cycle else None
            if row is None:
                cells.append(Cell(None, "no return", "none"))
                continue
            effective = row.moderated_rating if row.moderated_rating is not None else row.self_rating
            level = levels[effective]
            cells.append(
                Cell(
                    effective, level.label, level.rag, row.event_id, row.position,
                    row.self_rating, row.moderated_rating, row.rationale, row.moderated_event_id,
                    tone_of[effective].name, _label(levels, row.self_rating), _label(levels, row.moderated_rating),
                )
            )
        status = status_by.get((agency.id, cycle), "submitted") if cycle else "not asked"
        rows.append(HeatMapRow(agency.id, agency.name, cells, cycle, status))
    scale = [ScaleLevel(v, levels[v].label, levels[v].rag) for v in sorted(levels)]
    tone_scale = [(value, levels[value].label, tone.name) for value, tone in tone_of.items()]
    return HeatMap(domains, rows, scale, tone_scale)


def _label(levels: dict, value: int | None) -> str | None:
    return None if value is None else (levels[value].label if value in levels else str(value))
