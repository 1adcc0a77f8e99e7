"""Commands on actions: raise, update progress, complete with evidence, sign off or reject."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from services.reviews.domain.commands.base import Command, Reason, ShortText, Slug, SlugStr, Text
from shared.catalogue.documents import DocumentRef


class RaiseAction(Command):
    """Raise an action on an agency, linked back to its source (finding, review, audit, risk flag)."""

    request_id: UUID
    action_id: str = Slug
    title: str = Field(min_length=1, max_length=300)
    owner_agency_id: str = Slug
    due_on: date
    source_type: str = Field(pattern=r"^(assurance-event|review|audit|risk-flag|meeting|other)$")
    source_id: str = Field(min_length=1, max_length=120)
    raised_by: str = Field(min_length=1, max_length=120)


class EvidenceItem(Command):
    description: Text
    link: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=500)


class UpdateActionProgress(Command):
    """A progress update from the owner agency (or the business unit on its behalf); appended, never overwriting."""

    request_id: UUID
    action_id: SlugStr
    owner_agency_id: SlugStr
    progress: Text
    percent_complete: int | None = Field(default=None, ge=0, le=100)
    updated_by: ShortText


class CompleteAction(Command):
    """The owner says the action is done; at least one piece of evidence is required."""

    request_id: UUID
    action_id: SlugStr
    owner_agency_id: SlugStr
    completed_on: date
    evidence: list[EvidenceItem] = Field(min_length=1, max_length=50)
    completed_by: ShortText
    documents: list[DocumentRef] = Field(
        default_factory=list, max_length=20, description="Documents uploaded as evidence (the front door stores them and fills this)"
    )


class SignOffAction(Command):
    """The safeguarding partners sign off a completed action at a Board meeting."""

    request_id: UUID
    action_id: SlugStr
    meeting_on: date
    partners: list[SlugStr] = Field(min_length=1, max_length=3)


class RejectActionEvidence(Command):
    """The partners reject the evidence at a Board meeting: the action reopens, due again by `due_on`."""

    request_id: UUID
    action_id: SlugStr
    meeting_on: date
    reason: Reason
    due_on: date | None = None
    """The new due date; without one the action keeps its due date, if that is still after the meeting."""


class MarkActionOverdue(Command):
    """Issued by the deadline watcher when an action's due date has passed."""

    action_id: str
    deadline: datetime
