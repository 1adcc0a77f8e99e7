"""The lifecycle every other activity of a profile runs, as pure decisions: planned (from
its cadence, owner and group) → held, slipped (with a reason) or missed → its output
received → presented to its group (concluding it, with any actions the group raised) →
disseminated to the audiences the profile names.

The nine assurance-event kinds keep their richer lifecycle (`lifecycle.py`, `held.py`);
Section 11, audits, reviews, yearly reports and the risk register are run by the services
that hold their rules (`shared.planner.RUN_ELSEWHERE`)."""

from datetime import date

from services.events.domain.commands.activity_lifecycle import (
    DisseminateActivity,
    HoldActivity,
    MissActivity,
    PlanActivity,
    PresentActivity,
    ReceiveActivityOutput,
    SlipActivity,
)
from services.events.domain.rules import (
    FIELD,
    activity_of,
    agreed_actions,
    concluded,
    require_agency,
    require_not_after,
    require_not_before,
)
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import activities as a
from shared.planner import RUN_ELSEWHERE, RUN_HERE
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def runs_its_own_lifecycle(kind: str) -> bool:
    """True for the kinds this lifecycle runs: all but the nine assurance-event kinds and
    those another service runs."""
    return kind not in RUN_HERE and kind not in RUN_ELSEWHERE


def decide_plan(state: AssuranceEvent, command: PlanActivity, profile: FrameworkProfile) -> list[DomainEvent]:
    if state.proposed or state.concluded:
        raise Refusal("already_exists", f"{command.assurance_event_id!r} already exists", FIELD)
    activity = activity_of(profile, command.activity_type)
    if activity.kind in RUN_HERE:
        raise Refusal("propose_instead", f"a {activity.name} runs the assurance event lifecycle: propose it", "activity_type")
    if activity.kind in RUN_ELSEWHERE:
        raise Refusal(
            "run_elsewhere", f"a {activity.name} is run by the {RUN_ELSEWHERE[activity.kind]} service", "activity_type"
        )
    reports_to = command.reports_to or activity.reports_to
    if reports_to not in {g.id for g in profile.groups}:
        raise Refusal("unknown_group", f"{reports_to!r} is not a group of {profile.id}", "reports_to")
    agency_id = command.agency_id or activity.agency
    if agency_id is not None:
        require_agency(profile, agency_id, "agency_id")
    month = f"{command.due_on.year:04d}-{command.due_on.month:02d}"
    return [
        a.ActivityPlanned(
            assurance_event_id=command.assurance_event_id, activity_type=activity.id, kind=activity.kind,
            title=command.title or f"{activity.name}, {month}", due_on=command.due_on,
            owner=command.owner or activity.lead_role, reports_to=reports_to, agency_id=agency_id,
            theme=command.theme, audiences=[activity.dissemination] if activity.dissemination else [],
        )
    ]


def _require_planned(state: AssuranceEvent) -> None:
    if not state.planned:
        if state.proposed or state.concluded:
            raise Refusal("not_a_planned_activity", "this activity runs the assurance event lifecycle", FIELD)
        raise Refusal("unknown_activity", "no activity has been planned with this id", FIELD)


def _require_open(state: AssuranceEvent) -> None:
    _require_planned(state)
    if state.missed:
        raise Refusal("missed", f"{state.assurance_event_id!r} was recorded as missed", FIELD)
    if state.concluded:
        raise Refusal("already_concluded", f"{state.assurance_event_id!r} was presented and is concluded", FIELD)


def _require_not_held(state: AssuranceEvent) -> None:
    if state.held_on is not None:
        raise Refusal("already_held", f"it was held on {state.held_on}", FIELD)


def decide_hold(state: AssuranceEvent, command: HoldActivity, today: date) -> list[DomainEvent]:
    _require_open(state)
    _require_not_held(state)
    require_not_after(command.held_on, today, "held_on")
    return [a.ActivityHeld(assurance_event_id=state.assurance_event_id, held_on=command.held_on, led_by=command.led_by or state.lead_role)]


def decide_slip(state: AssuranceEvent, command: SlipActivity) -> list[DomainEvent]:
    _require_open(state)
    _require_not_held(state)
    assert state.scheduled_on is not None
    if command.to_date <= state.scheduled_on:
        raise Refusal("not_later", f"it was due on {state.scheduled_on}: it slips to a later day", "to_date")
    return [
        a.ActivitySlipped(
            assurance_event_id=state.assurance_event_id, from_date=state.scheduled_on, to_date=command.to_date,
            reason=command.reason,
        )
    ]


def decide_miss(state: AssuranceEvent, command: MissActivity) -> list[DomainEvent]:
    _require_open(state)
    _require_not_held(state)
    assert state.scheduled_on is not None
    return [a.ActivityMissed(assurance_event_id=state.assurance_event_id, due_on=state.scheduled_on, reason=command.reason)]


def _require_held(state: AssuranceEvent, step: str) -> date:
    if state.held_on is None:
        raise Refusal("not_held", f"{step} needs the activity to have been held first", FIELD)
    return state.held_on


def decide_output(state: AssuranceEvent, command: ReceiveActivityOutput, today: date) -> list[DomainEvent]:
    _require_open(state)
    held_on = _require_held(state, "its output")
    if state.output is not None:
        raise Refusal("output_already_received", f"its {state.output} was already received", FIELD)
    require_not_after(command.received_on, today, "received_on")
    require_not_before(command.received_on, held_on, "received_on", "the day it was held")
    if command.output == "figures" and not command.figures:
        raise Refusal("figures_required", "figures received name at least one figure", "figures")
    return [
        a.ActivityOutputReceived(
            assurance_event_id=state.assurance_event_id, output=command.output, received_on=command.received_on,
            summary=command.summary or "", figures=dict(command.figures), document=command.document,
        )
    ]


def decide_present(state: AssuranceEvent, command: PresentActivity, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    _require_open(state)
    held_on = _require_held(state, "presenting it")
    activity = activity_of(profile, state.activity_type)
    if activity.report_required and state.output is None:
        raise Refusal("output_missing", f"record the {activity.name}'s output as received before presenting it", FIELD)
    group = command.group_id or state.reports_to
    if group not in {g.id for g in profile.groups}:
        raise Refusal("unknown_group", f"{group!r} is not a group of {profile.id}", "group_id")
    if command.assurance_level is not None and profile.reporting.assurance_level(command.assurance_level) is None:
        levels = ", ".join(level.id for level in profile.reporting.assurance_levels)
        raise Refusal(
            "unknown_level", f"{command.assurance_level!r} is not a level of assurance of {profile.id} ({levels})", "assurance_level"
        )
    require_not_after(command.presented_on, today, "presented_on")
    require_not_before(command.presented_on, held_on, "presented_on", "the day it was held")
    events: list[DomainEvent] = [
        a.ActivityPresented(
            assurance_event_id=state.assurance_event_id, group_id=group, presented_on=command.presented_on,
            presented_by=command.presented_by, assurance_level=command.assurance_level,
            key_messages=list(command.key_messages),
        ),
        *agreed_actions(state, command.actions, profile, command.presented_on),
    ]
    return [*events, concluded(state, events, dict(state.figures))]


def decide_disseminate(state: AssuranceEvent, command: DisseminateActivity, profile: FrameworkProfile, today: date) -> list[DomainEvent]:
    """Any activity's learning, once presented (this lifecycle) or concluded (an assurance
    event, its report agreed or its outcome recorded): to the profile's audiences unless named."""
    if not (state.proposed or state.concluded):
        raise Refusal("unknown_activity", "no activity or assurance event has this id", FIELD)
    if state.planned and state.presented_on is None:
        raise Refusal("not_presented", "its learning is disseminated once it has been presented to its group", FIELD)
    if not state.planned and not state.concluded:
        raise Refusal("not_concluded", "an assurance event's learning is disseminated once it is concluded", FIELD)
    since = state.presented_on or state.held_on
    assert since is not None
    dissemination = activity_of(profile, state.activity_type).dissemination
    audiences = list(command.audiences) or list(state.audiences) or ([dissemination] if dissemination else [])
    if not audiences:
        raise Refusal("audiences_required", "the profile names no audience for it: name who it went to", "audiences")
    require_not_after(command.disseminated_on, today, "disseminated_on")
    require_not_before(command.disseminated_on, since, "disseminated_on", "the day it was presented or held")
    return [
        a.ActivityDisseminated(
            assurance_event_id=state.assurance_event_id, method=command.method, audiences=audiences,
            disseminated_on=command.disseminated_on, reached=command.reached, feedback=command.feedback or "",
        )
    ]
