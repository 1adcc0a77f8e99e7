"""A Section 11 audit cycle: opened for agencies with a due date, then closed;
on closing, peer challenge workshops where the profile runs them. Pure."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from services.section11.domain.commands import CloseAuditCycle, OpenAuditCycle
from services.section11.domain.returns import Return, effective_ratings
from shared.aggregate import Aggregate
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import (
    AuditCycleClosed,
    AuditCycleOpened,
    PeerChallengeWorkshopScheduled,
)
from shared.london import late_from, nine_am
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

OVERDUE = "submission-overdue"


def stream_id(partnership_id: str, cycle_id: str) -> str:
    return CYCLE.stream_id(partnership_id, cycle_id)


@dataclass(frozen=True)
class Cycle:
    cycle_id: str = ""
    opened: bool = False
    closed: bool = False
    due_on: date | None = None
    agency_ids: tuple[str, ...] = ()


def evolve(state: Cycle, event: DomainEvent) -> Cycle:
    match event:
        case AuditCycleOpened() as opened:
            return replace(state, cycle_id=opened.cycle_id, opened=True, due_on=opened.due_on, agency_ids=tuple(opened.agency_ids))
        case AuditCycleClosed():
            return replace(state, closed=True)
    return state


# A partnership's Section 11 cycle (`s11-cycle:{partnership}:{cycle}`).
CYCLE = Aggregate("s11-cycle", Cycle(), evolve)


def decide_open(state: Cycle, command: OpenAuditCycle, profile: FrameworkProfile) -> list[DomainEvent]:
    if state.opened:
        raise Refusal("cycle_exists", f"cycle {command.cycle_id!r} is already open (due {state.due_on})", "cycle_id")
    known = {a.id for a in profile.agencies}
    agency_ids = command.agency_ids if command.agency_ids is not None else [a.id for a in profile.agencies]
    for index, agency in enumerate(agency_ids):
        if agency not in known:
            raise Refusal("unknown_agency", f"{agency!r} is not a Section 11 agency of {profile.id}", f"agency_ids[{index}]")
    if not agency_ids:
        raise Refusal("no_agencies", "a cycle needs at least one agency", "agency_ids")
    rules = profile.section11
    due_on = command.due_on or command.opened_on + timedelta(days=rules.submission_window_days)
    if due_on <= command.opened_on:
        raise Refusal(
            "due_before_opening", f"returns cannot be due ({due_on}) on or before the cycle opens ({command.opened_on})", "due_on"
        )
    return [
        AuditCycleOpened(
            cycle_id=command.cycle_id,
            opened_on=command.opened_on,
            due_on=due_on,
            agency_ids=list(dict.fromkeys(agency_ids)),
            # Only reminders after the opening day: an early due date must not date a reminder before the cycle.
            reminder_days_before=sorted(
                (d for d in rules.reminder_days_before if due_on - timedelta(days=d) > command.opened_on), reverse=True
            ),
        )
    ]


def decide_close(
    state: Cycle, command: CloseAuditCycle, profile: FrameworkProfile, returns: Mapping[str, Return]
) -> list[DomainEvent]:
    require_open(state, command.cycle_id)
    events: list[DomainEvent] = [AuditCycleClosed(cycle_id=command.cycle_id, closed_on=command.closed_on)]
    return events + peer_challenge(profile, command, returns)


def peer_challenge(profile: FrameworkProfile, command: CloseAuditCycle, returns: Mapping[str, Return]) -> list[DomainEvent]:
    """One workshop per domain with agencies flagged for development, and one per
    domain with agencies at the best level, to be held within the profile's window."""
    rules = profile.section11
    if rules.peer_challenge is None:
        return []
    settings = rules.peer_challenge
    hold_by = command.closed_on + relativedelta(months=settings.within_months)
    best = rules.rating_scale.best.value
    events: list[DomainEvent] = []
    for domain in rules.domains:
        ratings = {agency: effective_ratings(r).get(domain.id) for agency, r in sorted(returns.items())}
        groups = {
            "development": [a for a, r in ratings.items() if r is not None and rules.is_risk(r)] if settings.development else [],
            "good_practice": [a for a, r in ratings.items() if r == best] if settings.good_practice else [],
        }
        for purpose, agencies in groups.items():
            if agencies:
                events.append(
                    PeerChallengeWorkshopScheduled(
                        cycle_id=command.cycle_id,
                        workshop_id=f"{command.cycle_id}-{domain.id}-{purpose.replace('_', '-')}",
                        domain_id=domain.id,
                        purpose=purpose,  # type: ignore[arg-type]
                        agency_ids=agencies,
                        hold_by=hold_by,
                    )
                )
    return events


def require_opened(state: Cycle, cycle_id: str) -> None:
    if not state.opened:
        raise Refusal("unknown_cycle", f"cycle {cycle_id!r} has not been opened by the partnership", "cycle_id")


def require_open(state: Cycle, cycle_id: str) -> None:
    require_opened(state, cycle_id)
    if state.closed:
        raise Refusal("cycle_closed", f"cycle {cycle_id!r} is closed; nothing more can be submitted to it", "cycle_id")


def require_member(state: Cycle, agency_id: str) -> None:
    if agency_id not in state.agency_ids:
        raise Refusal("not_in_cycle", f"{agency_id!r} was not asked for a return in cycle {state.cycle_id!r}", "agency_id")


def overdue_from(due_on: date) -> datetime:
    """A return is overdue from the start of the day after its due date, London time."""
    return late_from(due_on)


def reminder_at(due_on: date, days_before: int) -> datetime:
    return nine_am(due_on - timedelta(days=days_before))


def reminder_kind(days_before: int) -> str:
    return f"submission-reminder-{days_before}"
