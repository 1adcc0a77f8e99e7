"""The independent scrutineer's workspace, kept in the reporting service's own records
(store `reporting_records`, published as the `reporting` service).

Streams: `scrutineer:{partnership}:{scrutineer_id}` (the register: appointments by
activity and period, conflicts of interest), `challenge:{partnership}:{challenge_id}`
(a challenge on a record, put to an agency or the business unit, its answers and its
closing), `recommendation:{partnership}:{recommendation_id}` (a recommendation, the
responses to it with their evidence, and the scrutineer's judgement: acted upon or
not) and `scrutineer-report:{partnership}:{year}` (the scrutineer's annual report:
signed off, published).

What a person types (a challenge, an answer, a recommendation, a response, a conflict
of interest, a note) is sealed (`shared.personal_data`) with the key of its own record
(the challenge, the recommendation, the scrutineer), so it can be erased on its own; a
scrutineer's name is sealed as a person's.
"""

from datetime import date
from typing import Annotated, Literal

from shared.catalogue.base import DomainEvent
from shared.catalogue.documents import DocumentRef
from shared.catalogue.personal import Personal
from shared.catalogue.registry import registered
from shared.catalogue.reporting import EvidenceCited

BUSINESS_UNIT = "business-unit"
"""`put_to` of a challenge put to the business unit (otherwise an agency's id)."""

ChallengeOutcome = Literal["resolved", "not-resolved", "withdrawn"]

# -- the register (stream scrutineer:{partnership}:{scrutineer_id}) ---------------------------


@registered
class ScrutineerAppointed(DomainEvent):
    """An independent scrutineer appointed to one of the profile's activities for a period
    (the first appointment enters them on the register)."""

    event_type = "ScrutineerAppointed"
    scrutineer_id: str
    name: Annotated[str, Personal()]  # a person's name, sealed
    appointment_id: str
    activity_id: str
    activity_name: str
    starts_on: date
    ends_on: date
    appointed_on: date


@registered
class ConflictOfInterestRecorded(DomainEvent):
    """A scrutineer's declared interest in an agency, partner or group of the profile: the
    scrutineer puts no challenge or recommendation to it."""

    event_type = "ConflictOfInterestRecorded"
    scrutineer_id: str
    conflict_id: str
    interest_in: str
    """Id of the profile's agency, statutory partner or group."""
    interest_in_name: str
    description: Annotated[str, Personal(subject="scrutineer_id")]
    declared_on: date


@registered
class AppointmentEnded(DomainEvent):
    event_type = "AppointmentEnded"
    scrutineer_id: str
    appointment_id: str
    ended_on: date
    reason: Annotated[str, Personal(subject="scrutineer_id")]


# -- challenges (stream challenge:{partnership}:{challenge_id}) -------------------------------


@registered
class ChallengeRaised(DomainEvent):
    """The scrutineer challenged a record (a Section 11 cycle, an agency's return, an
    assurance event, an audit, a review, a report), put to an agency or the business unit."""

    event_type = "ChallengeRaised"
    challenge_id: str
    scrutineer_id: str
    record: EvidenceCited
    """The record challenged, down to its newest event when the challenge was raised."""
    put_to: str
    """The agency's id, or `business-unit`."""
    agency_id: str | None = None
    """The agency it is put to (none: the business unit): the agency hears of it as an outcome."""
    text: Annotated[str, Personal(subject="challenge_id")]
    raised_on: date
    answer_by: date | None = None


@registered
class ChallengeAnswered(DomainEvent):
    event_type = "ChallengeAnswered"
    challenge_id: str
    put_to: str
    agency_id: str | None = None
    answer: Annotated[str, Personal(subject="challenge_id")]
    answered_by: Annotated[str, Personal()]  # a person's name or role, sealed
    answered_on: date
    documents: list[DocumentRef] = []


@registered
class ChallengeClosed(DomainEvent):
    event_type = "ChallengeClosed"
    challenge_id: str
    agency_id: str | None = None
    outcome: ChallengeOutcome
    note: Annotated[str, Personal(subject="challenge_id")] = ""
    closed_on: date


# -- recommendations (stream recommendation:{partnership}:{recommendation_id}) ----------------


@registered
class RecommendationMade(DomainEvent):
    """The scrutineer's recommendation to an agency, a partner, a group or the business unit."""

    event_type = "RecommendationMade"
    recommendation_id: str
    scrutineer_id: str
    made_to: str
    """Id of the profile's agency, statutory partner or group, or `business-unit`."""
    made_to_name: str
    agency_id: str | None = None
    """`made_to` when it is an agency: the agency hears of it as an outcome."""
    text: Annotated[str, Personal(subject="recommendation_id")]
    record: EvidenceCited | None = None
    made_on: date
    respond_by: date | None = None


@registered
class RecommendationResponded(DomainEvent):
    """What was done about a recommendation, with its evidence."""

    event_type = "RecommendationResponded"
    recommendation_id: str
    response: Annotated[str, Personal(subject="recommendation_id")]
    responded_on: date
    documents: list[DocumentRef] = []


@registered
class RecommendationJudged(DomainEvent):
    """The scrutineer's judgement of a recommendation: acted upon, or not (Kent's first
    tier-3 indicator counts those acted upon)."""

    event_type = "RecommendationJudged"
    recommendation_id: str
    acted_upon: bool
    note: Annotated[str, Personal(subject="recommendation_id")] = ""
    judged_on: date


# -- the scrutineer's annual report (stream scrutineer-report:{partnership}:{year}) ----------


@registered
class ScrutineerReportSignedOff(DomainEvent):
    """The scrutineer signed off their annual report of the year (April to March)."""

    event_type = "ScrutineerReportSignedOff"
    year: int
    scrutineer_id: str
    summary: Annotated[str, Personal(subject="scrutineer_id")]
    signed_off_on: date


@registered
class ScrutineerReportPublished(DomainEvent):
    event_type = "ScrutineerReportPublished"
    year: int
    published_on: date
    link: str | None = None
