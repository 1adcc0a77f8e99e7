"""The profile's rules as the decisions use them, and the refusals every step shares."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from services.events.domain.commands.base import ActionSpec
from services.events.domain.state import AssuranceEvent, evolve
from shared.calendar import WorkingDayCalendar
from shared.catalogue import DomainEvent
from shared.catalogue.events import ActionAgreed, AssuranceEventConcluded, MilestoneDue
from shared.decisions import fold
from shared.london import late_from
from shared.profiles.activities import ActivityType
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal

_CALENDAR = WorkingDayCalendar()
MILESTONE = "milestone:"

FIELD = "assurance_event_id"


def milestone_kind(milestone_id: str) -> str:
    """The deadline kind of one milestone (the watcher keeps one deadline per stream and kind)."""
    return f"{MILESTONE}{milestone_id}"


def missed_from(due_on: date) -> datetime:
    """A milestone is missed once its last day has ended, London time."""
    return late_from(due_on)


def activity_of(profile: FrameworkProfile, activity_type: str, field: str = "activity_type") -> ActivityType:
    try:
        return profile.activity(activity_type)
    except KeyError:
        raise Refusal("unknown_activity_type", f"{activity_type!r} is not an activity of {profile.id}", field) from None


def require_agency(profile: FrameworkProfile, agency_id: str, field: str) -> None:
    if agency_id not in {a.id for a in profile.agencies}:
        raise Refusal("unknown_agency", f"{agency_id!r} is not an agency of {profile.id}", field)


def partner_of_agency(profile: FrameworkProfile, agency_id: str | None) -> str | None:
    """The statutory partner an agency is (or is part of, e.g. a council's service)."""
    seen: set[str] = set()
    while agency_id is not None and agency_id not in seen:
        seen.add(agency_id)
        try:
            agency = profile.agency(agency_id)
        except KeyError:
            return None
        if agency.statutory_partner is not None:
            return agency.statutory_partner
        agency_id = agency.part_of
    return None


def require_partner(profile: FrameworkProfile, partner_id: str, field: str = "partner_id") -> None:
    if partner_id not in {p.id for p in profile.statutory_partners}:
        known = ", ".join(p.id for p in profile.statutory_partners)
        raise Refusal("unknown_partner", f"{partner_id!r} is not a statutory partner of {profile.id} ({known})", field)


def refuse_recused(state: AssuranceEvent, partner_id: str | None, field: str) -> None:
    if partner_id is not None and partner_id == state.recused_partner:
        raise Refusal(
            "recused_partner",
            f"{partner_id!r} is the agency under scrutiny ({state.agency_id!r}) and a safeguarding partner:"
            " its representative may not endorse or take part in this event",
            field,
        )


def require_open(state: AssuranceEvent) -> None:
    if not state.proposed and not state.concluded:
        raise Refusal("unknown_assurance_event", "no assurance event has been proposed with this id", FIELD)
    if state.concluded:
        raise Refusal("already_concluded", f"{state.assurance_event_id!r} is already concluded", FIELD)
    if state.cancelled:
        raise Refusal("cancelled", f"{state.assurance_event_id!r} was cancelled", FIELD)


def require_kind(state: AssuranceEvent, kinds: Iterable[str], step: str) -> None:
    allowed = sorted(kinds)
    if state.kind not in allowed:
        raise Refusal(
            "not_applicable", f"{step} applies to {', '.join(allowed)} activities, not {state.kind}", FIELD
        )


def require_held(state: AssuranceEvent, step: str) -> date:
    if state.held_on is None:
        raise Refusal("not_held", f"{step} needs the event to have been held first", FIELD)
    return state.held_on


def require_not_after(day: date, today: date, field: str) -> None:
    if day > today:
        raise Refusal("date_in_future", f"{day.isoformat()} is after today ({today.isoformat()})", field)


def require_not_before(day: date, earliest: date, field: str, what: str) -> None:
    if day < earliest:
        raise Refusal("date_too_early", f"{day.isoformat()} is before {what} ({earliest.isoformat()})", field)


def milestones_due(activity: ActivityType, event_date: date, only: Sequence[str] | None = None) -> list[MilestoneDue]:
    """Each preparation milestone's last day: so many (calendar or working) days before the event."""
    due = []
    for milestone in activity.preparation:
        if only is not None and milestone.id not in only:
            continue
        if milestone.unit == "working_days":
            day = _CALENDAR.add_working_days(event_date, -milestone.days_before_event)
        else:
            day = event_date - timedelta(days=milestone.days_before_event)
        due.append(MilestoneDue(milestone_id=milestone.id, name=milestone.name, due_on=day, responsible=milestone.responsible))
    return due


def agreed_actions(
    state: AssuranceEvent, specs: Sequence[ActionSpec], profile: FrameworkProfile, earliest: date
) -> list[DomainEvent]:
    """ActionAgreed for each specific action, its id derived from the event's (`<id>-a<n>`)."""
    events: list[DomainEvent] = []
    for index, spec in enumerate(specs):
        require_agency(profile, spec.owner_agency_id, f"actions[{index}].owner_agency_id")
        require_not_before(spec.due_on, earliest, f"actions[{index}].due_on", "the day the action was agreed")
        number = len(state.actions) + index + 1
        events.append(
            ActionAgreed(
                assurance_event_id=state.assurance_event_id,
                action_id=f"{state.assurance_event_id}-a{number}",
                title=spec.title,
                owner_agency_id=spec.owner_agency_id,
                due_on=spec.due_on,
            )
        )
    return events


def concluded(
    state: AssuranceEvent, events: Sequence[DomainEvent], figures: dict[str, float] | None = None
) -> AssuranceEventConcluded:
    """The conclusion of an event, from its state once `events` are applied."""
    after = fold(state, evolve, events)
    assert after.held_on is not None
    return AssuranceEventConcluded(
        assurance_event_id=after.assurance_event_id,
        activity_type=after.activity_type,
        title=after.title,
        held_on=after.held_on,
        agency_id=after.agency_id,
        theme=after.theme,
        strengths=list(after.strengths),
        areas_for_development=list(after.areas_for_development),
        actions=list(after.actions),
        reports_to=after.reports_to,
        distribution=list(after.distribution),
        outcome=after.outcome,
        star_rating=after.stars,
        figures=figures or {},
    )
