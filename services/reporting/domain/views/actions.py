"""The action tracker, shaped from read-model rows (pure)."""

from dataclasses import dataclass
from datetime import date


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
