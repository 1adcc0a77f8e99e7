"""The lifecycle every assurance activity shares, up to the day it is held, as pure
decisions: proposed → endorsed → scheduled (with its preparation milestones, met or
missed); or rescheduled, or cancelled. Holding it and what follows (feedback, findings,
the report and its agreement, conclusion) are in `held.py`; steps particular to one kind
live in their own modules."""

from datetime import date

from services.events.domain import peer_review, young_inspectors
from services.events.domain.commands import (
    CancelAssuranceEvent,
    EndorseAssuranceEvent,
    MarkMilestoneMissed,
    ProposeAssuranceEvent,
    RecordMilestoneMet,
    RescheduleAssuranceEvent,
    ScheduleAssuranceEvent,
)
from services.events.domain.rules import (
    FIELD,
    activity_of,
    milestones_due,
    missed_from,
    partner_of_agency,
    refuse_recused,
    require_agency,
    require_not_after,
    require_open,
    require_partner,
)
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.planner import RUN_ELSEWHERE, RUN_HERE
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def decide_propose(state: AssuranceEvent, command: ProposeAssuranceEvent, profile: FrameworkProfile) -> list[DomainEvent]:
    if state.proposed or state.concluded:
        raise Refusal("already_exists", f"{command.assurance_event_id!r} already exists", FIELD)
    activity = activity_of(profile, command.activity_type)
    if activity.kind in RUN_ELSEWHERE:
        raise Refusal(
            "not_an_assurance_event",
            f"{activity.name} ({activity.kind}) is run by the {RUN_ELSEWHERE[activity.kind]} service",
            "activity_type",
        )
    if activity.kind not in RUN_HERE:
        raise Refusal(
            "plan_instead",
            f"{activity.name} ({activity.kind}) runs the lifecycle of every other activity: plan it (plan-activity)",
            "activity_type",
        )
    if command.partner_id is not None:
        require_partner(profile, command.partner_id)
        if command.role != "safeguarding_partner":
            raise Refusal("wrong_role", "a partner proposes as a safeguarding_partner", "role")
    if activity.subject == "agency" and command.agency_id is None:
        raise Refusal("agency_required", f"a {activity.name} names the agency under scrutiny", "agency_id")
    if activity.subject == "theme" and command.theme is None:
        raise Refusal("theme_required", f"a {activity.name} names its theme", "theme")
    if command.agency_id is not None:
        require_agency(profile, command.agency_id, "agency_id")
    for index, agency in enumerate(command.contributing_agencies):
        require_agency(profile, agency, f"contributing_agencies[{index}]")
    recused = partner_of_agency(profile, command.agency_id) if activity.subject_partner_recused else None
    if recused is not None:
        probe = AssuranceEvent(agency_id=command.agency_id, recused_partner=recused)
        refuse_recused(probe, command.partner_id, "partner_id")
    return [
        e.AssuranceEventProposed(
            assurance_event_id=command.assurance_event_id,
            activity_type=activity.id,
            kind=activity.kind,
            title=command.title,
            agency_id=command.agency_id,
            theme=command.theme,
            format=command.format,
            reason=command.reason,
            planned_for=command.planned_for,
            proposed_by=command.partner_id or "business-unit",
            proposer_role=command.role,
            lead_role=command.lead_role or activity.lead_role,
            reports_to=activity.reports_to,
            endorsers=[p for p in activity.endorsers() if p != recused],
            report_agreers=[p for p in activity.report_agreers() if p != recused],
            recused_partner=recused,
            contributing_agencies=list(dict.fromkeys(command.contributing_agencies)),
            commissioned_by_agency=command.commissioned_by_agency,
        )
    ]


def decide_endorse(state: AssuranceEvent, command: EndorseAssuranceEvent, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    refuse_recused(state, command.partner_id, "partner_id")
    if command.partner_id not in state.endorsers:
        require_partner(profile, command.partner_id)
    if command.role != "safeguarding_partner":
        raise Refusal("wrong_role", "endorsement is given by a safeguarding partner's representative", "role")
    if not state.endorsers:
        raise Refusal("endorsement_not_required", f"a {state.activity_type} needs no endorsement", FIELD)
    if command.partner_id not in state.endorsers:
        raise Refusal(
            "not_an_endorser", f"{command.partner_id!r} is not among the endorsers {list(state.endorsers)}", "partner_id"
        )
    if command.partner_id in state.endorsed:
        raise Refusal("already_endorsed", f"{command.partner_id!r} has already endorsed it", "partner_id")
    outstanding = [p for p in state.endorsers if p not in state.endorsed and p != command.partner_id]
    events: list[DomainEvent] = [
        e.EndorsementGiven(
            assurance_event_id=state.assurance_event_id, partner_id=command.partner_id,
            representative=command.representative, outstanding=outstanding,
        )
    ]
    if not outstanding:
        events.append(e.AssuranceEventEndorsed(
            assurance_event_id=state.assurance_event_id, endorsed_by=[*state.endorsed, command.partner_id]
        ))
    return events


def decide_schedule(
    state: AssuranceEvent, command: ScheduleAssuranceEvent, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    require_open(state)
    if state.scheduled_on is not None:
        raise Refusal("already_scheduled", f"it is scheduled for {state.scheduled_on}; reschedule it instead", FIELD)
    if not state.fully_endorsed:
        outstanding = [p for p in state.endorsers if p not in state.endorsed]
        raise Refusal("not_endorsed", f"still to endorse it: {', '.join(outstanding)}", FIELD)
    activity = activity_of(profile, state.activity_type)
    young_inspectors.require_take_up(state, activity)
    peer_review.require_terms(state, activity)
    if command.scheduled_on < today:
        raise Refusal("date_in_past", f"{command.scheduled_on} is before today ({today})", "scheduled_on")
    return [
        e.AssuranceEventScheduled(
            assurance_event_id=state.assurance_event_id,
            scheduled_on=command.scheduled_on,
            milestones=milestones_due(activity, command.scheduled_on),
            agency_id=state.agency_id,
            agency_ids=[a for a in state.contributing_agencies if a != state.agency_id],
        )
    ]


def decide_reschedule(
    state: AssuranceEvent, command: RescheduleAssuranceEvent, profile: FrameworkProfile, today: date
) -> list[DomainEvent]:
    require_open(state)
    if state.scheduled_on is None:
        raise Refusal("not_scheduled", "it has not been scheduled yet", FIELD)
    if state.held_on is not None:
        raise Refusal("already_held", f"it was held on {state.held_on}", FIELD)
    if command.scheduled_on == state.scheduled_on:
        raise Refusal("same_date", f"it is already scheduled for {state.scheduled_on}", "scheduled_on")
    if command.scheduled_on < today:
        raise Refusal("date_in_past", f"{command.scheduled_on} is before today ({today})", "scheduled_on")
    activity = activity_of(profile, state.activity_type)
    pending = [m.milestone_id for m in state.pending_milestones]
    return [
        e.AssuranceEventRescheduled(
            assurance_event_id=state.assurance_event_id,
            from_date=state.scheduled_on,
            scheduled_on=command.scheduled_on,
            reason=command.reason,
            milestones=milestones_due(activity, command.scheduled_on, only=pending),
        )
    ]


def decide_cancel(state: AssuranceEvent, command: CancelAssuranceEvent) -> list[DomainEvent]:
    require_open(state)
    if state.held_on is not None:
        raise Refusal("already_held", f"it was held on {state.held_on}; record its findings instead", FIELD)
    return [
        e.AssuranceEventCancelled(
            assurance_event_id=state.assurance_event_id, reason=command.reason, cancelled_by=command.cancelled_by,
            pending_milestones=[m.milestone_id for m in state.pending_milestones],
        )
    ]


def decide_milestone_met(state: AssuranceEvent, command: RecordMilestoneMet, today: date) -> list[DomainEvent]:
    require_open(state)
    milestone = state.milestone(command.milestone_id)
    if milestone is None:
        known = ", ".join(m.milestone_id for m in state.milestones) or "none (not scheduled yet)"
        raise Refusal("unknown_milestone", f"{command.milestone_id!r} is not a milestone of this event ({known})", "milestone_id")
    if milestone.met_on is not None:
        raise Refusal("already_met", f"{command.milestone_id!r} was met on {milestone.met_on}", "milestone_id")
    require_not_after(command.met_on, today, "met_on")
    return [
        e.PreparationMilestoneMet(
            assurance_event_id=state.assurance_event_id, milestone_id=milestone.milestone_id,
            met_on=command.met_on, due_on=milestone.due_on, late=command.met_on > milestone.due_on,
        )
    ]


def decide_milestone_missed(state: AssuranceEvent, command: MarkMilestoneMissed) -> list[DomainEvent]:
    """Time-driven: nothing to raise if the milestone was met, re-dated, or the event is over."""
    milestone = state.milestone(command.milestone_id)
    if not state.open or state.held_on is not None or milestone is None:
        return []
    if milestone.met_on is not None or milestone.missed or missed_from(milestone.due_on) != command.deadline:
        return []
    return [
        e.PreparationMilestoneMissed(
            assurance_event_id=state.assurance_event_id, milestone_id=milestone.milestone_id, name=milestone.name,
            due_on=milestone.due_on, responsible=milestone.responsible, agency_id=state.agency_id,
        )
    ]
