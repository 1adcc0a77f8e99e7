"""Young inspectors visits: the agency takes it up (if it was targeted), the young
inspectors do a desktop review and surveys, then the visit; their report, written
by young people, awards the agency a star rating on the profile's scale."""

from datetime import date

from services.events.domain.commands import (
    AnswerInspectionOffer,
    RecordDesktopReview,
    RecordInspectionSurveys,
)
from services.events.domain.rules import FIELD, require_kind, require_not_after, require_open
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.profiles.activities import ActivityType
from shared.refusals import Refusal

KIND = "young_inspectors"


def decide_answer_offer(state: AssuranceEvent, command: AnswerInspectionOffer) -> list[DomainEvent]:
    require_open(state)
    require_kind(state, {KIND}, "taking up an inspection")
    if command.agency_id != state.agency_id:
        raise Refusal("not_the_agency", f"the inspection is of {state.agency_id!r}, not {command.agency_id!r}", "agency_id")
    if state.taken_up is not None or state.commissioned_by_agency:
        raise Refusal("already_answered", "the agency has already taken up this inspection", FIELD)
    if command.accepted:
        return [e.InspectionTakenUp(assurance_event_id=state.assurance_event_id, agency_id=command.agency_id)]
    reason = command.reason or "the agency declined the inspection"
    return [
        e.InspectionDeclined(assurance_event_id=state.assurance_event_id, agency_id=command.agency_id, reason=reason),
        e.AssuranceEventCancelled(
            assurance_event_id=state.assurance_event_id, reason=reason, cancelled_by=f"agency:{command.agency_id}",
            pending_milestones=[m.milestone_id for m in state.pending_milestones],
        ),
    ]


def decide_desktop_review(state: AssuranceEvent, command: RecordDesktopReview, today: date) -> list[DomainEvent]:
    require_open(state)
    require_kind(state, {KIND}, "a desktop review")
    _before_visit(state, "the desktop review")
    if state.desktop_review:
        raise Refusal("already_recorded", "the desktop review was already recorded", FIELD)
    require_not_after(command.completed_on, today, "completed_on")
    return [
        e.DesktopReviewCompleted(
            assurance_event_id=state.assurance_event_id, completed_on=command.completed_on,
            covered=command.covered, observations=command.observations,
        )
    ]


def decide_surveys(state: AssuranceEvent, command: RecordInspectionSurveys) -> list[DomainEvent]:
    require_open(state)
    require_kind(state, {KIND}, "staff and service user surveys")
    _before_visit(state, "the surveys")
    if state.surveys_returned:
        raise Refusal("already_recorded", "the surveys were already recorded", FIELD)
    return [
        e.InspectionSurveysReturned(
            assurance_event_id=state.assurance_event_id, staff_responses=command.staff_responses,
            service_user_responses=command.service_user_responses,
        )
    ]


def _before_visit(state: AssuranceEvent, what: str) -> None:
    if state.held_on is not None:
        raise Refusal("already_held", f"{what} comes before the visit", FIELD)


def require_take_up(state: AssuranceEvent, activity: ActivityType) -> None:
    if activity.agency_may_decline and not state.commissioned_by_agency and state.taken_up is None:
        raise Refusal("take_up_unconfirmed", f"{state.agency_id!r} has not yet taken up the inspection", FIELD)


def require_ready_for_visit(state: AssuranceEvent) -> None:
    if state.kind != KIND:
        return
    if not state.desktop_review:
        raise Refusal("desktop_review_missing", "the desktop review comes before the visit", FIELD)
    if not state.surveys_returned:
        raise Refusal("surveys_missing", "the staff and service user surveys come before the visit", FIELD)


def star_rating(state: AssuranceEvent, activity: ActivityType, stars: int | None) -> list[DomainEvent]:
    """The star rating a report awards, checked against the profile's scale."""
    scale = activity.star_rating
    if scale is None:
        if stars is not None:
            raise Refusal("star_rating_not_applicable", f"a {activity.name} awards no star rating", "star_rating")
        return []
    if stars is None:
        raise Refusal("star_rating_required", f"the report awards {state.agency_id!r} a star rating", "star_rating")
    if not scale.min_stars <= stars <= scale.max_stars:
        raise Refusal(
            "star_rating_off_scale", f"{stars} is not on the scale {scale.min_stars} to {scale.max_stars} stars", "star_rating"
        )
    return [
        e.StarRatingAwarded(
            assurance_event_id=state.assurance_event_id, agency_id=state.agency_id or "", stars=stars,
            out_of=scale.max_stars,
        )
    ]
