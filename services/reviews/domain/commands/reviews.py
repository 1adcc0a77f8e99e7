"""Commands on child safeguarding practice reviews, learning reviews and thematic reviews."""

from datetime import date
from uuid import UUID

from pydantic import Field

from services.reviews.domain.commands.base import Command, Reason, ShortText, SlugStr, Text
from shared.catalogue.reviews import DueDateChange, ReviewType, SignOff


class CommissionReview(Command):
    """Commission a review: a CSPR follows a rapid review's decision to hold one."""

    request_id: UUID
    review_id: SlugStr
    review_type: ReviewType
    incident_id: SlugStr | None = None
    theme: ShortText | None = None
    author: ShortText
    terms_of_reference: Text
    commissioned_on: date


class RecordReviewStage(Command):
    request_id: UUID
    review_id: SlugStr
    stage: SlugStr
    completed_on: date
    note: str = Field(default="", max_length=2000)


class ChangeReviewDueDate(Command):
    request_id: UUID
    review_id: SlugStr
    change: DueDateChange
    due_on: date
    reason: Reason
    agreed_by: ShortText


class SignOffReview(Command):
    """Sign off the final report, as the body the profile names (executive, scrutineer or subgroup)."""

    request_id: UUID
    review_id: SlugStr
    signed_off_as: SignOff
    signatory: ShortText
    signed_off_on: date


class PublishReview(Command):
    request_id: UUID
    review_id: SlugStr
    published_on: date
    link: str = Field(pattern=r"^https?://\S+$", max_length=500)
    themes: list[ShortText] = Field(min_length=1, max_length=20)
