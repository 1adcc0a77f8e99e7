"""Commands the Section 11 service accepts: agencies' (draft, carry forward,
submit, amend) and the business unit's (open and close a cycle, moderate,
record a practitioner survey), plus the deadline watcher's."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.catalogue.documents import DocumentRef
from shared.catalogue.section11 import Answer

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Person = Annotated[str, Field(min_length=1, max_length=120, description="A role, never a child's name")]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: UUID = Field(description="Chosen by the sender; sending the same request again is safe")


# An `Answer` as the events record it, with the limits a sender is held to: once the profile's
# checks pass (`validation.checked_answers`) it goes into the event as it is, not validated a
# second time (that was about a tenth of a return's CPU in the section11 process). Its
# docstring is the contract's description of the field.
class AnswerGiven(Answer):
    """An answer to one standard: a rating on the profile's scale, a narrative, evidence references and documents."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rating: StrictInt
    narrative: str = Field(default="", max_length=4000)
    evidence: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(default_factory=list, max_length=30)
    documents: list[DocumentRef] = Field(
        default_factory=list, max_length=20, description="Documents uploaded as evidence (the front door stores them and fills this)"
    )


Answers = Annotated[dict[Slug, AnswerGiven], Field(max_length=200)]


class PartnershipCycle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    partnership_id: Slug
    cycle_id: Slug


# -- agencies -----------------------------------------------------------------


class SaveDraft(Command):
    """Save answers in progress; a draft is the agency's own and never reported."""

    agency_id: Slug
    cycle_id: Slug
    answers: Answers
    saved_by: Person


class CarryForwardReturn(Command):
    """Start this cycle's draft from the answers submitted in an earlier cycle."""

    agency_id: Slug
    cycle_id: Slug
    from_cycle_id: Slug
    saved_by: Person


class SubmitReturn(Command):
    """Submit the return: every standard of the profile answered. Without `answers`
    the saved draft is submitted. `also_submit_to` sends the same return to other
    partnerships on this platform that the agency serves."""

    agency_id: Slug
    cycle_id: Slug
    answers: Answers | None = None
    submitted_by: Person
    also_submit_to: list[PartnershipCycle] = Field(default_factory=list, max_length=20)


class AmendReturn(Command):
    """Change answers after submission; the reason is kept with the change."""

    agency_id: Slug
    cycle_id: Slug
    answers: Annotated[dict[Slug, AnswerGiven], Field(min_length=1, max_length=200)]
    reason: str = Field(min_length=5, max_length=2000)
    amended_by: Person


# -- the business unit ----------------------------------------------------------


class OpenAuditCycle(Command):
    """Open a cycle for the profile's agencies (or the ones named), due on a date
    (default: the profile's submission window from the opening date)."""

    cycle_id: Slug
    opened_on: date
    due_on: date | None = None
    agency_ids: list[Slug] | None = None


class CloseAuditCycle(Command):
    cycle_id: Slug
    closed_on: date


class ModerateScore(Command):
    """A scrutiny panel's rating of a domain, recorded beside the agency's self-score."""

    agency_id: Slug
    cycle_id: Slug
    domain_id: Slug
    moderated_rating: StrictInt
    rationale: str = Field(min_length=5, max_length=2000)
    moderated_by: Person


class RecordPractitionerSurvey(Command):
    """The share of an agency's staff who agreed with a statement (optionally about one domain)."""

    agency_id: Slug
    cycle_id: Slug
    survey_id: Slug
    statement: str = Field(min_length=5, max_length=500)
    domain_id: Slug | None = None
    agree_percent: float = Field(ge=0, le=100)
    respondents: StrictInt = Field(ge=1)


# -- the deadline watcher ---------------------------------------------------------


class SendSubmissionReminder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str
    cycle_id: str
    days_before: int
    deadline: datetime


class MarkSubmissionOverdue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str
    cycle_id: str
    deadline: datetime


class AnswerPrompt(Command):
    """Answer a prompt in the return: a finding of an assurance event about the agency,
    carried into its next Section 11 return."""

    agency_id: Slug
    cycle_id: Slug
    prompt_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=160)]
    answer: Annotated[str, Field(min_length=1, max_length=4000)]
    answered_by: Person
