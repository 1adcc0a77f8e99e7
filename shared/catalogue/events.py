"""Assurance event (scrutiny activity) events, from proposal to conclusion.

Every event names its assurance event (`assurance_event_id`, the stream's id).
The rules that applied when an event was proposed or scheduled (who must
endorse, who agrees the report, the milestones' due dates) are recorded in the
events themselves, so history folds the same way whatever the profile says later.
Cases are pseudonymous references (`case-7f3a`); young people are never named.
One module, over 300 lines, because it is the events service's catalogue: one list,
read as the contract.
"""

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict

from shared.catalogue.base import DomainEvent
from shared.catalogue.personal import Personal, Typed
from shared.catalogue.registry import registered, upcaster


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MilestoneDue(_Part):
    """A preparation milestone and the day by which it must be done."""

    milestone_id: str
    name: str
    due_on: date
    responsible: str = ""


class PanelMember(_Part):
    """Who took part: a role, with the partner or agency represented (never a child)."""

    role: str
    title: str
    partner_id: str | None = None
    agency_id: str | None = None


# -- lifecycle ----------------------------------------------------------------------------


@registered
class AssuranceEventProposed(DomainEvent):
    """An assurance activity was proposed, by a partner, the business unit or from Section 11."""

    event_type = "AssuranceEventProposed"
    assurance_event_id: str
    activity_type: str
    kind: str
    title: str
    agency_id: str | None = None
    theme: str | None = None
    format: str | None = None
    reason: Annotated[str | None, Typed()] = None
    planned_for: str | None = None
    """The planner month (YYYY-MM) this event is meant to fill, if any."""
    proposed_by: str
    """A statutory partner id, "business-unit", or "section11" (a call-in from a return)."""
    proposer_role: str
    lead_role: str
    reports_to: str
    endorsers: list[str] = []
    """Statutory partners whose endorsement is needed (any recused partner left out)."""
    report_agreers: list[str] = []
    recused_partner: str | None = None
    contributing_agencies: list[str] = []
    commissioned_by_agency: bool = False
    source_event_id: str | None = None


@registered
class EndorsementGiven(DomainEvent):
    """One statutory partner endorsed the proposal (agency, theme, format)."""

    event_type = "EndorsementGiven"
    assurance_event_id: str
    partner_id: str
    representative: Annotated[str, Personal()]
    outstanding: list[str] = []


@registered
class AssuranceEventEndorsed(DomainEvent):
    """Every partner whose endorsement is needed has given it."""

    event_type = "AssuranceEventEndorsed"
    assurance_event_id: str
    endorsed_by: list[str]


@registered
class AssuranceEventScheduled(DomainEvent):
    """v2 names the agency under scrutiny (`agency_id`) and the contributing agencies
    (`agency_ids`), so each hears the date as an outcome (v1: none named)."""

    event_type = "AssuranceEventScheduled"
    schema_version = 2
    assurance_event_id: str
    scheduled_on: date
    milestones: list[MilestoneDue] = []
    agency_id: str | None = None
    agency_ids: list[str] = []


@registered
class AssuranceEventRescheduled(DomainEvent):
    """A new date; the milestones not yet done are due relative to it."""

    event_type = "AssuranceEventRescheduled"
    assurance_event_id: str
    from_date: date
    scheduled_on: date
    reason: Annotated[str, Typed()]
    milestones: list[MilestoneDue] = []


@registered
class AssuranceEventCancelled(DomainEvent):
    event_type = "AssuranceEventCancelled"
    assurance_event_id: str
    reason: Annotated[str, Typed()]
    cancelled_by: str
    pending_milestones: list[str] = []


@registered
class PreparationMilestoneMet(DomainEvent):
    event_type = "PreparationMilestoneMet"
    assurance_event_id: str
    milestone_id: str
    met_on: date
    due_on: date
    late: bool = False


@registered
class PreparationMilestoneMissed(DomainEvent):
    """A milestone's day ended without it being recorded (raised by the deadline watcher)."""

    event_type = "PreparationMilestoneMissed"
    assurance_event_id: str
    milestone_id: str
    name: str
    due_on: date
    responsible: str = ""
    agency_id: str | None = None


@registered
class AssuranceEventHeld(DomainEvent):
    event_type = "AssuranceEventHeld"
    assurance_event_id: str
    held_on: date
    panel: list[PanelMember] = []
    young_people_took_part: bool = False
    days_on_site: int | None = None


@registered
class ImmediateFeedbackGiven(DomainEvent):
    """Key highlights fed back to the agency representatives at the end of the event."""

    event_type = "ImmediateFeedbackGiven"
    assurance_event_id: str
    highlights: Annotated[list[str], Typed()]
    given_by_role: str
    given_to: str


@registered
class FindingsRecorded(DomainEvent):
    event_type = "FindingsRecorded"
    assurance_event_id: str
    strengths: Annotated[list[str], Typed()] = []
    areas_for_development: Annotated[list[str], Typed()] = []
    recorded_by_role: str


@registered
class AssuranceReportDrafted(DomainEvent):
    event_type = "AssuranceReportDrafted"
    assurance_event_id: str
    version: int
    drafted_by_role: str
    author: Annotated[str, Personal()]
    summary: Annotated[str, Typed("author")]


@registered
class ReportAgreementGiven(DomainEvent):
    """A partner (or, where the profile names none, the business unit) agreed the report."""

    event_type = "ReportAgreementGiven"
    assurance_event_id: str
    partner_id: str | None = None
    version: int
    outstanding: list[str] = []


@registered
class AssuranceReportAgreed(DomainEvent):
    """The report is agreed for distribution. v2 names the agencies it concerns (`agency_ids`:
    the agency under scrutiny, the contributing agencies and those on the panel), so the agreed
    report reaches each as an outcome (v1: none named)."""

    event_type = "AssuranceReportAgreed"
    schema_version = 2
    assurance_event_id: str
    version: int
    distribution: list[str] = []
    reports_to: str
    agency_ids: list[str] = []


@upcaster("AssuranceEventScheduled", from_version=1)
def _scheduled_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {"agency_id": None, "agency_ids": []} | payload


@upcaster("AssuranceReportAgreed", from_version=1)
def _agreed_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {"agency_ids": []} | payload


@registered
class AssuranceEventConcluded(DomainEvent):
    """An assurance activity was held and its report agreed (or its outcome or cycle
    recorded); it is closed."""

    event_type = "AssuranceEventConcluded"
    assurance_event_id: str
    activity_type: str
    title: str
    held_on: date
    agency_id: str | None = None
    theme: str | None = None
    strengths: Annotated[list[str], Typed()] = []
    areas_for_development: Annotated[list[str], Typed()] = []
    actions: list[str] = []
    """Ids of the actions agreed at the event (each an ActionAgreed in this stream)."""
    reports_to: str | None = None
    distribution: list[str] = []
    outcome: Annotated[str | None, Typed()] = None
    star_rating: int | None = None
    figures: dict[str, float] = {}


@registered
class ActionAgreed(DomainEvent):
    """An action agreed at an assurance event; the reviews service raises it on the action plan."""

    event_type = "ActionAgreed"
    assurance_event_id: str
    action_id: str
    title: str
    owner_agency_id: str
    due_on: date


@registered
class OutcomeRecorded(DomainEvent):
    """The outcome of a call-in or pop-up case discussion."""

    event_type = "OutcomeRecorded"
    assurance_event_id: str
    outcome: Annotated[str, Typed()]
    assured: bool | None = None


# -- call-ins -----------------------------------------------------------------------------


@registered
class CallInConcernAdded(DomainEvent):
    """Another Section 11 domain at the highest risk for an agency already being called in."""

    event_type = "CallInConcernAdded"
    assurance_event_id: str
    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: Annotated[str, Typed()]
    source_event_id: str


# -- line of sight ------------------------------------------------------------------------


@registered
class CaseSelected(DomainEvent):
    event_type = "CaseSelected"
    assurance_event_id: str
    case_ref: str
    agencies_involved: list[str] = []


@registered
class CaseAuditRecorded(DomainEvent):
    """A single-agency audit of one selected case, recorded before the panel."""

    event_type = "CaseAuditRecorded"
    assurance_event_id: str
    case_ref: str
    agency_id: str
    auditor_role: str
    summary: Annotated[str, Personal(subject="case_ref")]
    """What the audit found, in the family's and practitioners' words: sealed with the case's key."""


@registered
class PractitionersMet(DomainEvent):
    event_type = "PractitionersMet"
    assurance_event_id: str
    case_ref: str
    practitioner_roles: list[str]
    agencies: list[str] = []


# -- young inspectors ---------------------------------------------------------------------


@registered
class InspectionTakenUp(DomainEvent):
    event_type = "InspectionTakenUp"
    assurance_event_id: str
    agency_id: str


@registered
class InspectionDeclined(DomainEvent):
    event_type = "InspectionDeclined"
    assurance_event_id: str
    agency_id: str
    reason: Annotated[str, Typed()]


@registered
class DesktopReviewCompleted(DomainEvent):
    event_type = "DesktopReviewCompleted"
    assurance_event_id: str
    completed_on: date
    covered: list[str]
    observations: Annotated[list[str], Typed()] = []


@registered
class InspectionSurveysReturned(DomainEvent):
    event_type = "InspectionSurveysReturned"
    assurance_event_id: str
    staff_responses: int
    service_user_responses: int


@registered
class StarRatingAwarded(DomainEvent):
    event_type = "StarRatingAwarded"
    assurance_event_id: str
    agency_id: str
    stars: int
    out_of: int


# -- learning hub -------------------------------------------------------------------------


@registered
class NewsletterIssued(DomainEvent):
    event_type = "NewsletterIssued"
    assurance_event_id: str
    issued_on: date
    pages: int
    sections: list[str] = []
    contributors: list[str] = []
    distributed_to: list[str] = []


@registered
class LearningForumHeld(DomainEvent):
    event_type = "LearningForumHeld"
    assurance_event_id: str
    forum: str
    held_on: date
    attendance: int
    waiting_list: bool = False


@registered
class ChildrenAndFamiliesViewsGathered(DomainEvent):
    event_type = "ChildrenAndFamiliesViewsGathered"
    assurance_event_id: str
    gathered_on: date
    young_people: int
    method: str
    themes: list[str] = []


@registered
class PractitionerSurveySent(DomainEvent):
    event_type = "PractitionerSurveySent"
    assurance_event_id: str
    sent_on: date
    recipients: int


@registered
class PractitionerSurveyResponsesReceived(DomainEvent):
    event_type = "PractitionerSurveyResponsesReceived"
    assurance_event_id: str
    responses: int


@registered
class ForumEvaluationRecorded(DomainEvent):
    """The forums' evaluation: the share of attendees who completed it, and per
    question the share who agreed (percentages)."""

    event_type = "ForumEvaluationRecorded"
    assurance_event_id: str
    completed_percent: float | None = None
    agreed_percent: dict[str, float]


@registered
class StrategicFeedbackPresented(DomainEvent):
    event_type = "StrategicFeedbackPresented"
    assurance_event_id: str
    group_id: str
    presented_on: date
    summary: Annotated[str, Typed()]


@registered
class PractitionersToldOfActions(DomainEvent):
    """The strategic group fed back to practitioners on the actions taken."""

    event_type = "PractitionersToldOfActions"
    assurance_event_id: str
    fed_back_on: date
    actions_taken: Annotated[list[str], Typed()]


# -- peer review --------------------------------------------------------------------------


@registered
class PeerReviewTermsAgreed(DomainEvent):
    event_type = "PeerReviewTermsAgreed"
    assurance_event_id: str
    scope: str
    reciprocal: bool
    direction: str
    """"received": peers review this partnership; "given": this partnership reviews another."""
    peer_area: str
    days_on_site: int
    team_roles: list[str] = []
    focus: str = ""
