"""Concluded assurance events and the planner, shaped from read-model rows (pure)."""

from dataclasses import dataclass
from datetime import date


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
