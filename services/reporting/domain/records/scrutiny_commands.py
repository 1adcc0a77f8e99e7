"""Commands of the independent scrutineer's workspace: the register of scrutineers and
their appointments (the business unit's), challenges on any record (raised and closed by
the scrutineer, answered by whom they are put to), recommendations tracked to "acted
upon", and the scrutineer's annual report."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from services.reporting.domain.records.commands import Command, Person, SlugStr, Text
from shared.catalogue.documents import DocumentRef

RecordId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9:-]*$", max_length=160)]
"""A record's id; an agency's return is `{agency}:{cycle}`, a yearly report `{report}:{year}` or `{year}`."""
RecordKind = Literal[
    "s11-cycle", "s11-return", "assurance-event", "audit-round", "review", "incident", "action", "impact",
    "yearly-report", "risk",
]
Year = Annotated[int, Field(ge=2000, le=2100)]


# -- the register ----------------------------------------------------------------------------


class AppointScrutineer(Command):
    """Appoint an independent scrutineer to one of the profile's activities for a period; the
    first appointment enters them on the register (their name is needed then)."""

    scrutineer_id: SlugStr
    name: Person | None = Field(default=None, description="Their name (needed on their first appointment)")
    appointment_id: SlugStr
    activity_id: SlugStr = Field(description="The profile's activity they scrutinise")
    starts_on: date
    ends_on: date


class RecordConflictOfInterest(Command):
    """Record a scrutineer's declared interest in an agency, partner or group: they then put
    no challenge or recommendation to it."""

    scrutineer_id: SlugStr
    conflict_id: SlugStr
    interest_in: SlugStr = Field(description="Id of the agency, statutory partner or group")
    description: Text
    declared_on: date


class EndAppointment(Command):
    """End a scrutineer's appointment before (or on) the end of its period."""

    scrutineer_id: SlugStr
    appointment_id: SlugStr
    ended_on: date
    reason: Text


# -- challenges ------------------------------------------------------------------------------


class RaiseChallenge(Command):
    """The scrutineer challenges or comments on a record (a Section 11 cycle, an agency's
    return, an assurance event, an audit, a review, a report), put to an agency or to the
    business unit to answer."""

    challenge_id: SlugStr
    scrutineer_id: SlugStr = Field(description="The scrutineer raising it, as on the register")
    record_kind: RecordKind
    record_id: RecordId
    put_to: SlugStr = Field(description="The agency's id, or business-unit")
    text: Text
    raised_on: date
    answer_by: date | None = None


class AnswerChallenge(Command):
    """Answer a challenge put to you: an agency answers as itself, the business unit the
    challenges put to it."""

    challenge_id: SlugStr
    agency_id: SlugStr | None = Field(default=None, description="The agency answering (none: the business unit)")
    answer: Text
    answered_by: Person
    answered_on: date
    documents: list[DocumentRef] = Field(default_factory=list, max_length=10, description="Documents kept as evidence")


class CloseChallenge(Command):
    """The scrutineer closes a challenge: resolved, not resolved, or withdrawn."""

    challenge_id: SlugStr
    outcome: Literal["resolved", "not-resolved", "withdrawn"]
    note: str = Field(default="", max_length=4000)
    closed_on: date


# -- recommendations -------------------------------------------------------------------------


class MakeRecommendation(Command):
    """The scrutineer's recommendation to an agency, partner, group or the business unit,
    optionally about a record."""

    recommendation_id: SlugStr
    scrutineer_id: SlugStr
    made_to: SlugStr = Field(description="Id of the agency, statutory partner or group, or business-unit")
    text: Text
    record_kind: RecordKind | None = None
    record_id: RecordId | None = None
    made_on: date
    respond_by: date | None = None


class RecordRecommendationResponse(Command):
    """Record what was done about a recommendation, with its evidence."""

    recommendation_id: SlugStr
    response: Text
    responded_on: date
    documents: list[DocumentRef] = Field(default_factory=list, max_length=10, description="Documents kept as evidence")


class JudgeRecommendation(Command):
    """The scrutineer judges a recommendation acted upon, or not (after a response, for acted upon)."""

    recommendation_id: SlugStr
    acted_upon: bool
    note: str = Field(default="", max_length=4000)
    judged_on: date


# -- the scrutineer's annual report ----------------------------------------------------------


class SignOffScrutineerReport(Command):
    """The scrutineer signs off their annual report of the year (April to March), drawn from
    the register, the challenges and the recommendations."""

    year: Year = Field(description="The year it starts in (2026 for April 2026 to March 2027)")
    scrutineer_id: SlugStr
    summary: Text
    signed_off_on: date


class PublishScrutineerReport(Command):
    """Record the scrutineer's annual report published (after their sign-off)."""

    year: Year
    published_on: date
    link: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=500)
