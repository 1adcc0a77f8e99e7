"""Findings carried into the next Section 11 return (issue 16 item 5), pure: a concluded
event's areas for development about an agency of the profile become prompts, once each;
an event naming no agency (or none of the profile's) puts none; the agency answers a
prompt once, in a cycle open to it, each refusal naming its field."""

from datetime import date
from uuid import uuid4

import pytest

from services.section11.domain import prompts
from services.section11.domain.commands import AnswerPrompt
from services.section11.domain.cycles import Cycle
from shared.catalogue.events import AssuranceEventConcluded
from shared.catalogue.personal import Personal
from shared.catalogue.section11 import Section11PromptAdded, Section11PromptAnswered
from shared.decisions import fold
from shared.profiles import load_builtin
from shared.refusals import Refusal

PROFILE = load_builtin("north-lincolnshire")
POLICE = "humberside-police"
OPEN = Cycle("2026-27", opened=True, due_on=date(2027, 1, 31), agency_ids=(POLICE,))


def concluded(agency: str | None = POLICE, areas: tuple[str, ...] = ("Attendance", "Escalation")) -> AssuranceEventConcluded:
    return AssuranceEventConcluded(assurance_event_id="ase-1", activity_type="agency-specific-assurance-event", title="Police",
                                   held_on=date(2026, 11, 2), agency_id=agency, areas_for_development=list(areas))


def answer(prompt: str = "ase-1-1", cycle: str = "2026-27", agency: str = POLICE) -> AnswerPrompt:
    return AnswerPrompt(request_id=uuid4(), agency_id=agency, cycle_id=cycle, prompt_id=prompt, answer="Done", answered_by="Lead")


def refused(*args: object) -> Refusal:
    with pytest.raises(Refusal) as raised:
        prompts.decide_answer(*args)  # type: ignore[arg-type]
    return raised.value


def test_each_area_for_development_about_the_agency_is_a_prompt_once() -> None:
    added = prompts.decide_from_findings(prompts.Prompts(), concluded(), PROFILE)
    assert [(e.prompt_id, e.finding, e.agency_id) for e in added if isinstance(e, Section11PromptAdded)] == [
        ("ase-1-1", 0, POLICE), ("ase-1-2", 1, POLICE)]
    state = fold(prompts.Prompts(), prompts.evolve, added)
    assert prompts.decide_from_findings(state, concluded(), PROFILE) == []
    assert prompts.decide_from_findings(prompts.Prompts(), concluded(agency=None), PROFILE) == []
    assert prompts.decide_from_findings(prompts.Prompts(), concluded(agency="nowhere"), PROFILE) == []
    assert prompts.decide_from_findings(prompts.Prompts(), concluded(areas=()), PROFILE) == []


def test_the_agency_answers_a_prompt_once_in_an_open_cycle() -> None:
    state = fold(prompts.Prompts(), prompts.evolve, prompts.decide_from_findings(prompts.Prompts(), concluded(), PROFILE))
    assert (refused(state, answer("ase-9-1"), OPEN, PROFILE).code, refused(state, answer("ase-9-1"), OPEN, PROFILE).field) == (
        "unknown_prompt", "prompt_id")
    assert refused(state, answer(), Cycle(), PROFILE).field == "cycle_id"
    assert refused(state, answer(), Cycle("2026-27", opened=True, closed=True, agency_ids=(POLICE,)), PROFILE).code == "cycle_closed"
    assert refused(state, answer(), Cycle("2026-27", opened=True, agency_ids=()), PROFILE).code == "not_in_cycle"
    [done] = prompts.decide_answer(state, answer(), OPEN, PROFILE)
    assert isinstance(done, Section11PromptAnswered) and done.cycle_id == "2026-27"
    after = fold(state, prompts.evolve, [done])
    assert refused(after, answer(), OPEN, PROFILE).code == "already_answered"
    [marker] = [m for m in Section11PromptAnswered.model_fields["answer"].metadata if isinstance(m, Personal)]
    assert marker.typed
