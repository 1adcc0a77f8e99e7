"""Review and action plan events: serious incidents and rapid reviews, practice,
learning and thematic reviews, multi-agency case file audits, actions, the impact log.

Every date a clock runs to (a due date, a reminder, a slippage warning) is
worked out when the fact is recorded and carried in the event, so a replay of
history needs no profile and raises its deadline events on the same dates.
Cases are named only by pseudonymous reference (`case-7f3a`). One module, over 300
lines, because it is the reviews service's catalogue: one list, read as the contract.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict

from shared.catalogue.base import DomainEvent
from shared.catalogue.documents import DocumentRef
from shared.catalogue.personal import Personal, Typed
from shared.catalogue.registry import registered

Recipient = Literal["national-panel", "ofsted", "secretary-of-state"]
DueUnit = Literal["working_days", "calendar_days"]
Outcome = Literal["local-cspr", "national-review-referral", "learning-review", "no-further-review"]
ReviewType = Literal["cspr", "learning-review", "thematic-review"]
SignOff = Literal["executive", "scrutineer", "subgroup"]
Grade = str
"""The id of one of the profile's audit grades (`reviews.audit_grades`; by default outstanding,
good, requires-improvement, inadequate)."""
DueDateChange = Literal["extension", "override"]


class Evidence(BaseModel):
    """A piece of evidence that an action is done: what it shows, and where it is kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[str, Typed("completed_by")]
    link: Annotated[str | None, Typed("completed_by")] = None


# -- Serious incidents and rapid reviews (stream incident:{partnership}:{incident_id}) ----


@registered
class SeriousIncidentRecorded(DomainEvent):
    """The local authority became aware of a serious incident; the notification clock started."""

    event_type = "SeriousIncidentRecorded"
    incident_id: str
    case_ref: str
    aware_on: date
    child_looked_after: bool
    notify: list[Recipient]
    """Who must be told: the national panel, and Ofsted and the Secretary of State for a looked-after child."""
    notify_by: date


@registered
class SeriousIncidentNotified(DomainEvent):
    event_type = "SeriousIncidentNotified"
    incident_id: str
    recipient: Recipient
    notified_on: date
    notify_by: date
    late: bool
    outstanding: list[Recipient]
    """Who is still to be told after this notification."""


@registered
class SeriousIncidentNotificationOverdue(DomainEvent):
    """The notification time passed with someone still not told (raised by the deadline watcher)."""

    event_type = "SeriousIncidentNotificationOverdue"
    incident_id: str
    notify_by: date
    outstanding: list[Recipient]


@registered
class RapidReviewOpened(DomainEvent):
    event_type = "RapidReviewOpened"
    incident_id: str
    case_ref: str
    starts_on: date
    days: int
    unit: DueUnit
    due_on: date


@registered
class RapidReviewDueDateChanged(DomainEvent):
    """An extension or an override of the rapid review's due date, with its reason."""

    event_type = "RapidReviewDueDateChanged"
    incident_id: str
    change: DueDateChange
    previous_due_on: date
    due_on: date
    reason: Annotated[str, Typed("agreed_by")]
    agreed_by: Annotated[str, Personal()]


@registered
class RapidReviewOverdue(DomainEvent):
    event_type = "RapidReviewOverdue"
    incident_id: str
    due_on: date


@registered
class AgencyInformationRequested(DomainEvent):
    event_type = "AgencyInformationRequested"
    incident_id: str
    information_request_id: str
    agency_id: str
    requested: Annotated[str, Typed()]
    due_on: date


@registered
class AgencyInformationProvided(DomainEvent):
    event_type = "AgencyInformationProvided"
    incident_id: str
    information_request_id: str
    agency_id: str
    summary: Annotated[str, Typed()]
    provided_on: date
    late: bool


@registered
class AgencyInformationOverdue(DomainEvent):
    """An agency has not answered an information request by its due date: the chase."""

    event_type = "AgencyInformationOverdue"
    incident_id: str
    information_request_id: str
    agency_id: str
    due_on: date


@registered
class RapidReviewDecided(DomainEvent):
    event_type = "RapidReviewDecided"
    incident_id: str
    case_ref: str
    outcome: Outcome
    rationale: Annotated[str, Typed("decided_by", case="case_ref")]
    decided_on: date
    decided_by: Annotated[str, Personal()]
    due_on: date
    within_timescale: bool
    scrutineer_sign_off_required: bool
    national_panel_endorsement_required: bool = False
    """A local CSPR may be commissioned only once the National Panel has endorsed it (the profile's
    rule when decided; false in events recorded before a profile could say so)."""


@registered
class RapidReviewDecisionSignedOff(DomainEvent):
    """The independent scrutineer signed off the rapid review decision."""

    event_type = "RapidReviewDecisionSignedOff"
    incident_id: str
    outcome: Outcome
    signed_off_by: Annotated[str, Personal()]
    signed_off_on: date
    comments: Annotated[str, Typed("signed_off_by")] = ""


@registered
class NationalPanelResponded(DomainEvent):
    """The Child Safeguarding Practice Review Panel's response to the rapid review's decision:
    whether it endorsed it (a local CSPR recommended: whether one may be commissioned)."""

    event_type = "NationalPanelResponded"
    incident_id: str
    outcome: Outcome
    """The decision the Panel responded to."""
    endorsed: bool
    responded_on: date
    note: Annotated[str, Typed()] = ""


# -- Practice, learning and thematic reviews (stream review:{partnership}:{review_id}) ---


@registered
class ReviewCommissioned(DomainEvent):
    event_type = "ReviewCommissioned"
    review_id: str
    review_type: ReviewType
    incident_id: str | None
    case_ref: str | None
    theme: str | None
    author: Annotated[str, Personal()]
    terms_of_reference: Annotated[str, Typed("author", case="case_ref")]
    commissioned_on: date
    starts_on: date
    """The day the clock counts from: the rapid review decision, or the commissioning."""
    months: int
    due_on: date
    warn_on: date | None
    sign_off_by: SignOff
    signatories: list[SignOff] = []
    """Who may sign the final report off, any one of them (Somerset's CSPR: the executive or the
    scrutineer); empty in events recorded before a profile could name more than one: sign_off_by."""
    jointly: bool = False
    """Every one of `signatories` signs it off (the profile's `signed_off_jointly`), not any one."""


@registered
class ReviewStageCompleted(DomainEvent):
    event_type = "ReviewStageCompleted"
    review_id: str
    stage: str
    completed_on: date
    note: Annotated[str, Typed()] = ""


@registered
class ReviewDueDateChanged(DomainEvent):
    event_type = "ReviewDueDateChanged"
    review_id: str
    change: DueDateChange
    previous_due_on: date
    due_on: date
    warn_on: date | None
    reason: Annotated[str, Typed("agreed_by")]
    agreed_by: Annotated[str, Personal()]


@registered
class ReviewSlippageWarned(DomainEvent):
    """A review is close to its due date and not signed off (raised by the deadline watcher)."""

    event_type = "ReviewSlippageWarned"
    review_id: str
    review_type: ReviewType
    due_on: date
    warn_on: date


@registered
class ReviewSlipped(DomainEvent):
    """A review passed its due date without its final report signed off (raised by the deadline watcher)."""

    event_type = "ReviewSlipped"
    review_id: str
    review_type: ReviewType
    due_on: date


@registered
class ReviewSignatureRecorded(DomainEvent):
    """One of the joint signatories of a review's final report signed it; others are still to
    (the last one's signature is the ReviewSignedOff)."""

    event_type = "ReviewSignatureRecorded"
    review_id: str
    review_type: ReviewType
    signed_as: SignOff
    signatory: Annotated[str, Personal()]
    signed_on: date
    outstanding: list[SignOff]


@registered
class ReviewSignedOff(DomainEvent):
    event_type = "ReviewSignedOff"
    review_id: str
    review_type: ReviewType
    signed_off_as: SignOff
    signatory: Annotated[str, Personal()]
    signed_off_on: date
    due_on: date
    within_timescale: bool
    signed_jointly_by: list[SignOff] = []
    """For a review signed off jointly: every signatory, in the order they signed (this one last)."""


@registered
class ReviewPublished(DomainEvent):
    event_type = "ReviewPublished"
    review_id: str
    review_type: ReviewType
    published_on: date
    link: str
    themes: list[str]


# -- Multi-agency case file audits (stream audit:{partnership}:{audit_id}) --------------


@registered
class AuditRoundOpened(DomainEvent):
    event_type = "AuditRoundOpened"
    audit_id: str
    theme: str
    period_start: date
    period_end: date
    cadence_months: int
    sample_from: date
    case_refs: list[str]
    agencies: list[str]
    due_on: date


@registered
class AuditCaseGraded(DomainEvent):
    """One agency's grading of one case on the Ofsted scale."""

    event_type = "AuditCaseGraded"
    audit_id: str
    case_ref: str
    agency_id: str
    grade: Grade
    strengths: Annotated[list[str], Typed(case="case_ref")] = []
    areas_for_improvement: Annotated[list[str], Typed(case="case_ref")] = []


@registered
class SafeguardingConcernEscalated(DomainEvent):
    """An immediate safeguarding concern found during an audit, escalated at once."""

    event_type = "SafeguardingConcernEscalated"
    audit_id: str
    case_ref: str
    raised_by_agency_id: str
    concern: str
    escalated_to: str


@registered
class AuditRoundOverdue(DomainEvent):
    event_type = "AuditRoundOverdue"
    audit_id: str
    due_on: date
    gradings: int


@registered
class AuditRoundConcluded(DomainEvent):
    event_type = "AuditRoundConcluded"
    audit_id: str
    concluded_on: date
    grades: dict[Grade, int]
    findings: Annotated[list[str], Typed()]


# -- Actions (stream action:{partnership}:{action_id}) ------------------------------------


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
    raised_by: Annotated[str, Personal()] = ""
    remind_on: date | None = None
    """When the owner is reminded; none if that day had already come when the action was raised."""


@registered
class ActionReminderSent(DomainEvent):
    """The owner was reminded that an action falls due soon (raised by the deadline watcher)."""

    event_type = "ActionReminderSent"
    action_id: str
    owner_agency_id: str
    due_on: date


@registered
class ActionOverdue(DomainEvent):
    """An action passed its due date without being completed (raised by the deadline watcher)."""

    event_type = "ActionOverdue"
    action_id: str
    owner_agency_id: str
    due_on: date


@registered
class ActionProgressUpdated(DomainEvent):
    """A progress update, appended to the action's history (never overwriting an earlier one)."""

    event_type = "ActionProgressUpdated"
    action_id: str
    owner_agency_id: str
    update_number: int
    progress: Annotated[str, Typed("updated_by")]
    percent_complete: int | None = None
    updated_by: Annotated[str, Personal()]  # a practitioner's name, sealed (shared.personal_data)


@registered
class ActionCompleted(DomainEvent):
    """The owner says the action is done and shows the evidence; it awaits sign-off."""

    event_type = "ActionCompleted"
    action_id: str
    owner_agency_id: str
    completed_on: date
    evidence: list[Evidence]
    completed_by: Annotated[str, Personal()]  # a practitioner's name, sealed
    due_on: date
    on_time: bool
    documents: list[DocumentRef] = []
    """The documents uploaded as evidence, by hash (none in events recorded before they could be)."""


@registered
class ActionEvidenceRejected(DomainEvent):
    event_type = "ActionEvidenceRejected"
    action_id: str
    owner_agency_id: str
    meeting_on: date
    group_id: str
    reason: Annotated[str, Typed()]


@registered
class ActionReopened(DomainEvent):
    event_type = "ActionReopened"
    action_id: str
    owner_agency_id: str
    due_on: date
    remind_on: date | None = None


@registered
class ActionSignedOff(DomainEvent):
    """The safeguarding partners signed off a completed action at a Board meeting."""

    event_type = "ActionSignedOff"
    action_id: str
    owner_agency_id: str
    meeting_on: date
    group_id: str
    partners: list[str]


# -- Impact log (stream impact:{partnership}:{impact_id}) ----------------------------------


@registered
class ImpactRecorded(DomainEvent):
    """A difference made for children or practice, linked to what made it."""

    event_type = "ImpactRecorded"
    impact_id: str
    recorded_on: date
    difference: Annotated[str, Typed("recorded_by")]
    evidence: Annotated[str, Typed("recorded_by")]
    action_ids: list[str] = []
    review_ids: list[str] = []
    incident_ids: list[str] = []
    audit_ids: list[str] = []
    recorded_by: Annotated[str, Personal()]  # a person's name, sealed
