"""Commands the reviews service accepts."""

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)


class RaiseAction(BaseModel):
    """Raise an action on an agency, linked back to its source (finding, review, audit, risk flag)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: UUID
    action_id: str = Slug
    title: str = Field(min_length=1, max_length=300)
    owner_agency_id: str = Slug
    due_on: date
    source_type: str = Field(pattern=r"^(assurance-event|review|audit|risk-flag|other)$")
    source_id: str = Field(min_length=1, max_length=120)
    raised_by: str = Field(min_length=1, max_length=120)


class MarkActionOverdue(BaseModel):
    """Issued by the deadline watcher when an action's due date has passed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action_id: str
    deadline: datetime
