"""What an agency's, the panel's and the watcher's commands do to a return (pure).

Each `decide_*` returns the primary event(s) and then whatever the changed
return now means: risk flags raised or cleared, call-ins, confidence gaps.
"""

from dataclasses import dataclass
from datetime import date

from services.section11.domain import cycles, signatures, validation
from services.section11.domain.commands import (
    AmendReturn,
    CarryForwardReturn,
    MarkSubmissionOverdue,
    ModerateScore,
    RecordPractitionerSurvey,
    SaveDraft,
    SendSubmissionReminder,
    SubmitReturn,
)
from services.section11.domain.cycles import Cycle
from services.section11.domain.returns import Return, fold
from services.section11.domain.rollup import domain_ratings
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    Answer,
    DraftSaved,
    PractitionerSurveyRecorded,
    ScoreModerated,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
    SubmissionReminderSent,
)
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def _with_consequences(
    profile: FrameworkProfile, state: Return, primary: list[DomainEvent], agency_id: str, cycle_id: str
) -> list[DomainEvent]:
    after = fold(state, primary)
    rules = profile.section11
    return (
        primary
        + signatures.risk_events(rules, after, agency_id, cycle_id)
        + signatures.confidence_gaps(rules, after, agency_id, cycle_id)
    )


def _open_for(cycle: Cycle, profile: FrameworkProfile, agency_id: str, cycle_id: str) -> None:
    validation.require_agency(profile, agency_id)
    cycles.require_open(cycle, cycle_id)
    cycles.require_member(cycle, agency_id)


def _not_yet_submitted(state: Return, cycle_id: str) -> None:
    if state.submitted:
        raise Refusal(
            "already_submitted",
            f"the return for cycle {cycle_id!r} was submitted; change it with an amendment and a reason",
            "cycle_id",
        )


def _submitted(state: Return, cycle_id: str) -> None:
    if not state.submitted:
        raise Refusal("not_submitted", f"there is no submitted return for cycle {cycle_id!r} yet", "cycle_id")


# Drafts are capped (security finding 5): each is kept in the return's stream, so without a
# cap one agency could make its own return's every command read and fold megabytes. With
# the event store's stream cache (shared/eventstore/stream_cache.py) a command reads only
# what was appended since; these bound the stream a cold read starts from.
MAX_DRAFTS = 100
"""Drafts one return may have in a cycle (carrying a return forward counts as one)."""
MAX_DRAFT_TEXT = 512 * 1024
"""Characters of text (narratives and evidence, as stored) one draft may hold."""


def _within_draft_limits(state: Return, answers: dict[str, Answer]) -> None:
    if state.drafts >= MAX_DRAFTS:
        raise Refusal(
            "too_many_drafts",
            f"this return has {state.drafts} drafts saved, the most one return may have in a cycle ({MAX_DRAFTS}):"
            " submit it (its draft is kept)", "answers",
        )
    text = sum(len(a.narrative) + sum(len(e) for e in a.evidence) for a in answers.values())
    if text > MAX_DRAFT_TEXT:
        raise Refusal(
            "draft_too_large",
            f"the draft would hold {text} characters of narrative and evidence, over the limit of {MAX_DRAFT_TEXT}", "answers",
        )


def decide_draft(state: Return, cycle: Cycle, command: SaveDraft, profile: FrameworkProfile) -> list[DomainEvent]:
    _open_for(cycle, profile, command.agency_id, command.cycle_id)
    _not_yet_submitted(state, command.cycle_id)
    answers = (state.draft or {}) | validation.checked_answers(profile, command.answers)
    _within_draft_limits(state, answers)
    return [DraftSaved(agency_id=command.agency_id, cycle_id=command.cycle_id, answers=answers, saved_by=command.saved_by)]


def decide_carry_forward(
    state: Return, cycle: Cycle, previous: Return, command: CarryForwardReturn, profile: FrameworkProfile
) -> list[DomainEvent]:
    _open_for(cycle, profile, command.agency_id, command.cycle_id)
    _not_yet_submitted(state, command.cycle_id)
    if not previous.submitted:
        raise Refusal(
            "nothing_to_carry_forward", f"there is no submitted return for cycle {command.from_cycle_id!r}", "from_cycle_id"
        )
    # Standards the profile has since dropped are left behind; new ones start unanswered.
    standards = {s.id for s in profile.section11.standards}
    carried = {s: a for s, a in previous.answers.items() if s in standards}
    _within_draft_limits(state, carried)
    return [
        DraftSaved(
            agency_id=command.agency_id,
            cycle_id=command.cycle_id,
            answers=carried,
            saved_by=command.saved_by,
            carried_forward_from=command.from_cycle_id,
        )
    ]


def decide_submit(
    state: Return,
    cycle: Cycle,
    command: SubmitReturn,
    profile: FrameworkProfile,
    *,
    cycle_id: str,
    submission_id: str,
    today: date,
    also_submitted_to: list[str],
) -> list[DomainEvent]:
    """`cycle_id` is this partnership's cycle (a return sent to several partnerships
    lands in each partnership's own cycle)."""
    _open_for(cycle, profile, command.agency_id, cycle_id)
    _not_yet_submitted(state, cycle_id)
    if command.answers is not None:
        answers = validation.checked_answers(profile, command.answers)
    elif state.draft is not None:
        answers = state.draft
    else:
        raise Refusal("no_answers", "send the answers, or save a draft first and submit that", "answers")
    validation.require_complete(profile, answers)
    due_on = cycle.due_on
    primary: list[DomainEvent] = [
        SubmissionReceived(
            submission_id=submission_id,
            agency_id=command.agency_id,
            cycle_id=cycle_id,
            domain_ratings=domain_ratings(profile.section11, {s: a.rating for s, a in answers.items()}),
            submitted_by=command.submitted_by,
            answers=answers,
            due_on=due_on,
            late=due_on is not None and today > due_on,
            also_submitted_to=also_submitted_to,
        )
    ]
    return _with_consequences(profile, state, primary, command.agency_id, cycle_id)


@dataclass(frozen=True)
class Target:
    """One partnership a return is submitted to, as read before anything is recorded."""

    partnership_id: str
    cycle_id: str
    profile: FrameworkProfile | None  # None: not a partnership on this platform
    cycle: Cycle
    state: Return
    done: bool  # this request was recorded there already (a resend)


def check_every_target(command: SubmitReturn, targets: list[Target], *, submission_id: str, today: date) -> None:
    """A return sent to several partnerships is refused whole if any one would refuse it,
    naming the target's field: found only while recording, the first partnership would
    already hold it. (Each is decided again as it is recorded, on its stream as it is then.)"""
    for index, target in enumerate(targets):
        where = "" if index == 0 else f"also_submit_to[{index - 1}]."
        if target.profile is None:
            raise Refusal(
                "unknown_partnership", f"{target.partnership_id!r} is not a partnership on this platform", f"{where}partnership_id"
            )
        if any(t.partnership_id == target.partnership_id for t in targets[:index]):
            raise Refusal("duplicate_partnership", f"the return already goes to {target.partnership_id!r}", f"{where}partnership_id")
        if len(targets) == 1 or target.done:
            continue
        try:
            decide_submit(
                target.state, target.cycle, command, target.profile, cycle_id=target.cycle_id, submission_id=submission_id,
                today=today, also_submitted_to=[t.partnership_id for t in targets if t is not target],
            )
        except Refusal as refusal:
            if index == 0:
                raise
            field = (
                refusal.field if refusal.field and refusal.field.startswith("answers") else f"{where}{refusal.field or 'partnership_id'}"
            )
            raise Refusal(refusal.code, f"for partnership {target.partnership_id!r}: {refusal.message}", field) from None


def decide_amend(state: Return, cycle: Cycle, command: AmendReturn, profile: FrameworkProfile) -> list[DomainEvent]:
    _open_for(cycle, profile, command.agency_id, command.cycle_id)
    _submitted(state, command.cycle_id)
    changed = validation.checked_answers(profile, command.answers)
    changed = {s: a for s, a in changed.items() if state.answers.get(s) != a}
    if not changed:
        raise Refusal("nothing_changed", "every answer sent is the same as the one already submitted", "answers")
    merged = state.answers | changed
    primary: list[DomainEvent] = [
        SubmissionAmended(
            agency_id=command.agency_id,
            cycle_id=command.cycle_id,
            answers=changed,
            domain_ratings=domain_ratings(profile.section11, {s: a.rating for s, a in merged.items()}),
            reason=command.reason,
            amended_by=command.amended_by,
        )
    ]
    return _with_consequences(profile, state, primary, command.agency_id, command.cycle_id)


def decide_moderation(state: Return, command: ModerateScore, profile: FrameworkProfile) -> list[DomainEvent]:
    validation.require_agency(profile, command.agency_id)
    validation.require_domain(profile, command.domain_id)
    validation.require_on_scale(profile, command.moderated_rating, "moderated_rating")
    _submitted(state, command.cycle_id)
    primary: list[DomainEvent] = [
        ScoreModerated(
            agency_id=command.agency_id,
            cycle_id=command.cycle_id,
            domain_id=command.domain_id,
            self_rating=state.self_ratings[command.domain_id],
            moderated_rating=command.moderated_rating,
            rationale=command.rationale,
            moderated_by=command.moderated_by,
        )
    ]
    return _with_consequences(profile, state, primary, command.agency_id, command.cycle_id)


def decide_survey(state: Return, cycle: Cycle, command: RecordPractitionerSurvey, profile: FrameworkProfile) -> list[DomainEvent]:
    """A survey triangulates a return of a cycle the partnership opened (open or since closed:
    panels moderate after the deadline) from an agency that cycle asked."""
    validation.require_agency(profile, command.agency_id)
    cycles.require_opened(cycle, command.cycle_id)
    cycles.require_member(cycle, command.agency_id)
    if command.domain_id is not None:
        validation.require_domain(profile, command.domain_id)
    if command.survey_id in state.surveys:
        raise Refusal("survey_exists", f"survey {command.survey_id!r} is already recorded for this return", "survey_id")
    primary: list[DomainEvent] = [
        PractitionerSurveyRecorded(
            agency_id=command.agency_id,
            cycle_id=command.cycle_id,
            survey_id=command.survey_id,
            statement=command.statement,
            domain_id=command.domain_id,
            agree_percent=command.agree_percent,
            respondents=command.respondents,
        )
    ]
    return _with_consequences(profile, state, primary, command.agency_id, command.cycle_id)


def decide_reminder(state: Return, cycle: Cycle, command: SendSubmissionReminder) -> list[DomainEvent]:
    if state.submitted or cycle.closed or cycle.due_on is None or command.days_before in state.reminded:
        return []
    return [
        SubmissionReminderSent(
            agency_id=command.agency_id, cycle_id=command.cycle_id, due_on=cycle.due_on, days_before=command.days_before
        )
    ]


def decide_overdue(state: Return, cycle: Cycle, command: MarkSubmissionOverdue) -> list[DomainEvent]:
    if state.submitted or state.overdue or cycle.due_on is None:
        return []
    return [SubmissionOverdue(agency_id=command.agency_id, cycle_id=command.cycle_id, due_on=cycle.due_on)]
