"""Child safeguarding practice reviews, and the lighter learning and thematic reviews:
commissioned (author, terms of reference), stages recorded with dates, due a number
of months from the decision with slippage warned before and raised after, the final
report signed off by the body the profile names, and published.

One stream per review: `review:{partnership}:{review_id}`.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from services.reviews.domain.commands import (
    ChangeReviewDueDate,
    CommissionReview,
    PublishReview,
    RecordReviewStage,
    SignOffReview,
)
from services.reviews.domain.incidents import Incident
from services.reviews.domain.timers import (
    Start,
    Stop,
    Timer,
    changed_due_date,
    not_after_today,
    not_before,
)
from shared.calendar import add_months
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    ReviewCommissioned,
    ReviewDueDateChanged,
    ReviewPublished,
    ReviewSignatureRecorded,
    ReviewSignedOff,
    ReviewSlippageWarned,
    ReviewSlipped,
    ReviewStageCompleted,
    ReviewType,
    SignOff,
)
from shared.london import late_from, start_of_day
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

SLIPPAGE_WARNING = "review-slippage-warning"
OVERDUE = "review-overdue"

# The rapid review outcome a review of each type may follow, when it follows one.
FOLLOWS = {"cspr": "local-cspr", "learning-review": "learning-review"}


def stream_id(partnership_id: str, review_id: str) -> str:
    return f"review:{partnership_id}:{review_id}"


@dataclass(frozen=True)
class Review:
    commissioned: bool = False
    review_type: ReviewType = "cspr"
    starts_on: date | None = None
    due_on: date | None = None
    warn_on: date | None = None
    sign_off_by: SignOff = "executive"
    signatories: tuple[SignOff, ...] = ()
    """Who may sign it off, any one of them (empty, as recorded before there could be several: sign_off_by)."""
    jointly: bool = False
    """Every one of `signatories` signs it off; those who have so far are `signed_as`."""
    signed_as: tuple[SignOff, ...] = ()
    stages: tuple[str, ...] = ()
    warned: bool = False
    slipped: bool = False
    signed_off_on: date | None = None
    published: bool = False


def evolve(state: Review, event: DomainEvent) -> Review:
    match event:
        case ReviewCommissioned() as e:
            return replace(
                state, commissioned=True, review_type=e.review_type, starts_on=e.starts_on,
                due_on=e.due_on, warn_on=e.warn_on, sign_off_by=e.sign_off_by, signatories=tuple(e.signatories),
                jointly=e.jointly,
            )
        case ReviewSignatureRecorded(signed_as=signed_as):
            return replace(state, signed_as=(*state.signed_as, signed_as))
        case ReviewStageCompleted(stage=stage):
            return replace(state, stages=(*state.stages, stage))
        case ReviewDueDateChanged(due_on=due, warn_on=warn):
            return replace(state, due_on=due, warn_on=warn, warned=False, slipped=False)
        case ReviewSlippageWarned():
            return replace(state, warned=True)
        case ReviewSlipped():
            return replace(state, slipped=True)
        case ReviewSignedOff(signed_off_on=on):
            return replace(state, signed_off_on=on)
        case ReviewPublished():
            return replace(state, published=True)
    return state


def timers(event: DomainEvent) -> list[Timer]:
    match event:
        case ReviewCommissioned(due_on=due, warn_on=warn) | ReviewDueDateChanged(due_on=due, warn_on=warn):
            warning: Timer = Start(SLIPPAGE_WARNING, start_of_day(warn)) if warn else Stop(SLIPPAGE_WARNING)
            return [warning, Start(OVERDUE, late_from(due))]
        case ReviewSignedOff():
            return [Stop(SLIPPAGE_WARNING), Stop(OVERDUE)]
    return []


def rules_for(review_type: ReviewType, profile: FrameworkProfile) -> tuple[int, list[SignOff]]:
    """Months allowed and who may sign the final report off (any one of them), for a review of this type."""
    r = profile.reviews
    months = {"cspr": r.cspr_months, "learning-review": r.learning_review_months, "thematic-review": r.thematic_review_months}
    return months[review_type], r.signatories(review_type)


def warn_on(due_on: date, profile: FrameworkProfile, today: date) -> date | None:
    lead = profile.reviews.review_slippage_warning_days
    day = due_on - timedelta(days=lead)
    return day if lead and day > today else None


def decide_commission(
    state: Review, command: CommissionReview, incident: Incident | None, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    """`incident` is the rapid review the command names (None if it names none or it does not exist)."""
    if state.commissioned:
        raise Refusal("already_commissioned", f"review {command.review_id!r} is already commissioned", "review_id")
    starts_on = command.commissioned_on
    case_ref = None
    follows = FOLLOWS.get(command.review_type)
    if command.review_type == "cspr" and command.incident_id is None:
        raise Refusal("decision_needed", "a CSPR follows a rapid review's decision: name its incident_id", "incident_id")
    if command.incident_id is not None:
        if incident is None or not incident.recorded:
            raise Refusal("unknown_incident", f"there is no serious incident {command.incident_id!r}", "incident_id")
        if follows is None or incident.outcome != follows:
            raise Refusal(
                "not_the_decision",
                f"the rapid review decided {incident.outcome or 'nothing yet'}, not a {command.review_type}",
                "incident_id",
            )
        if not incident.decision_stands:
            raise Refusal(
                "decision_not_signed_off", "the independent scrutineer has not signed off the rapid review decision", "incident_id"
            )
        if command.review_type == "cspr" and incident.panel_endorsement_required and not incident.panel_endorsed:
            said = "has not endorsed it" if incident.panel_endorsed is False else "has not yet endorsed it (record its response)"
            raise Refusal(
                "panel_endorsement_needed",
                f"a local CSPR is commissioned once the National Panel endorses it; the Panel {said}",
                "incident_id",
            )
        assert incident.decided_on is not None
        starts_on, case_ref = incident.decided_on, incident.case_ref
        not_before(command.commissioned_on, starts_on, "commissioned_on", "the rapid review decision")
    not_after_today(command.commissioned_on, today, "commissioned_on")
    months, signatories = rules_for(command.review_type, profile)
    due_on = add_months(starts_on, months)
    return [
        ReviewCommissioned(
            review_id=command.review_id,
            review_type=command.review_type,
            incident_id=command.incident_id,
            case_ref=case_ref,
            theme=command.theme,
            author=command.author,
            terms_of_reference=command.terms_of_reference,
            commissioned_on=command.commissioned_on,
            starts_on=starts_on,
            months=months,
            due_on=due_on,
            warn_on=warn_on(due_on, profile, today),
            sign_off_by=signatories[0],
            signatories=signatories,
            jointly=command.review_type in profile.reviews.signed_off_jointly,
        )
    ]


def _in_progress(state: Review, review_id: str) -> tuple[date, date]:
    if not state.commissioned or state.starts_on is None or state.due_on is None:
        raise Refusal("unknown_review", f"there is no review {review_id!r}", "review_id")
    if state.signed_off_on is not None:
        raise Refusal("signed_off", f"review {review_id!r} is signed off", "review_id")
    return state.starts_on, state.due_on


def decide_stage(state: Review, command: RecordReviewStage, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    starts_on, _ = _in_progress(state, command.review_id)
    stages = profile.reviews.review_stages
    if command.stage not in stages:
        raise Refusal("unknown_stage", f"{command.stage!r} is not a review stage of {profile.id} ({', '.join(stages)})", "stage")
    if command.stage in state.stages:
        raise Refusal("stage_recorded", f"stage {command.stage!r} is already recorded", "stage")
    not_before(command.completed_on, starts_on, "completed_on", "the start of the review")
    not_after_today(command.completed_on, today, "completed_on")
    return [ReviewStageCompleted(review_id=command.review_id, stage=command.stage, completed_on=command.completed_on, note=command.note)]


def decide_change_due_date(state: Review, command: ChangeReviewDueDate, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    starts_on, due_on = _in_progress(state, command.review_id)
    changed_due_date(command.change, due_on, command.due_on, starts_on, today)
    return [
        ReviewDueDateChanged(
            review_id=command.review_id,
            change=command.change,
            previous_due_on=due_on,
            due_on=command.due_on,
            warn_on=warn_on(command.due_on, profile, today),
            reason=command.reason,
            agreed_by=command.agreed_by,
        )
    ]


def decide_sign_off(state: Review, command: SignOffReview, today: date) -> list[DomainEvent]:
    starts_on, due_on = _in_progress(state, command.review_id)
    signatories = state.signatories or (state.sign_off_by,)
    if command.signed_off_as not in signatories:
        who = (" and the " if state.jointly else " or the ").join(signatories)
        raise Refusal("wrong_signatory", f"this {state.review_type}'s final report is signed off by the {who}", "signed_off_as")
    not_before(command.signed_off_on, starts_on, "signed_off_on", "the start of the review")
    not_after_today(command.signed_off_on, today, "signed_off_on")
    jointly: list[SignOff] = []
    if state.jointly:
        if command.signed_off_as in state.signed_as:
            raise Refusal(
                "already_signed", f"the {command.signed_off_as} has signed this {state.review_type}'s final report", "signed_off_as"
            )
        jointly = [*state.signed_as, command.signed_off_as]
        outstanding = [s for s in signatories if s not in jointly]
        if outstanding:
            return [ReviewSignatureRecorded(
                review_id=command.review_id, review_type=state.review_type, signed_as=command.signed_off_as,
                signatory=command.signatory, signed_on=command.signed_off_on, outstanding=outstanding,
            )]
    return [
        ReviewSignedOff(
            review_id=command.review_id,
            review_type=state.review_type,
            signed_off_as=command.signed_off_as,
            signatory=command.signatory,
            signed_off_on=command.signed_off_on,
            due_on=due_on,
            within_timescale=command.signed_off_on <= due_on,
            signed_jointly_by=jointly,
        )
    ]


def decide_publish(state: Review, command: PublishReview, today: date) -> list[DomainEvent]:
    if not state.commissioned:
        raise Refusal("unknown_review", f"there is no review {command.review_id!r}", "review_id")
    if state.signed_off_on is None:
        raise Refusal("not_signed_off", "a review is published after its final report is signed off", "review_id")
    if state.published:
        raise Refusal("already_published", f"review {command.review_id!r} is published", "review_id")
    not_before(command.published_on, state.signed_off_on, "published_on", "the sign-off")
    not_after_today(command.published_on, today, "published_on")
    return [
        ReviewPublished(
            review_id=command.review_id,
            review_type=state.review_type,
            published_on=command.published_on,
            link=command.link,
            themes=list(command.themes),
        )
    ]


def on_timer(state: Review, kind: str, review_id: str) -> list[DomainEvent]:
    if not state.commissioned or state.signed_off_on is not None or state.due_on is None:
        return []
    if kind == SLIPPAGE_WARNING and state.warn_on and not state.warned and not state.slipped:
        return [ReviewSlippageWarned(review_id=review_id, review_type=state.review_type, due_on=state.due_on, warn_on=state.warn_on)]
    if kind == OVERDUE and not state.slipped:
        return [ReviewSlipped(review_id=review_id, review_type=state.review_type, due_on=state.due_on)]
    return []
