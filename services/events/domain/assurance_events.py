"""One assurance activity's lifecycle: pure decide and evolve."""

from dataclasses import dataclass, replace

from services.events.domain.commands import ConcludeAssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue.events import AssuranceEventConcluded
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def stream_id(partnership_id: str, assurance_event_id: str) -> str:
    return f"assurance-event:{partnership_id}:{assurance_event_id}"


@dataclass(frozen=True)
class AssuranceEvent:
    concluded: bool = False


def evolve(state: AssuranceEvent, event: DomainEvent) -> AssuranceEvent:
    if isinstance(event, AssuranceEventConcluded):
        return replace(state, concluded=True)
    return state


def decide_conclusion(
    state: AssuranceEvent, command: ConcludeAssuranceEvent, profile: FrameworkProfile
) -> list[DomainEvent]:
    if state.concluded:
        raise Refusal("already_concluded", f"{command.assurance_event_id!r} is already concluded", "assurance_event_id")
    if command.activity_type not in {a.id for a in profile.activities}:
        raise Refusal("unknown_activity_type", f"{command.activity_type!r} is not an activity of {profile.id}", "activity_type")
    if command.agency_id is not None and command.agency_id not in {a.id for a in profile.agencies}:
        raise Refusal("unknown_agency", f"{command.agency_id!r} is not an agency of {profile.id}", "agency_id")
    return [
        AssuranceEventConcluded(
            assurance_event_id=command.assurance_event_id,
            activity_type=command.activity_type,
            title=command.title,
            held_on=command.held_on,
            agency_id=command.agency_id,
            theme=command.theme,
            strengths=command.strengths,
            areas_for_development=command.areas_for_development,
        )
    ]
