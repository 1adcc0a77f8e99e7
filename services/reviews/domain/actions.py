"""An action on an agency: raised, reminded, updated, overdue, completed with evidence,
signed off by the safeguarding partners or rejected and reopened. Pure decide and evolve.

Progress updates are appended as events, so nothing an agency said is ever
overwritten; the action's state is only what later decisions need.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from services.reviews.domain.commands import (
    CompleteAction,
    MarkActionOverdue,
    RaiseAction,
    RejectActionEvidence,
    SignOffAction,
    UpdateActionProgress,
)
from services.reviews.domain.timers import (
    Start,
    Stop,
    Timer,
    not_after_today,
)
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    ActionCompleted,
    ActionEvidenceRejected,
    ActionOverdue,
    ActionProgressUpdated,
    ActionRaised,
    ActionReminderSent,
    ActionReopened,
    ActionSignedOff,
    Evidence,
)
from shared.london import late_from, start_of_day
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

__all__ = ["OVERDUE", "REMINDER", "Action", "evolve", "overdue_from", "stream_id", "timers"]

OVERDUE = "action-overdue"
REMINDER = "action-reminder"

Status = Literal["new", "open", "completed", "signed-off"]


def stream_id(partnership_id: str, action_id: str) -> str:
    return f"action:{partnership_id}:{action_id}"


@dataclass(frozen=True)
class Action:
    raised: bool = False
    status: Status = "new"
    owner_agency_id: str = ""
    due_on: date | None = None
    remind_on: date | None = None
    overdue: bool = False
    reminded: bool = False
    updates: int = 0


def evolve(state: Action, event: DomainEvent) -> Action:
    match event:
        case ActionRaised(owner_agency_id=owner, due_on=due, remind_on=remind):
            return replace(state, raised=True, status="open", owner_agency_id=owner, due_on=due, remind_on=remind)
        case ActionReminderSent():
            return replace(state, reminded=True)
        case ActionOverdue():
            return replace(state, overdue=True)
        case ActionProgressUpdated(update_number=number):
            return replace(state, updates=number)
        case ActionCompleted():
            return replace(state, status="completed")
        case ActionReopened(due_on=due, remind_on=remind):
            return replace(state, status="open", due_on=due, remind_on=remind, overdue=False, reminded=False)
        case ActionSignedOff():
            return replace(state, status="signed-off")
    return state


def timers(event: DomainEvent) -> list[Timer]:
    match event:
        case ActionRaised(due_on=due, remind_on=remind):
            return [Start(OVERDUE, overdue_from(due)), *([Start(REMINDER, start_of_day(remind))] if remind else [])]
        case ActionReopened(due_on=due, remind_on=remind):
            reminder: Timer = Start(REMINDER, start_of_day(remind)) if remind else Stop(REMINDER)
            return [Start(OVERDUE, overdue_from(due)), reminder]
        case ActionCompleted():
            return [Stop(OVERDUE), Stop(REMINDER)]
    return []


def overdue_from(due_on: date) -> datetime:
    """An action is overdue from the start of the day after its due date, London time."""
    return late_from(due_on)


def remind_on(due_on: date, profile: FrameworkProfile, today: date) -> date | None:
    """The reminder day, if the profile asks for one and it is still to come."""
    lead = profile.actions.reminder_days_before
    day = due_on - timedelta(days=lead)
    return day if lead and day > today else None


def decide_raise(state: Action, command: RaiseAction, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    if state.raised:
        raise Refusal("already_raised", f"action {command.action_id!r} already exists", "action_id")
    if command.owner_agency_id not in {a.id for a in profile.agencies}:
        raise Refusal("unknown_agency", f"{command.owner_agency_id!r} is not an agency of {profile.id}", "owner_agency_id")
    return [
        ActionRaised(
            action_id=command.action_id,
            title=command.title,
            owner_agency_id=command.owner_agency_id,
            due_on=command.due_on,
            source_type=command.source_type,
            source_id=command.source_id,
            raised_by=command.raised_by,
            remind_on=remind_on(command.due_on, profile, today),
        )
    ]


def _owned_and_open(state: Action, action_id: str, owner: str) -> None:
    if not state.raised:
        raise Refusal("unknown_action", f"there is no action {action_id!r}", "action_id")
    if owner != state.owner_agency_id:
        raise Refusal("not_owner", f"action {action_id!r} belongs to {state.owner_agency_id!r}, not {owner!r}", "owner_agency_id")
    if state.status == "completed":
        raise Refusal("awaiting_sign_off", f"action {action_id!r} is completed and awaits sign-off", "action_id")
    if state.status == "signed-off":
        raise Refusal("signed_off", f"action {action_id!r} is signed off and closed", "action_id")


def decide_progress(state: Action, command: UpdateActionProgress) -> list[DomainEvent]:
    _owned_and_open(state, command.action_id, command.owner_agency_id)
    return [
        ActionProgressUpdated(
            action_id=command.action_id,
            owner_agency_id=state.owner_agency_id,
            update_number=state.updates + 1,
            progress=command.progress,
            percent_complete=command.percent_complete,
            updated_by=command.updated_by,
        )
    ]


def decide_complete(state: Action, command: CompleteAction, today: date) -> list[DomainEvent]:
    _owned_and_open(state, command.action_id, command.owner_agency_id)
    not_after_today(command.completed_on, today, "completed_on")
    assert state.due_on is not None
    return [
        ActionCompleted(
            action_id=command.action_id,
            owner_agency_id=state.owner_agency_id,
            completed_on=command.completed_on,
            evidence=[Evidence(description=e.description, link=e.link) for e in command.evidence],
            completed_by=command.completed_by,
            due_on=state.due_on,
            on_time=command.completed_on <= state.due_on,
            documents=list(command.documents),
        )
    ]


def _awaiting_sign_off(state: Action, action_id: str) -> None:
    if not state.raised:
        raise Refusal("unknown_action", f"there is no action {action_id!r}", "action_id")
    if state.status != "completed":
        raise Refusal("not_completed", f"action {action_id!r} is {state.status}, not completed with evidence", "action_id")


def decide_sign_off(state: Action, command: SignOffAction, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _awaiting_sign_off(state, command.action_id)
    not_after_today(command.meeting_on, today, "meeting_on")
    partners = {p.id for p in profile.statutory_partners}
    for index, partner in enumerate(command.partners):
        if partner not in partners:
            raise Refusal("not_a_partner", f"{partner!r} is not a safeguarding partner of {profile.id}", f"partners[{index}]")
    missing = sorted(partners - set(command.partners))
    if profile.actions.sign_off_needs_every_partner and missing:
        raise Refusal("partners_missing", f"every safeguarding partner signs off; missing {', '.join(missing)}", "partners")
    return [
        ActionSignedOff(
            action_id=command.action_id,
            owner_agency_id=state.owner_agency_id,
            meeting_on=command.meeting_on,
            group_id=profile.actions.signed_off_by,
            partners=sorted(set(command.partners)),
        )
    ]


def decide_reject(state: Action, command: RejectActionEvidence, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _awaiting_sign_off(state, command.action_id)
    not_after_today(command.meeting_on, today, "meeting_on")
    assert state.due_on is not None
    due = command.due_on or state.due_on
    if due <= command.meeting_on or due < today:
        # A due date already gone would make the reopened action overdue at once,
        # and could repeat a deadline raised before: a new one is needed.
        raise Refusal(
            "due_date_passed", f"the action would be due {due.isoformat()}, before the meeting or today; give a new due_on", "due_on"
        )
    return [
        ActionEvidenceRejected(
            action_id=command.action_id,
            owner_agency_id=state.owner_agency_id,
            meeting_on=command.meeting_on,
            group_id=profile.actions.signed_off_by,
            reason=command.reason,
        ),
        ActionReopened(
            action_id=command.action_id,
            owner_agency_id=state.owner_agency_id,
            due_on=due,
            remind_on=remind_on(due, profile, today),
        ),
    ]


def decide_overdue(state: Action, command: MarkActionOverdue) -> list[DomainEvent]:
    if not state.raised or state.overdue or state.status != "open" or state.due_on is None:
        return []
    return [ActionOverdue(action_id=command.action_id, owner_agency_id=state.owner_agency_id, due_on=state.due_on)]


def on_timer(state: Action, kind: str, action_id: str) -> list[DomainEvent]:
    """The reminder (the overdue timer goes through `MarkActionOverdue`, as it always has)."""
    if kind != REMINDER or state.status != "open" or state.reminded or state.overdue or state.due_on is None:
        return []
    return [ActionReminderSent(action_id=action_id, owner_agency_id=state.owner_agency_id, due_on=state.due_on)]
