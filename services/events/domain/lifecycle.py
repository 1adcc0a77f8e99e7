"""The lifecycle every assurance activity shares, as pure decisions: proposed →
endorsed → scheduled (with its preparation milestones) → held → immediate feedback
→ findings (and actions) → report drafted → report agreed → concluded; or
rescheduled, or cancelled. Steps particular to one kind live in their own modules."""

from datetime import date

from services.events.domain import learning_hub, line_of_sight, peer_review, young_inspectors
from services.events.domain.commands import (
    AgreeActions,
    AgreeReport,
    CancelAssuranceEvent,
    ConcludeAssuranceEvent,
    DraftReport,
    EndorseAssuranceEvent,
    MarkMilestoneMissed,
    ProposeAssuranceEvent,
    RecordEventHeld,
    RecordFindings,
    RecordImmediateFeedback,
    RecordMilestoneMet,
    RecordOutcome,
    RescheduleAssuranceEvent,
    ScheduleAssuranceEvent,
)
from services.events.domain.rules import (
    FIELD,
    activity_of,
    agreed_actions,
    concluded,
    milestones_due,
    missed_from,
    partner_of_agency,
    refuse_recused,
    require_agency,
    require_held,
    require_not_after,
    require_open,
    require_partner,
)
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.planner import RUN_HERE
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def decide_propose(state: AssuranceEvent, command: ProposeAssuranceEvent, profile: FrameworkProfile) -> list[DomainEvent]:
    if state.proposed or state.concluded:
        raise Refusal("already_exists", f"{command.assurance_event_id!r} already exists", FIELD)
    activity = activity_of(profile, command.activity_type)
    if activity.kind not in RUN_HERE:
        raise Refusal(
            "not_an_assurance_event",
            f"{activity.name} ({activity.kind}) is not run by the assurance events service",
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


def decide_hold(state: AssuranceEvent, command: RecordEventHeld, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    require_open(state)
    if state.held_on is not None:
        raise Refusal("already_held", f"it was held on {state.held_on}", FIELD)
    learning_hub.refuse_direct_hold(state)
    if state.scheduled_on is None:
        raise Refusal("not_scheduled", "schedule it before recording that it was held", FIELD)
    require_not_after(command.held_on, today, "held_on")
    activity = activity_of(profile, state.activity_type)
    panel = []
    for index, member in enumerate(command.panel):
        where = f"panel[{index}]"
        if member.partner_id is not None:
            require_partner(profile, member.partner_id, f"{where}.partner_id")
            refuse_recused(state, member.partner_id, f"{where}.partner_id")
        elif member.role == "safeguarding_partner":
            raise Refusal("partner_required", "a safeguarding partner's representative names the partner", f"{where}.partner_id")
        if member.agency_id is not None:
            require_agency(profile, member.agency_id, f"{where}.agency_id")
        panel.append(e.PanelMember(role=member.role, title=member.title, partner_id=member.partner_id, agency_id=member.agency_id))
    line_of_sight.require_ready_for_panel(state, activity)
    young_inspectors.require_ready_for_visit(state)
    days_on_site = peer_review.days_on_site(state, activity, command.days_on_site)
    return [
        e.AssuranceEventHeld(
            assurance_event_id=state.assurance_event_id, held_on=command.held_on, panel=panel,
            young_people_took_part=command.young_people_took_part, days_on_site=days_on_site,
        )
    ]


def decide_feedback(state: AssuranceEvent, command: RecordImmediateFeedback) -> list[DomainEvent]:
    require_open(state)
    require_held(state, "immediate feedback")
    if state.feedback_given:
        raise Refusal("feedback_already_given", "immediate feedback was already recorded", FIELD)
    return [
        e.ImmediateFeedbackGiven(
            assurance_event_id=state.assurance_event_id, highlights=command.highlights,
            given_by_role=command.given_by_role, given_to=command.given_to,
        )
    ]


def decide_findings(state: AssuranceEvent, command: RecordFindings, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    held_on = require_held(state, "findings")
    if state.findings_recorded:
        raise Refusal("findings_already_recorded", "the findings were already recorded", FIELD)
    activity = activity_of(profile, state.activity_type)
    if activity.immediate_feedback and not state.feedback_given:
        raise Refusal("feedback_missing", "key highlights are fed back at the end of the event, before the findings", FIELD)
    line_of_sight.require_practitioners_met(state)
    if not (command.strengths or command.areas_for_development or command.actions):
        raise Refusal("findings_empty", "findings name strengths, areas for development or actions", "strengths")
    findings = e.FindingsRecorded(
        assurance_event_id=state.assurance_event_id, strengths=command.strengths,
        areas_for_development=command.areas_for_development, recorded_by_role=command.role,
    )
    return [findings, *agreed_actions(state, command.actions, profile, held_on)]


def decide_agree_actions(state: AssuranceEvent, command: AgreeActions, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    held_on = require_held(state, "agreeing actions")
    return agreed_actions(state, command.actions, profile, held_on)


def decide_draft(state: AssuranceEvent, command: DraftReport, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    activity = activity_of(profile, state.activity_type)
    if not activity.report_required:
        raise Refusal("no_report", f"a {activity.name} closes on its recorded outcome, not a report", FIELD)
    if not state.findings_recorded:
        raise Refusal("findings_missing", "record the findings before drafting the report", FIELD)
    if state.report_agreed_by:
        raise Refusal("report_under_agreement", f"version {state.report_version} is being agreed", FIELD)
    if command.role != activity.report_drafted_by:
        raise Refusal("wrong_role", f"the report of a {activity.name} is drafted by {activity.report_drafted_by}", "role")
    events: list[DomainEvent] = [
        e.AssuranceReportDrafted(
            assurance_event_id=state.assurance_event_id, version=state.report_version + 1,
            drafted_by_role=command.role, author=command.author, summary=command.summary,
        )
    ]
    return events + young_inspectors.star_rating(state, activity, command.star_rating)


def decide_agree_report(state: AssuranceEvent, command: AgreeReport, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    if state.report_version == 0:
        raise Refusal("report_not_drafted", "there is no report to agree yet", FIELD)
    agreers = state.report_agreers
    if agreers:
        if command.partner_id is None:
            raise Refusal("partner_required", "the partners agree this report: name the partner", "partner_id")
        refuse_recused(state, command.partner_id, "partner_id")
        if command.partner_id not in agreers:
            require_partner(profile, command.partner_id)
            raise Refusal("not_an_agreer", f"{command.partner_id!r} is not among {list(agreers)}", "partner_id")
        if command.role != "safeguarding_partner":
            raise Refusal("wrong_role", "a safeguarding partner's representative agrees the report", "role")
        if command.partner_id in state.report_agreed_by:
            raise Refusal("already_agreed", f"{command.partner_id!r} has already agreed it", "partner_id")
        outstanding = [p for p in agreers if p not in state.report_agreed_by and p != command.partner_id]
    else:
        if command.partner_id is not None:
            raise Refusal("not_an_agreer", "the profile names no partners for this report: the business unit agrees it", "partner_id")
        if command.role != "business_unit":
            raise Refusal("wrong_role", "the business unit records the agreement of this report", "role")
        outstanding = []
    events: list[DomainEvent] = [
        e.ReportAgreementGiven(
            assurance_event_id=state.assurance_event_id, partner_id=command.partner_id,
            version=state.report_version, outstanding=outstanding,
        )
    ]
    if outstanding:
        return events
    activity = activity_of(profile, state.activity_type)
    events.append(e.AssuranceReportAgreed(
        assurance_event_id=state.assurance_event_id, version=state.report_version,
        distribution=_distribution(state, activity.report_distribution), reports_to=state.reports_to,
    ))
    return [*events, concluded(state, events)]


def _distribution(state: AssuranceEvent, rule: str) -> list[str]:
    if rule == "subject_agency":
        return [state.agency_id] if state.agency_id else []
    if rule == "contributing_agencies":
        return list(dict.fromkeys([*state.contributing_agencies, *state.panel_agencies]))
    return list(state.endorsers)


def decide_outcome(state: AssuranceEvent, command: RecordOutcome, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    held_on = require_held(state, "the outcome")
    activity = activity_of(profile, state.activity_type)
    if activity.report_required or activity.kind == "learning_hub":
        raise Refusal("not_applicable", f"a {activity.name} closes on its agreed report or cycle, not an outcome", FIELD)
    events: list[DomainEvent] = [
        e.OutcomeRecorded(assurance_event_id=state.assurance_event_id, outcome=command.outcome, assured=command.assured),
        *agreed_actions(state, command.actions, profile, held_on),
    ]
    return [*events, concluded(state, events)]


def decide_conclusion(state: AssuranceEvent, command: ConcludeAssuranceEvent, profile: FrameworkProfile) -> list[DomainEvent]:
    """The shortcut: an activity recorded as held and concluded in one step."""
    if state.concluded:
        raise Refusal("already_concluded", f"{command.assurance_event_id!r} is already concluded", FIELD)
    if state.cancelled:
        raise Refusal("cancelled", f"{command.assurance_event_id!r} was cancelled", FIELD)
    activity_of(profile, command.activity_type)
    if state.proposed and command.activity_type != state.activity_type:
        raise Refusal("activity_type_mismatch", f"{command.assurance_event_id!r} is a {state.activity_type}", "activity_type")
    if command.agency_id is not None:
        require_agency(profile, command.agency_id, "agency_id")
    return [
        e.AssuranceEventConcluded(
            assurance_event_id=command.assurance_event_id,
            activity_type=command.activity_type,
            title=command.title,
            held_on=command.held_on,
            agency_id=command.agency_id,
            theme=command.theme,
            strengths=command.strengths,
            areas_for_development=command.areas_for_development,
            actions=list(state.actions),
            reports_to=state.reports_to or None,
        )
    ]

