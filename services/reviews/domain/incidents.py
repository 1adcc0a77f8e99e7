"""A serious incident: from the local authority becoming aware to the notifications due
within 5 working days, and the rapid review it opens (decided in `rapid_reviews`).

One stream per incident (`incident:{partnership}:{incident_id}`) holds the
notification, the rapid review, its information requests and its decision.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from functools import reduce

from services.reviews.domain.commands import RecordIncidentNotification, RecordSeriousIncident
from services.reviews.domain.timers import (
    Start,
    Stop,
    Timer,
    not_after_today,
    not_before,
)
from shared.calendar import WorkingDayCalendar
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    AgencyInformationOverdue,
    AgencyInformationProvided,
    AgencyInformationRequested,
    NationalPanelResponded,
    Outcome,
    RapidReviewDecided,
    RapidReviewDecisionSignedOff,
    RapidReviewDueDateChanged,
    RapidReviewOpened,
    RapidReviewOverdue,
    Recipient,
    SeriousIncidentNotificationOverdue,
    SeriousIncidentNotified,
    SeriousIncidentRecorded,
)
from shared.london import late_from
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

NOTIFICATION = "si-notification-overdue"
RAPID_REVIEW = "rapid-review-overdue"
INFORMATION = "info-request-overdue:"
"""Prefix: one timer per information request (`info-request-overdue:{request id}`)."""

LOOKED_AFTER_ALSO_NOTIFY: list[Recipient] = ["ofsted", "secretary-of-state"]


def stream_id(partnership_id: str, incident_id: str) -> str:
    return f"incident:{partnership_id}:{incident_id}"


@dataclass(frozen=True)
class InformationRequest:
    agency_id: str
    due_on: date
    provided: bool = False
    overdue: bool = False


@dataclass(frozen=True)
class Incident:
    recorded: bool = False
    case_ref: str = ""
    aware_on: date | None = None
    notify: tuple[Recipient, ...] = ()
    notified: tuple[Recipient, ...] = ()
    notify_by: date | None = None
    notification_overdue: bool = False
    review_starts_on: date | None = None
    review_due_on: date | None = None
    review_overdue: bool = False
    requests: dict[str, InformationRequest] = field(default_factory=dict)
    outcome: Outcome | None = None
    decided_on: date | None = None
    sign_off_required: bool = False
    signed_off: bool = False
    panel_endorsement_required: bool = False
    panel_endorsed: bool | None = None
    """The National Panel's response to the decision: endorsed or not (None: none recorded)."""

    @property
    def outstanding(self) -> list[Recipient]:
        return [r for r in self.notify if r not in self.notified]

    @property
    def decision_stands(self) -> bool:
        """Decided, and signed off by the scrutineer where that was required."""
        return self.outcome is not None and (self.signed_off or not self.sign_off_required)


def evolve(state: Incident, event: DomainEvent) -> Incident:
    match event:
        case SeriousIncidentRecorded() as e:
            return replace(state, recorded=True, case_ref=e.case_ref, aware_on=e.aware_on, notify=tuple(e.notify), notify_by=e.notify_by)
        case SeriousIncidentNotified(recipient=recipient):
            return replace(state, notified=(*state.notified, recipient))
        case SeriousIncidentNotificationOverdue():
            return replace(state, notification_overdue=True)
        case RapidReviewOpened(starts_on=starts, due_on=due):
            return replace(state, review_starts_on=starts, review_due_on=due)
        case RapidReviewDueDateChanged(due_on=due):
            return replace(state, review_due_on=due, review_overdue=False)
        case RapidReviewOverdue():
            return replace(state, review_overdue=True)
        case AgencyInformationRequested(information_request_id=rid, agency_id=agency, due_on=due):
            return replace(state, requests=state.requests | {rid: InformationRequest(agency, due)})
        case AgencyInformationProvided(information_request_id=rid):
            return replace(state, requests=state.requests | {rid: replace(state.requests[rid], provided=True)})
        case AgencyInformationOverdue(information_request_id=rid):
            return replace(state, requests=state.requests | {rid: replace(state.requests[rid], overdue=True)})
        case RapidReviewDecided() as e:
            return replace(
                state, outcome=e.outcome, decided_on=e.decided_on, sign_off_required=e.scrutineer_sign_off_required,
                panel_endorsement_required=e.national_panel_endorsement_required,
            )
        case RapidReviewDecisionSignedOff():
            return replace(state, signed_off=True)
        case NationalPanelResponded(endorsed=endorsed):
            return replace(state, panel_endorsed=endorsed)
    return state


def timers(event: DomainEvent) -> list[Timer]:
    match event:
        case SeriousIncidentRecorded(notify_by=notify_by):
            return [Start(NOTIFICATION, late_from(notify_by))]
        case SeriousIncidentNotified(outstanding=[]):
            return [Stop(NOTIFICATION)]
        case RapidReviewOpened(due_on=due) | RapidReviewDueDateChanged(due_on=due):
            return [Start(RAPID_REVIEW, late_from(due))]
        case RapidReviewDecided():
            return [Stop(RAPID_REVIEW)]
        case AgencyInformationRequested(information_request_id=rid, due_on=due):
            return [Start(INFORMATION + rid, late_from(due))]
        case AgencyInformationProvided(information_request_id=rid):
            return [Stop(INFORMATION + rid)]
    return []


def decide_record(
    state: Incident, command: RecordSeriousIncident, profile: FrameworkProfile, calendar: WorkingDayCalendar, today: date
) -> list[DomainEvent]:
    if state.recorded:
        raise Refusal("already_recorded", f"serious incident {command.incident_id!r} is already recorded", "incident_id")
    not_after_today(command.aware_on, today, "aware_on")
    rules = profile.reviews
    notify: list[Recipient] = ["national-panel", *(LOOKED_AFTER_ALSO_NOTIFY if command.child_looked_after else [])]
    events: list[DomainEvent] = [
        SeriousIncidentRecorded(
            incident_id=command.incident_id,
            case_ref=command.case_ref,
            aware_on=command.aware_on,
            child_looked_after=command.child_looked_after,
            notify=notify,
            notify_by=calendar.add_working_days(command.aware_on, rules.serious_incident_notification_working_days),
        )
    ]
    if rules.rapid_review_starts_from == "awareness":
        events.append(_open_rapid_review(command.incident_id, command.case_ref, command.aware_on, profile, calendar))
    if command.panel_notified_on is not None:
        recorded = reduce(evolve, events, state)
        notification = RecordIncidentNotification(
            request_id=command.request_id,
            incident_id=command.incident_id,
            recipient="national-panel",
            notified_on=command.panel_notified_on,
            recorded_by=command.recorded_by,
        )
        try:
            events += decide_notification(recorded, notification, profile, calendar, today)
        except Refusal as refusal:
            raise Refusal(refusal.code, refusal.message, "panel_notified_on") from None
    return events


def decide_notification(
    state: Incident, command: RecordIncidentNotification, profile: FrameworkProfile, calendar: WorkingDayCalendar, today: date
) -> list[DomainEvent]:
    if not state.recorded:
        raise Refusal("unknown_incident", f"there is no serious incident {command.incident_id!r}", "incident_id")
    assert state.aware_on is not None and state.notify_by is not None
    if command.recipient not in state.notify:
        raise Refusal(
            "not_required", f"{command.recipient} need not be told of this incident (the child was not looked after)", "recipient"
        )
    if command.recipient in state.notified:
        raise Refusal("already_notified", f"{command.recipient} was already told", "recipient")
    not_before(command.notified_on, state.aware_on, "notified_on", "the day the local authority became aware")
    not_after_today(command.notified_on, today, "notified_on")
    notified = (*state.notified, command.recipient)
    events: list[DomainEvent] = [
        SeriousIncidentNotified(
            incident_id=command.incident_id,
            recipient=command.recipient,
            notified_on=command.notified_on,
            notify_by=state.notify_by,
            late=command.notified_on > state.notify_by,
            outstanding=[r for r in state.notify if r not in notified],
        )
    ]
    opens_review = profile.reviews.rapid_review_starts_from == "notification" and state.review_due_on is None
    if command.recipient == "national-panel" and opens_review:
        events.append(_open_rapid_review(command.incident_id, state.case_ref, command.notified_on, profile, calendar))
    return events


def _open_rapid_review(
    incident_id: str, case_ref: str, starts_on: date, profile: FrameworkProfile, calendar: WorkingDayCalendar
) -> RapidReviewOpened:
    rules = profile.reviews
    return RapidReviewOpened(
        incident_id=incident_id,
        case_ref=case_ref,
        starts_on=starts_on,
        days=rules.rapid_review_days,
        unit=rules.rapid_review_unit,
        due_on=calendar.due_date(starts_on, rules.rapid_review_days, rules.rapid_review_unit),
    )
