"""Commands on the impact log."""

from datetime import date
from uuid import UUID

from pydantic import Field

from services.reviews.domain.commands.base import Command, ShortText, SlugStr, Text


class RecordImpact(Command):
    """Record a difference made for children or practice, linked to the actions and reviews that made it."""

    request_id: UUID
    impact_id: SlugStr
    recorded_on: date
    difference: Text
    evidence: Text
    action_ids: list[SlugStr] = Field(default_factory=list, max_length=50)
    review_ids: list[SlugStr] = Field(default_factory=list, max_length=50)
    incident_ids: list[SlugStr] = Field(default_factory=list, max_length=50)
    audit_ids: list[SlugStr] = Field(default_factory=list, max_length=50)
    recorded_by: ShortText
