"""A round of multi-agency case file audits: a sample of cases from the last months
(pseudonymous references only), each agency's grading on the Ofsted scale, any
immediate safeguarding concern escalated at once as its own event, and the round's
conclusion. The round's period, and so its due date, follow the profile's cadence.

One stream per round: `audit:{partnership}:{audit_id}`.
"""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta

from services.reviews.domain.commands import ConcludeAuditRound, GradeAuditCase, OpenAuditRound
from services.reviews.domain.timers import (
    Start,
    Stop,
    Timer,
    not_after_today,
    not_before,
)
from shared.calendar import add_months
from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    AuditCaseGraded,
    AuditRoundConcluded,
    AuditRoundOpened,
    AuditRoundOverdue,
    Grade,
    SafeguardingConcernEscalated,
)
from shared.london import late_from
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

OVERDUE = "audit-round-overdue"


def stream_id(partnership_id: str, audit_id: str) -> str:
    return f"audit:{partnership_id}:{audit_id}"


@dataclass(frozen=True)
class AuditRound:
    opened: bool = False
    period_start: date | None = None
    due_on: date | None = None
    case_refs: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    grades: tuple[tuple[str, str, Grade], ...] = ()
    """(case_ref, agency_id, grade) in the order they were given."""
    overdue: bool = False
    concluded: bool = False


def evolve(state: AuditRound, event: DomainEvent) -> AuditRound:
    match event:
        case AuditRoundOpened() as e:
            return replace(
                state, opened=True, period_start=e.period_start, due_on=e.due_on,
                case_refs=frozenset(e.case_refs), agencies=frozenset(e.agencies),
            )
        case AuditCaseGraded(case_ref=case, agency_id=agency, grade=grade):
            return replace(state, grades=(*state.grades, (case, agency, grade)))
        case AuditRoundOverdue():
            return replace(state, overdue=True)
        case AuditRoundConcluded():
            return replace(state, concluded=True)
    return state


def timers(event: DomainEvent) -> list[Timer]:
    match event:
        case AuditRoundOpened(due_on=due):
            return [Start(OVERDUE, late_from(due))]
        case AuditRoundConcluded():
            return [Stop(OVERDUE)]
    return []


def decide_open(state: AuditRound, command: OpenAuditRound, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    if state.opened:
        raise Refusal("already_opened", f"audit round {command.audit_id!r} is already open", "audit_id")
    rules = profile.reviews
    sample_from = add_months(today, -rules.audit_sample_months)
    seen: set[str] = set()
    for index, case in enumerate(command.cases):
        if case.case_ref in seen:
            raise Refusal("duplicate_case", f"{case.case_ref} is sampled twice", f"cases[{index}].case_ref")
        seen.add(case.case_ref)
        not_before(case.open_on, sample_from, f"cases[{index}].open_on", f"the {rules.audit_sample_months}-month sample window")
        not_after_today(case.open_on, today, f"cases[{index}].open_on")
    agencies = {a.id for a in profile.agencies}
    for index, agency in enumerate(command.agencies):
        if agency not in agencies:
            raise Refusal("unknown_agency", f"{agency!r} is not an agency of {profile.id}", f"agencies[{index}]")
    period_end = add_months(command.period_start, rules.audit_cadence_months) - timedelta(days=1)
    return [
        AuditRoundOpened(
            audit_id=command.audit_id,
            theme=command.theme,
            period_start=command.period_start,
            period_end=period_end,
            cadence_months=rules.audit_cadence_months,
            sample_from=sample_from,
            case_refs=[c.case_ref for c in command.cases],
            agencies=sorted(set(command.agencies)),
            due_on=period_end,
        )
    ]


def decide_grade(state: AuditRound, command: GradeAuditCase, profile: FrameworkProfile) -> list[DomainEvent]:
    if not state.opened:
        raise Refusal("unknown_audit", f"there is no audit round {command.audit_id!r}", "audit_id")
    if state.concluded:
        raise Refusal("concluded", f"audit round {command.audit_id!r} is concluded", "audit_id")
    if command.case_ref not in state.case_refs:
        raise Refusal("case_not_sampled", f"{command.case_ref} is not in this round's sample", "case_ref")
    if command.agency_id not in state.agencies:
        raise Refusal("agency_not_auditing", f"{command.agency_id!r} is not auditing in this round", "agency_id")
    if any(case == command.case_ref and agency == command.agency_id for case, agency, _ in state.grades):
        raise Refusal("already_graded", f"{command.agency_id!r} has graded {command.case_ref}", "case_ref")
    grades = [g.id for g in profile.reviews.audit_grades]
    if command.grade not in grades:
        raise Refusal("unknown_grade", f"{command.grade!r} is not an audit grade of {profile.id} (grades: {', '.join(grades)})", "grade")
    events: list[DomainEvent] = [
        AuditCaseGraded(
            audit_id=command.audit_id,
            case_ref=command.case_ref,
            agency_id=command.agency_id,
            grade=command.grade,
            strengths=list(command.strengths),
            areas_for_improvement=list(command.areas_for_improvement),
        )
    ]
    if command.immediate_concern:
        events.append(
            SafeguardingConcernEscalated(
                audit_id=command.audit_id,
                case_ref=command.case_ref,
                raised_by_agency_id=command.agency_id,
                concern=command.immediate_concern,
                escalated_to=profile.partner("local_authority").id,
            )
        )
    return events


def decide_conclude(state: AuditRound, command: ConcludeAuditRound, today: date) -> list[DomainEvent]:
    if not state.opened or state.period_start is None:
        raise Refusal("unknown_audit", f"there is no audit round {command.audit_id!r}", "audit_id")
    if state.concluded:
        raise Refusal("concluded", f"audit round {command.audit_id!r} is already concluded", "audit_id")
    if not state.grades:
        raise Refusal("no_gradings", "a round concludes once at least one case is graded", "audit_id")
    not_after_today(command.concluded_on, today, "concluded_on")
    counts = Counter(grade for _, _, grade in state.grades)
    return [
        AuditRoundConcluded(
            audit_id=command.audit_id,
            concluded_on=command.concluded_on,
            grades=dict(sorted(counts.items())),
            findings=list(command.findings),
        )
    ]


def on_timer(state: AuditRound, kind: str, audit_id: str) -> list[DomainEvent]:
    if kind != OVERDUE or not state.opened or state.concluded or state.overdue or state.due_on is None:
        return []
    return [AuditRoundOverdue(audit_id=audit_id, due_on=state.due_on, gradings=len(state.grades))]
