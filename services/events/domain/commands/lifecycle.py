"""Commands of the lifecycle every assurance activity shares: proposed, endorsed,
scheduled, prepared, held, fed back, found, reported, agreed; or cancelled."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from services.events.domain.commands.base import (
    Actions,
    Command,
    EventCommand,
    Items,
    Month,
    PanelMemberSpec,
    PartnerCommand,
    RoleTitle,
    Slug,
    Text,
    Title,
)
from shared.profiles.activities import ParticipantRole


class ProposeAssuranceEvent(EventCommand):
    """Propose an activity of the profile: by a statutory partner (`partner_id`) or the business unit."""

    activity_type: Slug
    title: Title
    agency_id: Slug | None = None
    theme: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    format: Text | None = None
    reason: Text | None = None
    planned_for: Month | None = None
    partner_id: Slug | None = None
    role: ParticipantRole = "business_unit"
    lead_role: RoleTitle | None = None
    contributing_agencies: Annotated[list[Slug], Field(max_length=60)] = []
    commissioned_by_agency: bool = False
    """Young inspectors: the agency commissioned the visit (rather than being targeted)."""


class EndorseAssuranceEvent(PartnerCommand):
    """A statutory partner endorses the proposal (the agency or theme, and the format)."""


class ScheduleAssuranceEvent(EventCommand):
    scheduled_on: date


class RescheduleAssuranceEvent(EventCommand):
    scheduled_on: date
    reason: Text


class CancelAssuranceEvent(EventCommand):
    reason: Text
    cancelled_by: RoleTitle


class RecordMilestoneMet(EventCommand):
    milestone_id: Slug
    met_on: date


class MarkMilestoneMissed(Command):
    """Issued by the deadline watcher when a milestone's day has ended."""

    assurance_event_id: str
    milestone_id: str
    deadline: datetime


class RecordEventHeld(EventCommand):
    held_on: date
    panel: Annotated[list[PanelMemberSpec], Field(min_length=1, max_length=60)]
    young_people_took_part: bool = False
    days_on_site: Annotated[int, Field(ge=1, le=30)] | None = None


class RecordImmediateFeedback(EventCommand):
    highlights: Annotated[Items, Field(min_length=1)]
    given_by_role: ParticipantRole = "independent_scrutineer"
    given_to: RoleTitle


class RecordFindings(EventCommand):
    """Strengths, areas for development, and the specific actions agreed (each raised as an action)."""

    strengths: Items = []
    areas_for_development: Items = []
    actions: Actions = []
    role: ParticipantRole = "independent_scrutineer"


class AgreeActions(EventCommand):
    """Actions agreed at the event outside its findings (e.g. a line of sight panel's strategic actions)."""

    actions: Annotated[Actions, Field(min_length=1)]


class DraftReport(EventCommand):
    role: ParticipantRole
    author: RoleTitle
    summary: Text
    star_rating: Annotated[int, Field(ge=0, le=10)] | None = None
    """Young inspectors: the stars the report awards the agency."""


class AgreeReport(EventCommand):
    """A statutory partner agrees the report for distribution; where the profile names no
    partners, the business unit records the agreement (no `partner_id`)."""

    partner_id: Slug | None = None
    role: ParticipantRole = "safeguarding_partner"
    representative: RoleTitle


class RecordOutcome(EventCommand):
    """The outcome of a call-in or a pop-up case discussion; it concludes the activity."""

    outcome: Text
    assured: bool | None = None
    actions: Actions = []


class ShowPlanner(Command):
    """Ask for the planner of a period: planned, held and slipped, month by month."""

    request_id: UUID | None = None
    start: Month
    months: Annotated[int, Field(ge=1, le=60)] = 12
    as_of: date | None = None
    format: Literal["json"] = "json"
