"""Findings carried into the next Section 11 return (issue 16 item 5), pure: each area for
development of a concluded assurance event about an agency becomes a prompt put to that
agency (one stream per agency: `s11-prompts:{partnership}:{agency}`), answered by the
agency in the return of a cycle open to it, once. The finding's text stays in the events
service's record; the prompt names the event and the finding's place among its areas."""

from dataclasses import dataclass, replace

from services.section11.domain import cycles, validation
from services.section11.domain.commands import AnswerPrompt
from services.section11.domain.cycles import Cycle
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.events import AssuranceEventConcluded
from shared.catalogue.section11 import Section11PromptAdded, Section11PromptAnswered
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


@dataclass(frozen=True)
class Prompts:
    added: frozenset[str] = frozenset()
    answered: tuple[tuple[str, str], ...] = ()
    """(prompt, cycle) of each prompt answered."""

    def answered_in(self, prompt_id: str) -> str | None:
        return next((cycle for prompt, cycle in self.answered if prompt == prompt_id), None)


def evolve(state: Prompts, event: DomainEvent) -> Prompts:
    match event:
        case Section11PromptAdded(prompt_id=prompt):
            return replace(state, added=state.added | {prompt})
        case Section11PromptAnswered(prompt_id=prompt, cycle_id=cycle):
            return replace(state, answered=(*state.answered, (prompt, cycle)))
    return state


PROMPTS = Aggregate("s11-prompts", Prompts(), evolve)


def prompt_id(assurance_event_id: str, finding: int) -> str:
    return f"{assurance_event_id}-{finding + 1}"


def decide_from_findings(state: Prompts, concluded: AssuranceEventConcluded, profile: FrameworkProfile) -> list[DomainEvent]:
    """A prompt for each area for development of the event about its agency (none if the
    event names no agency of the profile); each once, however often the event is delivered."""
    agency = concluded.agency_id
    if agency is None or agency not in {a.id for a in profile.agencies}:
        return []
    return [
        Section11PromptAdded(agency_id=agency, prompt_id=prompt_id(concluded.assurance_event_id, n),
                             assurance_event_id=concluded.assurance_event_id, activity_type=concluded.activity_type,
                             title=concluded.title, finding=n)
        for n in range(len(concluded.areas_for_development))
        if prompt_id(concluded.assurance_event_id, n) not in state.added
    ]


def decide_answer(state: Prompts, c: AnswerPrompt, cycle: Cycle, profile: FrameworkProfile) -> list[DomainEvent]:
    validation.require_agency(profile, c.agency_id)
    if c.prompt_id not in state.added:
        raise Refusal("unknown_prompt", f"no prompt {c.prompt_id!r} was put to {c.agency_id!r}", "prompt_id")
    if (earlier := state.answered_in(c.prompt_id)) is not None:
        raise Refusal("already_answered", f"{c.prompt_id!r} was answered in the return of cycle {earlier!r}", "prompt_id")
    cycles.require_open(cycle, c.cycle_id)
    cycles.require_member(cycle, c.agency_id)
    return [Section11PromptAnswered(agency_id=c.agency_id, prompt_id=c.prompt_id, cycle_id=c.cycle_id, answer=c.answer,
                                    answered_by=c.answered_by)]
