"""Assurance events as the Board reads them: those in progress, preparation milestones
missed, and concluded events with their findings (pure). Every row names its event."""

from dataclasses import dataclass, field
from datetime import date, datetime


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
    theme: str | None = None
    actions: list[str] = field(default_factory=list)
    reports_to: str | None = None
    distribution: list[str] = field(default_factory=list)
    outcome: str | None = None
    star_rating: int | None = None
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LifecycleRow:
    assurance_event_id: str
    activity_type: str
    title: str
    agency_id: str | None
    theme: str | None
    status: str
    planned_for: str | None
    scheduled_on: date | None
    held_on: date | None
    outstanding_endorsements: list[str]
    event_id: str
    position: int
    first_scheduled_on: date | None = None
    star_rating: int | None = None


@dataclass(frozen=True)
class MilestoneRow:
    assurance_event_id: str
    title: str
    agency_id: str | None
    milestone_id: str
    name: str
    responsible: str
    due_on: date
    status: str  # pending, met, met-late, missed, cancelled
    met_on: date | None
    missed_at: datetime | None
    event_id: str
    position: int


@dataclass(frozen=True)
class AssuranceView:
    in_progress: list[LifecycleRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    activity_names: dict[str, str] = field(default_factory=dict)

    @property
    def missed(self) -> list[MilestoneRow]:
        """Milestones the business unit must see: missed, and not since done."""
        return [m for m in self.milestones if m.status == "missed"]

    @property
    def upcoming(self) -> list[MilestoneRow]:
        return [m for m in self.milestones if m.status == "pending"]
