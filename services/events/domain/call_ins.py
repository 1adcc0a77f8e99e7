"""Agency call-ins: proposed by a partner (through the lifecycle's proposal) or from a
Section 11 return at the highest risk (this module), then endorsed, scheduled, held,
and closed by their recorded outcome.

One call-in per agency and Section 11 cycle: a second domain at the highest risk
while it is open is added to its concerns. Once it is closed, a new flag opens the
next call-in (`...-2`, `...-3`)."""

from hashlib import sha1

from services.events.domain.commands import ProposeCallIn
from services.events.domain.rules import partner_of_agency, require_agency
from services.events.domain.state import AssuranceEvent
from shared.catalogue import DomainEvent
from shared.catalogue import events as e
from shared.profiles.activities import ActivityType
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

KIND = "call_in"
MAX_ID = 60


def call_in_id(cycle_id: str, agency_id: str, number: int = 1) -> str:
    """`call-in-<cycle>-<agency>` (shortened with a digest if long), then `-2`, `-3`, ..."""
    base = f"call-in-{cycle_id}-{agency_id}".lower()
    if len(base) > MAX_ID:
        base = f"{base[:MAX_ID - 11]}-{sha1(base.encode()).hexdigest()[:10]}"
    return base if number == 1 else f"{base}-{number}"


def calls_in(profile: FrameworkProfile) -> bool:
    """Whether the framework has a call-in activity (a profile setting `highest_risk` must)."""
    return any(activity.kind == KIND for activity in profile.activities)


def call_in_activity(profile: FrameworkProfile) -> ActivityType:
    for activity in profile.activities:
        if activity.kind == KIND:
            return activity
    raise Refusal("no_call_in_activity", f"{profile.id} has no call-in activity to propose", None)


def closed(state: AssuranceEvent) -> bool:
    """A call-in that can take no more concerns: the next one must be opened."""
    return state.concluded or state.cancelled


def decide_call_in(state: AssuranceEvent, command: ProposeCallIn, profile: FrameworkProfile, assurance_event_id: str) -> list[DomainEvent]:
    activity = call_in_activity(profile)
    require_agency(profile, command.agency_id, "agency_id")
    concern = e.CallInConcernAdded(
        assurance_event_id=assurance_event_id, agency_id=command.agency_id, cycle_id=command.cycle_id,
        domain_id=command.domain_id, rating=command.rating, reason=command.reason,
        source_event_id=command.source_event_id,
    )
    if state.proposed:
        return [] if command.domain_id in state.concerns else [concern]
    agency = profile.agency(command.agency_id)
    recused = partner_of_agency(profile, agency.id) if activity.subject_partner_recused else None
    return [
        e.AssuranceEventProposed(
            assurance_event_id=assurance_event_id,
            activity_type=activity.id,
            kind=activity.kind,
            title=f"Call-in: {agency.name}",
            agency_id=agency.id,
            reason=command.reason,
            proposed_by="section11",
            proposer_role="business_unit",
            lead_role=activity.lead_role,
            reports_to=activity.reports_to,
            endorsers=[p for p in activity.endorsers() if p != recused],
            report_agreers=[p for p in activity.report_agreers() if p != recused],
            recused_partner=recused,
            source_event_id=command.source_event_id,
        ),
        concern,
    ]
