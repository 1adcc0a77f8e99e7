"""The lifecycle every other activity of a profile runs, in the assurance events
service's streams (`assurance-event:{partnership}:{id}`, one stream per occurrence):
planned (from its cadence, owner and group) → due → held, slipped (with a reason) or
missed → its output received (a report, figures, a document) → presented to the group
it reports to → disseminated to the audiences the profile names; actions raised from it
are `ActionAgreed` (the reviews service puts them on the action plan), and presenting it
concludes it (`AssuranceEventConcluded`), as the richer kinds' agreed report does.

Free text a person types (a reason, a summary, key messages, feedback) is sealed
(`shared.personal_data`) with the key of the occurrence itself, so erasing it erases
what was said about it and nothing else.
"""

from datetime import date
from typing import Annotated, Literal

from shared.catalogue.base import DomainEvent
from shared.catalogue.documents import DocumentRef
from shared.catalogue.personal import Personal
from shared.catalogue.registry import registered

Sealed = Annotated[str, Personal(subject="assurance_event_id")]
SealedList = Annotated[list[str], Personal(subject="assurance_event_id")]

OutputKind = Literal["report", "figures", "document", "minutes", "plan"]
DisseminationMethod = Literal["bulletin", "briefing", "training", "learning_event", "publication", "newsletter", "email", "other"]


@registered
class ActivityPlanned(DomainEvent):
    """An occurrence of a profile's activity is planned: due on a day, owned by a role,
    reporting to a group (all three from the profile unless the business unit chose)."""

    event_type = "ActivityPlanned"
    assurance_event_id: str
    activity_type: str
    kind: str
    title: str
    due_on: date
    owner: str
    reports_to: str
    agency_id: str | None = None
    theme: str | None = None
    audiences: list[str] = []
    """Who the profile says its learning is disseminated to (its words)."""


@registered
class ActivitySlipped(DomainEvent):
    """It did not happen when due: moved to a new day, with the reason."""

    event_type = "ActivitySlipped"
    assurance_event_id: str
    from_date: date
    to_date: date
    reason: Sealed


@registered
class ActivityMissed(DomainEvent):
    """It did not happen this time and will not: closed as missed, with the reason."""

    event_type = "ActivityMissed"
    assurance_event_id: str
    due_on: date
    reason: Sealed


@registered
class ActivityHeld(DomainEvent):
    """It took place (a meeting, a visit, calls made, a dashboard produced) on a day."""

    event_type = "ActivityHeld"
    assurance_event_id: str
    held_on: date
    led_by: str


@registered
class ActivityOutputReceived(DomainEvent):
    """Its output came in: a report, figures, a document (kept in the document store)."""

    event_type = "ActivityOutputReceived"
    assurance_event_id: str
    output: OutputKind
    received_on: date
    summary: Sealed = ""
    figures: dict[str, float] = {}
    document: DocumentRef | None = None


@registered
class ActivityPresented(DomainEvent):
    """Its output was presented to the group it reports to: by whom, when, the assurance
    it gave (a level of the profile's scale, if rated) and its key messages."""

    event_type = "ActivityPresented"
    assurance_event_id: str
    group_id: str
    presented_on: date
    presented_by: str
    assurance_level: str | None = None
    key_messages: SealedList = []


@registered
class ActivityDisseminated(DomainEvent):
    """Its learning went out: how, to whom, on which day, with attendance and feedback."""

    event_type = "ActivityDisseminated"
    assurance_event_id: str
    method: DisseminationMethod
    audiences: list[str]
    disseminated_on: date
    reached: int | None = None
    feedback: Sealed = ""
