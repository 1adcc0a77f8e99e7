"""Commands the assurance events service accepts from the partnership's business unit."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)


class ConcludeAssuranceEvent(BaseModel):
    """Record that an assurance activity was held and its report agreed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: UUID
    assurance_event_id: str = Slug
    activity_type: str = Slug
    title: str = Field(min_length=1, max_length=200)
    held_on: date
    agency_id: str | None = None
    theme: str | None = Field(default=None, max_length=120)
    strengths: list[str] = []
    areas_for_development: list[str] = []
    recorded_by: str = Field(min_length=1, max_length=120)
