"""The lifecycle every assurance activity shares, from the day it is held, as pure
decisions: held → immediate feedback → findings (and actions) → report drafted →
report agreed → concluded; the outcome of a call-in or pop-up case discussion; and an
activity recorded after the fact in one step. What comes before is in `lifecycle.py`."""

from datetime import date

from services.events.domain import learning_hub, line_of_sight, peer_review, young_inspectors
from services.events.domain.commands import (
    AgreeActions,
    AgreeReport,
    ConcludeAssuranceEvent,
    DraftReport,
    RecordEventHeld,
    RecordFindings,
    RecordImmediateFeedback,
    RecordOutcome,
)
from services.events.domain.rules import (
    FIELD,
    activity_of,
    agreed_actions,
    concluded,
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
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


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
        agency_ids=[a for a in dict.fromkeys([state.agency_id, *state.contributing_agencies, *state.panel_agencies]) if a],
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

