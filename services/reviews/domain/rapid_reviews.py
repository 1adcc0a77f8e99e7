"""The rapid review of a serious incident: its due date (extended or overridden only with
a reason), the agencies' information requests and their chasing, the decision and
the independent scrutineer's sign-off of it. Pure; the state is `incidents.Incident`.
"""

from datetime import date

from services.reviews.domain.commands import (
    ChangeRapidReviewDueDate,
    DecideRapidReview,
    ProvideAgencyInformation,
    RecordNationalPanelResponse,
    RequestAgencyInformation,
    SignOffRapidReviewDecision,
)
from services.reviews.domain.incidents import INFORMATION, NOTIFICATION, RAPID_REVIEW, Incident
from services.reviews.domain.timers import changed_due_date, not_after_today, not_before
from shared.calendar import WorkingDayCalendar
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    AgencyInformationOverdue,
    AgencyInformationProvided,
    AgencyInformationRequested,
    NationalPanelResponded,
    RapidReviewDecided,
    RapidReviewDecisionSignedOff,
    RapidReviewDueDateChanged,
    RapidReviewOverdue,
    SeriousIncidentNotificationOverdue,
)
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def _open(state: Incident, incident_id: str) -> tuple[date, date]:
    """The rapid review's start and due dates; refused unless it is open and undecided."""
    if not state.recorded:
        raise Refusal("unknown_incident", f"there is no serious incident {incident_id!r}", "incident_id")
    if state.review_due_on is None or state.review_starts_on is None:
        raise Refusal(
            "no_rapid_review",
            f"the rapid review of {incident_id!r} has not started (the national panel has not been notified)",
            "incident_id",
        )
    if state.outcome is not None:
        raise Refusal("already_decided", f"the rapid review of {incident_id!r} is decided", "incident_id")
    return state.review_starts_on, state.review_due_on


def decide_change_due_date(state: Incident, command: ChangeRapidReviewDueDate, today: date) -> list[DomainEvent]:
    starts_on, due_on = _open(state, command.incident_id)
    changed_due_date(command.change, due_on, command.due_on, starts_on, today)
    return [
        RapidReviewDueDateChanged(
            incident_id=command.incident_id,
            change=command.change,
            previous_due_on=due_on,
            due_on=command.due_on,
            reason=command.reason,
            agreed_by=command.agreed_by,
        )
    ]


def decide_request_information(
    state: Incident,
    command: RequestAgencyInformation,
    profile: FrameworkProfile,
    calendar: WorkingDayCalendar,
    today: date,
) -> list[DomainEvent]:
    _open(state, command.incident_id)
    if command.agency_id not in {a.id for a in profile.agencies}:
        raise Refusal("unknown_agency", f"{command.agency_id!r} is not an agency of {profile.id}", "agency_id")
    if command.information_request_id in state.requests:
        raise Refusal("already_requested", f"information request {command.information_request_id!r} exists", "information_request_id")
    due_on = command.due_on or calendar.add_working_days(today, profile.reviews.information_request_working_days)
    not_before(due_on, today, "due_on", "today")
    return [
        AgencyInformationRequested(
            incident_id=command.incident_id,
            information_request_id=command.information_request_id,
            agency_id=command.agency_id,
            requested=command.requested,
            due_on=due_on,
        )
    ]


def decide_provide_information(state: Incident, command: ProvideAgencyInformation, today: date) -> list[DomainEvent]:
    request = state.requests.get(command.information_request_id)
    if request is None:
        raise Refusal(
            "unknown_request",
            f"there is no information request {command.information_request_id!r} on {command.incident_id!r}",
            "information_request_id",
        )
    if request.agency_id != command.agency_id:
        raise Refusal("not_requested_of_agency", f"the request was made of {request.agency_id!r}, not {command.agency_id!r}", "agency_id")
    if request.provided:
        raise Refusal("already_provided", f"information request {command.information_request_id!r} was answered", "information_request_id")
    not_after_today(command.provided_on, today, "provided_on")
    return [
        AgencyInformationProvided(
            incident_id=command.incident_id,
            information_request_id=command.information_request_id,
            agency_id=command.agency_id,
            summary=command.summary,
            provided_on=command.provided_on,
            late=command.provided_on > request.due_on,
        )
    ]


def decide_decision(state: Incident, command: DecideRapidReview, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    starts_on, due_on = _open(state, command.incident_id)
    not_before(command.decided_on, starts_on, "decided_on", "the start of the rapid review")
    not_after_today(command.decided_on, today, "decided_on")
    return [
        RapidReviewDecided(
            incident_id=command.incident_id,
            case_ref=state.case_ref,
            outcome=command.outcome,
            rationale=command.rationale,
            decided_on=command.decided_on,
            decided_by=command.decided_by,
            due_on=due_on,
            within_timescale=command.decided_on <= due_on,
            scrutineer_sign_off_required=profile.reviews.rapid_review_decision_signed_off_by_scrutineer,
            national_panel_endorsement_required=command.outcome == "local-cspr" and profile.reviews.cspr_endorsed_by_national_panel,
        )
    ]


def decide_panel_response(state: Incident, command: RecordNationalPanelResponse, today: date) -> list[DomainEvent]:
    """The National Panel's response to a decision that stands (signed off where it must be)."""
    if state.outcome is None or state.decided_on is None:
        raise Refusal(
            "not_decided", f"the rapid review of {command.incident_id!r} has no decision for the Panel to respond to", "incident_id"
        )
    if not state.decision_stands:
        raise Refusal(
            "decision_not_signed_off", "the independent scrutineer signs the decision off before it goes to the Panel", "incident_id"
        )
    if state.panel_endorsed is not None:
        raise Refusal("already_responded", "the National Panel's response is already recorded", "incident_id")
    not_before(command.responded_on, state.decided_on, "responded_on", "the decision")
    not_after_today(command.responded_on, today, "responded_on")
    return [
        NationalPanelResponded(
            incident_id=command.incident_id, outcome=state.outcome, endorsed=command.endorsed,
            responded_on=command.responded_on, note=command.note,
        )
    ]


def decide_sign_off(state: Incident, command: SignOffRapidReviewDecision, today: date) -> list[DomainEvent]:
    if state.outcome is None or state.decided_on is None:
        raise Refusal("not_decided", f"the rapid review of {command.incident_id!r} has no decision to sign off", "incident_id")
    if not state.sign_off_required:
        raise Refusal(
            "sign_off_not_required",
            "this partnership's profile does not ask the scrutineer to sign off rapid review decisions",
            "incident_id",
        )
    if state.signed_off:
        raise Refusal("already_signed_off", "the decision is already signed off", "incident_id")
    not_before(command.signed_off_on, state.decided_on, "signed_off_on", "the decision")
    not_after_today(command.signed_off_on, today, "signed_off_on")
    return [
        RapidReviewDecisionSignedOff(
            incident_id=command.incident_id,
            outcome=state.outcome,
            signed_off_by=command.signed_off_by,
            signed_off_on=command.signed_off_on,
            comments=command.comments,
        )
    ]


def on_timer(state: Incident, kind: str, incident_id: str) -> list[DomainEvent]:
    """What a passed deadline on an incident means, given what has happened since it was set."""
    if kind == NOTIFICATION and state.outstanding and not state.notification_overdue:
        assert state.notify_by is not None
        return [SeriousIncidentNotificationOverdue(incident_id=incident_id, notify_by=state.notify_by, outstanding=state.outstanding)]
    if kind == RAPID_REVIEW and state.review_due_on and state.outcome is None and not state.review_overdue:
        return [RapidReviewOverdue(incident_id=incident_id, due_on=state.review_due_on)]
    if kind.startswith(INFORMATION):
        rid = kind.removeprefix(INFORMATION)
        request = state.requests.get(rid)
        if request and not request.provided and not request.overdue:
            return [
                AgencyInformationOverdue(
                    incident_id=incident_id, information_request_id=rid, agency_id=request.agency_id, due_on=request.due_on
                )
            ]
    return []
