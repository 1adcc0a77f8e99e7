"""Commands on serious incidents and their rapid reviews."""

from datetime import date
from typing import Literal
from uuid import UUID

from services.reviews.domain.commands.base import CaseRef, Command, Reason, ShortText, SlugStr, Text
from shared.catalogue.reviews import DueDateChange, Outcome, Recipient


class RecordSeriousIncident(Command):
    """The local authority became aware of a serious incident (and perhaps told the national panel already)."""

    request_id: UUID
    incident_id: SlugStr
    case_ref: CaseRef
    aware_on: date
    child_looked_after: bool
    panel_notified_on: date | None = None
    recorded_by: ShortText


class RecordIncidentNotification(Command):
    """The national panel (or, for a looked-after child, Ofsted or the Secretary of State) was told."""

    request_id: UUID
    incident_id: SlugStr
    recipient: Recipient
    notified_on: date
    recorded_by: ShortText


class ChangeRapidReviewDueDate(Command):
    """Extend or override the rapid review's due date; the reason is recorded with it."""

    request_id: UUID
    incident_id: SlugStr
    change: DueDateChange
    due_on: date
    reason: Reason
    agreed_by: ShortText


class RequestAgencyInformation(Command):
    request_id: UUID
    incident_id: SlugStr
    information_request_id: SlugStr
    agency_id: SlugStr
    requested: Text
    due_on: date | None = None
    """Without one, the profile's `information_request_working_days` from today."""


class ProvideAgencyInformation(Command):
    """An agency answers an information request (sent on its own agency subject)."""

    request_id: UUID
    incident_id: SlugStr
    information_request_id: SlugStr
    agency_id: SlugStr
    summary: Text
    provided_on: date


class DecideRapidReview(Command):
    request_id: UUID
    incident_id: SlugStr
    outcome: Outcome
    rationale: Reason
    decided_on: date
    decided_by: ShortText


class RecordNationalPanelResponse(Command):
    """The Child Safeguarding Practice Review Panel's response to the rapid review's decision:
    whether it endorsed it (where the profile asks, a local CSPR waits for its endorsement)."""

    request_id: UUID
    incident_id: SlugStr
    endorsed: bool
    responded_on: date
    note: str = ""


class SignOffRapidReviewDecision(Command):
    """The independent scrutineer signs off the decision (where the profile asks for it)."""

    request_id: UUID
    incident_id: SlugStr
    signed_off_by: ShortText
    signed_off_on: date
    comments: str = ""
    role: Literal["scrutineer"] = "scrutineer"
