"""An action on an agency, from raised to overdue: pure decide and evolve, and its deadlines."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.reviews.domain.commands import MarkActionOverdue, RaiseAction
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import ActionOverdue, ActionRaised
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

LONDON = ZoneInfo("Europe/London")
OVERDUE = "action-overdue"


def stream_id(partnership_id: str, action_id: str) -> str:
    return f"action:{partnership_id}:{action_id}"


@dataclass(frozen=True)
class Action:
    raised: bool = False
    owner_agency_id: str = ""
    due_on: date | None = None
    overdue: bool = False


def evolve(state: Action, event: DomainEvent) -> Action:
    match event:
        case ActionRaised(owner_agency_id=owner, due_on=due):
            return replace(state, raised=True, owner_agency_id=owner, due_on=due)
        case ActionOverdue():
            return replace(state, overdue=True)
    return state


def decide_raise(state: Action, command: RaiseAction, profile: FrameworkProfile) -> list[DomainEvent]:
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
        )
    ]


def decide_overdue(state: Action, command: MarkActionOverdue) -> list[DomainEvent]:
    if not state.raised or state.overdue or state.due_on is None:
        return []
    return [ActionOverdue(action_id=command.action_id, owner_agency_id=state.owner_agency_id, due_on=state.due_on)]


def overdue_from(due_on: date) -> datetime:
    """An action is overdue from the start of the day after its due date, London time."""
    return datetime.combine(due_on + timedelta(days=1), time.min, tzinfo=LONDON)
