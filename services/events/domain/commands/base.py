"""What every command of the assurance events service shares: frozen, no unknown
fields, a request id chosen by the sender, and the field types they are built from."""

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.profiles.activities import ParticipantRole

SLUG = r"^[a-z0-9][a-z0-9-]*$"

Slug = Annotated[str, Field(pattern=SLUG, max_length=80)]
# Short enough that the ids derived from it (actions "<id>-a<n>") stay within 80 characters.
EventId = Annotated[str, Field(pattern=SLUG, max_length=64)]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
# Pseudonymous case references only: "case-" and a short code, never a name.
CaseRef = Annotated[str, Field(pattern=r"^case-[a-z0-9]{3,12}$")]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Item = Annotated[str, Field(min_length=1, max_length=500)]
Items = Annotated[list[Item], Field(max_length=50)]
RoleTitle = Annotated[str, Field(min_length=1, max_length=120)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Percent = Annotated[float, Field(ge=0, le=100)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventCommand(Command):
    """A command about one assurance event."""

    request_id: UUID
    assurance_event_id: EventId


class PartnerCommand(EventCommand):
    """A step taken by a statutory partner, recorded by the business unit."""

    partner_id: Slug
    role: ParticipantRole = "safeguarding_partner"
    representative: RoleTitle
    """The representative's role (e.g. "Director of Children's Services"), never a name."""


class ActionSpec(Command):
    """A specific action agreed at the event; its id is derived from the event's."""

    title: Annotated[str, Field(min_length=1, max_length=300)]
    owner_agency_id: Slug
    due_on: date


class PanelMemberSpec(Command):
    role: ParticipantRole
    title: RoleTitle
    partner_id: Slug | None = None
    agency_id: Slug | None = None


Actions = Annotated[list[ActionSpec], Field(max_length=30)]


class ConcludeAssuranceEvent(Command):
    """Record that an assurance activity was held and its report agreed (the shortcut
    for an activity recorded after the fact; the full lifecycle uses the other commands)."""

    request_id: UUID
    assurance_event_id: Slug
    activity_type: Slug
    title: Title
    held_on: date
    agency_id: str | None = None
    theme: str | None = Field(default=None, max_length=120)
    strengths: list[str] = []
    areas_for_development: list[str] = []
    recorded_by: RoleTitle
