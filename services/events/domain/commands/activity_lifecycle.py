"""Commands of the lifecycle every other activity of a profile runs (the kinds that are
neither one of the nine assurance-event kinds nor run by another service): plan an
occurrence, hold it, slip it or record it missed, receive its output, present it to its
group, disseminate its learning."""

from datetime import date
from typing import Annotated

from pydantic import Field

from services.events.domain.commands.base import (
    Actions,
    EventCommand,
    Item,
    Items,
    RoleTitle,
    Slug,
    Text,
    Title,
)
from shared.catalogue.activities import DisseminationMethod, OutputKind
from shared.catalogue.documents import DocumentRef

Figures = Annotated[dict[Slug, float], Field(max_length=50)]


class PlanActivity(EventCommand):
    """Plan an occurrence of one of the profile's activities: the day it is due; its owner
    and the group it reports to are the profile's unless named here."""

    activity_type: Slug
    due_on: date
    title: Title | None = None
    owner: RoleTitle | None = None
    reports_to: Slug | None = None
    agency_id: Slug | None = None
    theme: Annotated[str, Field(min_length=1, max_length=120)] | None = None


class HoldActivity(EventCommand):
    """Record that a planned activity took place (a meeting, a visit, calls made, figures produced)."""

    held_on: date
    led_by: RoleTitle | None = None


class SlipActivity(EventCommand):
    """Record that a planned activity did not happen when due, the day it moves to and why."""

    to_date: date
    reason: Text


class MissActivity(EventCommand):
    """Record that a planned activity did not happen and will not this time, and why."""

    reason: Text


class ReceiveActivityOutput(EventCommand):
    """Record the activity's output as received: a report, figures, a document."""

    output: OutputKind
    received_on: date
    summary: Text | None = None
    figures: Figures = {}
    document: DocumentRef | None = None


class PresentActivity(EventCommand):
    """Record the activity presented to the group it reports to (by whom, its assurance level,
    its key messages and the actions the group raised); this concludes it."""

    presented_on: date
    presented_by: RoleTitle
    group_id: Slug | None = None
    assurance_level: Slug | None = None
    key_messages: Items = []
    actions: Actions = []


class DisseminateActivity(EventCommand):
    """Record an activity's learning disseminated: how, to whom (the profile's audiences unless
    named), when, how many it reached and the feedback."""

    method: DisseminationMethod
    disseminated_on: date
    audiences: Annotated[list[Item], Field(max_length=20)] = []
    reached: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    feedback: Text | None = None
