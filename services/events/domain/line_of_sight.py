"""Line of sight practice learning events (and pop-up case discussions): exactly the
profile's number of pseudonymous cases on one agreed theme, single-agency case
audits before the panel, practitioners met for every case."""

from services.events.domain.commands import RecordCaseAudit, RecordPractitionersMet, SelectCase
from services.events.domain.rules import (
    FIELD,
    activity_of,
    require_agency,
    require_held,
    require_open,
)
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.profiles.activities import ActivityType
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

CASE_KINDS = {"line_of_sight", "pop_up_case_discussion"}


def _cases(count: int) -> str:
    return f"{count} case" if count == 1 else f"{count} cases"


def _case_activity(state: AssuranceEvent, profile: FrameworkProfile) -> ActivityType:
    activity = activity_of(profile, state.activity_type)
    if activity.cases_per_event is None and activity.kind not in CASE_KINDS:
        raise Refusal("not_applicable", f"a {activity.name} does not consider cases", FIELD)
    return activity


def decide_select_case(state: AssuranceEvent, command: SelectCase, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    activity = _case_activity(state, profile)
    if state.held_on is not None:
        raise Refusal("already_held", "cases are selected before the event", FIELD)
    if state.case(command.case_ref) is not None:
        raise Refusal("case_already_selected", f"{command.case_ref} is already selected", "case_ref")
    wanted = activity.cases_per_event
    if wanted is not None and len(state.cases) >= wanted:
        raise Refusal(
            "too_many_cases",
            f"a {activity.name} considers exactly {_cases(wanted)}; {len(state.cases)} already selected",
            "case_ref",
        )
    for index, agency in enumerate(command.agencies_involved):
        require_agency(profile, agency, f"agencies_involved[{index}]")
    return [
        e.CaseSelected(
            assurance_event_id=state.assurance_event_id, case_ref=command.case_ref,
            agencies_involved=list(dict.fromkeys(command.agencies_involved)),
        )
    ]


def decide_case_audit(state: AssuranceEvent, command: RecordCaseAudit, profile: FrameworkProfile) -> list[DomainEvent]:
    require_open(state)
    activity = _case_activity(state, profile)
    case = state.case(command.case_ref)
    if case is None:
        raise Refusal("unknown_case", f"{command.case_ref} is not one of this event's cases", "case_ref")
    if activity.case_audits_before_panel and state.held_on is not None:
        raise Refusal("panel_already_held", "single-agency case audits are recorded before the panel", FIELD)
    require_agency(profile, command.agency_id, "agency_id")
    if command.agency_id in case.audited_by:
        raise Refusal("audit_already_recorded", f"{command.agency_id!r} has already audited {case.case_ref}", "agency_id")
    return [
        e.CaseAuditRecorded(
            assurance_event_id=state.assurance_event_id, case_ref=case.case_ref, agency_id=command.agency_id,
            auditor_role=command.auditor_role, summary=command.summary,
        )
    ]


def decide_practitioners_met(
    state: AssuranceEvent, command: RecordPractitionersMet, profile: FrameworkProfile
) -> list[DomainEvent]:
    require_open(state)
    _case_activity(state, profile)
    require_held(state, "meeting practitioners")
    case = state.case(command.case_ref)
    if case is None:
        raise Refusal("unknown_case", f"{command.case_ref} is not one of this event's cases", "case_ref")
    if case.practitioners_met:
        raise Refusal("already_met", f"the practitioners of {case.case_ref} were already met", "case_ref")
    for index, agency in enumerate(command.agencies):
        require_agency(profile, agency, f"agencies[{index}]")
    return [
        e.PractitionersMet(
            assurance_event_id=state.assurance_event_id, case_ref=case.case_ref,
            practitioner_roles=command.practitioner_roles, agencies=command.agencies,
        )
    ]


def require_ready_for_panel(state: AssuranceEvent, activity: ActivityType) -> None:
    """Before the panel: exactly the profile's number of cases, each audited if the profile says so."""
    wanted = activity.cases_per_event
    if wanted is not None and len(state.cases) != wanted:
        raise Refusal(
            "cases_incomplete", f"a {activity.name} considers exactly {_cases(wanted)}; {len(state.cases)} selected", FIELD
        )
    if activity.case_audits_before_panel:
        unaudited = [c.case_ref for c in state.cases if not c.audited_by]
        if unaudited:
            raise Refusal("case_audits_missing", f"no single-agency audit yet of {', '.join(unaudited)}", FIELD)


def require_practitioners_met(state: AssuranceEvent) -> None:
    if state.kind != "line_of_sight":
        return
    unmet = [c.case_ref for c in state.cases if not c.practitioners_met]
    if unmet:
        raise Refusal("practitioners_not_met", f"the panel has not yet met the practitioners of {', '.join(unmet)}", FIELD)
