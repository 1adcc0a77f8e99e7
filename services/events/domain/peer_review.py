"""Peer review: terms of reference agreed before it is scheduled (reciprocal or
not, which way, the peer area, days on site); held; strengths and areas for development."""

from services.events.domain.commands import AgreeTermsOfReference
from services.events.domain.rules import FIELD, activity_of, require_kind, require_open
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.profiles.activities import ActivityType
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

KIND = "peer_review"


def decide_terms(state: AssuranceEvent, command: AgreeTermsOfReference, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    require_kind(state, {KIND}, "terms of reference")
    if state.terms is not None:
        raise Refusal("terms_already_agreed", "the terms of reference were already agreed", FIELD)
    if state.held_on is not None:
        raise Refusal("already_held", "terms of reference are agreed before the review", FIELD)
    rules = activity_of(profile, state.activity_type).peer_review
    if rules is not None and rules.reciprocal is True and not command.reciprocal:
        raise Refusal("reciprocal_required", "this partnership's peer reviews are reciprocal", "reciprocal")
    if rules is not None and rules.reciprocal is False and command.reciprocal:
        raise Refusal("one_way_only", "this partnership's peer reviews are not reciprocal", "reciprocal")
    days = command.days_on_site or (rules.days_on_site if rules else None)
    if days is None:
        raise Refusal("days_on_site_required", "the profile sets no days on site: name them", "days_on_site")
    return [
        e.PeerReviewTermsAgreed(
            assurance_event_id=state.assurance_event_id, scope=command.scope, reciprocal=command.reciprocal,
            direction=command.direction, peer_area=command.peer_area, days_on_site=days,
            team_roles=command.team_roles, focus=rules.focus if rules else "",
        )
    ]


def require_terms(state: AssuranceEvent, activity: ActivityType) -> None:
    rules = activity.peer_review
    if activity.kind == KIND and rules is not None and rules.terms_of_reference_required and state.terms is None:
        raise Refusal("terms_not_agreed", "agree the terms of reference before scheduling the review", FIELD)


def days_on_site(state: AssuranceEvent, activity: ActivityType, given: int | None) -> int | None:
    """The days a review spent on site: as recorded, else as its terms said."""
    if activity.kind != KIND:
        return given
    return given or (state.terms.days_on_site if state.terms else None)
