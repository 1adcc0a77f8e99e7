"""Section 11 self-assessment events: the audit cycle, each agency's return, and
what the partnership learns from it (signatures of risk, confidence gaps).

Streams: `s11-cycle:{partnership}:{cycle}` holds the cycle's own events;
`s11-return:{partnership}:{agency}:{cycle}` holds one agency's return.
"""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.catalogue.base import DomainEvent
from shared.catalogue.documents import DocumentRef
from shared.catalogue.personal import Personal, Typed
from shared.catalogue.registry import registered, upcaster


class Answer(BaseModel):
    """An agency's answer to one standard: a rating on the profile's scale, its narrative and evidence
    (references in words, and documents uploaded, by hash)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rating: int
    narrative: Annotated[str, Typed("saved_by", "submitted_by", "amended_by")] = ""
    evidence: Annotated[list[str], Typed("saved_by", "submitted_by", "amended_by")] = []
    # An answer stored before documents could be attached reads with none: no new schema version.
    documents: list[DocumentRef] = []

    def __eq__(self, other: object) -> bool:
        """An answer is a value: equal to one with the same fields, as a sender gave it (the
        section11 command's `AnswerGiven`, a kind of `Answer`) or as an event recorded it."""
        if not isinstance(other, Answer):
            return NotImplemented
        return (self.rating, self.narrative, self.evidence, self.documents) == (
            other.rating, other.narrative, other.evidence, other.documents
        )


@registered
class AuditCycleOpened(DomainEvent):
    """The business unit opened a Section 11 cycle for the named agencies, with the date returns are due."""

    event_type = "AuditCycleOpened"
    cycle_id: str
    opened_on: date
    due_on: date
    agency_ids: list[str]
    reminder_days_before: list[int] = []


@registered
class AuditCycleClosed(DomainEvent):
    """No more returns are accepted for this cycle."""

    event_type = "AuditCycleClosed"
    cycle_id: str
    closed_on: date


@registered
class DraftSaved(DomainEvent):
    """An agency saved work in progress; a draft never appears in partnership reports."""

    event_type = "DraftSaved"
    agency_id: str
    cycle_id: str
    answers: dict[str, Answer]
    saved_by: Annotated[str, Personal()]  # a practitioner's name, sealed (shared.personal_data)
    carried_forward_from: str | None = None


@registered
class SubmissionReceived(DomainEvent):
    """An agency's Section 11 return: each standard answered, rolled up per signatures-of-risk domain.

    v2 added the answers per standard, the due date and lateness, and the other
    partnerships the same return went to.
    """

    event_type = "SubmissionReceived"
    schema_version = 2
    submission_id: str
    agency_id: str
    cycle_id: str
    domain_ratings: dict[str, int]
    submitted_by: Annotated[str, Personal()]  # a practitioner's name, sealed
    answers: dict[str, Answer] = {}
    due_on: date | None = None
    late: bool = False
    also_submitted_to: list[str] = []


@upcaster("SubmissionReceived", from_version=1)
def _submission_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # v1 rated domains directly; there were no per-standard answers to recover.
    return payload | {"answers": {}, "due_on": None, "late": False, "also_submitted_to": []}


@registered
class SubmissionAmended(DomainEvent):
    """A submitted return was changed, with the reason; the earlier answers stay in the history."""

    event_type = "SubmissionAmended"
    agency_id: str
    cycle_id: str
    answers: dict[str, Answer]
    """Only the standards that changed."""
    domain_ratings: dict[str, int]
    """The whole return's roll-up after the amendment."""
    reason: Annotated[str, Typed("amended_by")]
    amended_by: Annotated[str, Personal()]  # a practitioner's name, sealed


@registered
class ScoreModerated(DomainEvent):
    """A scrutiny panel recorded its own rating of a domain beside the agency's self-score."""

    event_type = "ScoreModerated"
    agency_id: str
    cycle_id: str
    domain_id: str
    self_rating: int
    moderated_rating: int
    rationale: Annotated[str, Typed("moderated_by")]
    moderated_by: Annotated[str, Personal()]


@registered
class SubmissionReminderSent(DomainEvent):
    """A return is due soon and has not been submitted (raised by the deadline watcher)."""

    event_type = "SubmissionReminderSent"
    agency_id: str
    cycle_id: str
    due_on: date
    days_before: int


@registered
class SubmissionOverdue(DomainEvent):
    """A return's due date passed without a submission (raised by the deadline watcher)."""

    event_type = "SubmissionOverdue"
    agency_id: str
    cycle_id: str
    due_on: date


@registered
class RiskFlagged(DomainEvent):
    """A domain of an agency's return reached the profile's risk threshold."""

    event_type = "RiskFlagged"
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: str


@registered
class RiskCleared(DomainEvent):
    """A later return or a moderated score brought a flagged domain back above the threshold."""

    event_type = "RiskCleared"
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int


@registered
class CallInProposed(DomainEvent):
    """A domain reached the profile's highest risk: the agency should be called in.

    Consumed by the assurance events service, which opens a proposed call-in.
    """

    event_type = "CallInProposed"
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: str


@registered
class PractitionerSurveyRecorded(DomainEvent):
    """The result of a practitioner survey for an agency: the share of staff who agreed with a statement."""

    event_type = "PractitionerSurveyRecorded"
    agency_id: str
    cycle_id: str
    survey_id: str
    statement: str
    domain_id: str | None = None
    agree_percent: float
    respondents: int


@registered
class ConfidenceGapFlagged(DomainEvent):
    """The agency rated itself green but its practitioners' survey result is low: challenge the self-score."""

    event_type = "ConfidenceGapFlagged"
    agency_id: str
    cycle_id: str
    survey_id: str
    domain_id: str | None = None
    self_rating: int
    agree_percent: float
    threshold_percent: float
    reason: str


@registered
class PeerChallengeWorkshopScheduled(DomainEvent):
    """A peer review workshop in the year after the audit, for a domain flagged for development or good practice."""

    event_type = "PeerChallengeWorkshopScheduled"
    cycle_id: str
    workshop_id: str
    domain_id: str
    purpose: Literal["development", "good_practice"]
    agency_ids: list[str]
    hold_by: date


# -- findings carried into the next return (issue 16 item 5) ---------------------------------------


@registered
class Section11PromptAdded(DomainEvent):
    """An assurance event's area for development about an agency, put to that agency as a
    prompt in its next Section 11 return (stream `s11-prompts:{partnership}:{agency}`). The
    finding's text stays in the events service's record: `finding` is its index among the
    concluded event's areas for development."""

    event_type = "Section11PromptAdded"
    agency_id: str
    prompt_id: str
    assurance_event_id: str
    activity_type: str
    title: str
    finding: int


@registered
class Section11PromptAnswered(DomainEvent):
    """The agency answered a prompt in its return of `cycle_id`."""

    event_type = "Section11PromptAnswered"
    agency_id: str
    prompt_id: str
    cycle_id: str
    answer: Annotated[str, Typed()]
    answered_by: str
