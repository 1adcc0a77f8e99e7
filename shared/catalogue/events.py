"""Assurance event (scrutiny activity) events."""

from datetime import date

from shared.catalogue.base import DomainEvent
from shared.catalogue.registry import registered


@registered
class AssuranceEventConcluded(DomainEvent):
    """An assurance activity was held and its report agreed; it is closed."""

    event_type = "AssuranceEventConcluded"
    assurance_event_id: str
    activity_type: str
    title: str
    held_on: date
    agency_id: str | None = None
    theme: str | None = None
    strengths: list[str] = []
    areas_for_development: list[str] = []


@registered
class ActionAgreed(DomainEvent):
    """An action agreed at an assurance event; the reviews service raises it on the action plan."""

    event_type = "ActionAgreed"
    assurance_event_id: str
    action_id: str
    title: str
    owner_agency_id: str
    due_on: date
