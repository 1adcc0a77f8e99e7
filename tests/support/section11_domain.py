"""Builders of Section 11 commands and states for the pure domain tests."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.section11.domain import cycles
from services.section11.domain.commands import (
    AmendReturn,
    ModerateScore,
    OpenAuditCycle,
    RecordPractitionerSurvey,
    SaveDraft,
    SubmitReturn,
)
from services.section11.domain.cycles import Cycle
from services.section11.domain.returns import Return, fold
from services.section11.domain.submissions import (
    decide_submit,
)
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    AuditCycleClosed,
)
from shared.decisions import fold as fold_with
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal
from tests.support.returns import answers

PROFILE = load_builtin("north-lincolnshire")
RULES = PROFILE.section11
DOMAINS = [d.id for d in RULES.domains]
STANDARDS = [s.id for s in RULES.standards]
SCALE = RULES.rating_scale.values
THRESHOLD = RULES.risk_threshold
AGENCY = "nlc-housing"
OTHER_AGENCY = "humberside-police"
CYCLE = "2026-27"
OPENED = date(2026, 9, 1)
DUE = date(2026, 9, 22)
CULTURE = "culture-and-challenge"
LEADERSHIP = "leadership-and-governance"


def with_section11(**changes: Any) -> FrameworkProfile:
    document = PROFILE.model_dump()
    document["section11"] |= changes
    return FrameworkProfile.model_validate(document)


PEER = with_section11(peer_challenge={"within_months": 12})


# -- builders -----------------------------------------------------------------------------


def open_command(**overrides: Any) -> OpenAuditCycle:
    return OpenAuditCycle.model_validate({"request_id": uuid4(), "cycle_id": CYCLE, "opened_on": OPENED} | overrides)


def opened(profile: FrameworkProfile = PROFILE, **overrides: Any) -> Cycle:
    return fold_with(Cycle(), cycles.evolve, cycles.decide_open(Cycle(), open_command(**overrides), profile))


OPEN = opened()
CLOSED = cycles.evolve(OPEN, AuditCycleClosed(cycle_id=CYCLE, closed_on=date(2026, 10, 1)))


def submit_command(by_domain: dict[str, int] | None = None, default: int = 3, **overrides: Any) -> SubmitReturn:
    document = {
        "request_id": uuid4(),
        "agency_id": AGENCY,
        "cycle_id": CYCLE,
        "answers": answers(PROFILE, by_domain, default),
        "submitted_by": "Safeguarding lead (invented)",
    }
    return SubmitReturn.model_validate(document | overrides)


def decide(
    state: Return,
    command: SubmitReturn,
    *,
    cycle: Cycle = OPEN,
    profile: FrameworkProfile = PROFILE,
    today: date = OPENED,
    cycle_id: str = CYCLE,
    also: list[str] | None = None,
) -> list[DomainEvent]:
    return decide_submit(
        state, cycle, command, profile,
        cycle_id=cycle_id, submission_id="sub-1", today=today, also_submitted_to=also or [],
    )


def submitted(by_domain: dict[str, int] | None = None, default: int = 3, state: Return | None = None) -> Return:
    state = state or Return()
    return fold(state, decide(state, submit_command(by_domain, default)))


def amend_command(changes: dict[str, int], reason: str = "Policy re-issued and audited") -> AmendReturn:
    full = answers(PROFILE)
    return AmendReturn.model_validate(
        {
            "request_id": uuid4(),
            "agency_id": AGENCY,
            "cycle_id": CYCLE,
            "answers": {s: full[s] | {"rating": r} for s, r in changes.items()},
            "reason": reason,
            "amended_by": "Safeguarding lead (invented)",
        }
    )


def moderate_command(domain: str, rating: int) -> ModerateScore:
    return ModerateScore(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, domain_id=domain, moderated_rating=rating,
        rationale="Board minutes show no safeguarding report", moderated_by="Scrutiny panel",
    )


def survey_command(percent: float, domain: str | None = None, survey: str = "survey-1") -> RecordPractitionerSurvey:
    return RecordPractitionerSurvey(
        request_id=uuid4(), agency_id=AGENCY, cycle_id=CYCLE, survey_id=survey,
        statement="I know how to escalate a concern", domain_id=domain, agree_percent=percent, respondents=40,
    )


def draft_command(part: dict[str, Any], agency: str = AGENCY) -> SaveDraft:
    return SaveDraft.model_validate(
        {"request_id": uuid4(), "agency_id": agency, "cycle_id": CYCLE, "answers": part, "saved_by": "Lead"}
    )


def types(events: list[DomainEvent]) -> list[type]:
    return [type(e) for e in events]


def refusal_of(call: Any) -> tuple[str, str | None]:
    with pytest.raises(Refusal) as raised:
        call()
    assert raised.value.message
    return raised.value.code, raised.value.field


