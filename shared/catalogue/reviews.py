"""Review and action plan events."""

from datetime import date

from shared.catalogue.base import DomainEvent
from shared.catalogue.registry import registered


@registered
class ActionRaised(DomainEvent):
    """An action was raised on an agency, linked back to where it came from."""

    event_type = "ActionRaised"
    action_id: str
    title: str
    owner_agency_id: str
    due_on: date
    source_type: str
    source_id: str


@registered
class ActionOverdue(DomainEvent):
    """An action passed its due date without being completed (raised by the deadline watcher)."""

    event_type = "ActionOverdue"
    action_id: str
    owner_agency_id: str
    due_on: date
