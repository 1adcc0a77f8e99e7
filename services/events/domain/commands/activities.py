"""Commands of the steps particular to one kind of activity: line of sight cases,
young inspectors, the learning hub, peer review terms, and call-ins from Section 11."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from services.events.domain.commands.base import (
    Actions,
    CaseRef,
    Command,
    Count,
    EventCommand,
    Item,
    Items,
    Percent,
    RoleTitle,
    Slug,
    Text,
)

Agencies = Annotated[list[Slug], Field(max_length=30)]
Roles = Annotated[list[RoleTitle], Field(min_length=1, max_length=30)]

# -- line of sight and pop-up case discussions ------------------------------------------


class SelectCase(EventCommand):
    case_ref: CaseRef
    agencies_involved: Agencies = []


class RecordCaseAudit(EventCommand):
    case_ref: CaseRef
    agency_id: Slug
    auditor_role: RoleTitle
    summary: Text


class RecordPractitionersMet(EventCommand):
    case_ref: CaseRef
    practitioner_roles: Roles
    agencies: Agencies = []


# -- young inspectors -------------------------------------------------------------------


class AnswerInspectionOffer(EventCommand):
    """The agency takes up (or declines) a young inspectors visit it was targeted for.

    Sent by the agency on its own subject: `agency_id` must be the subject's agency."""

    agency_id: Slug
    accepted: bool
    reason: Text | None = None


class RecordDesktopReview(EventCommand):
    completed_on: date
    covered: Annotated[list[Item], Field(min_length=1, max_length=20)]
    observations: Items = []


class RecordInspectionSurveys(EventCommand):
    staff_responses: Count
    service_user_responses: Count


# -- learning hub -----------------------------------------------------------------------


class IssueNewsletter(EventCommand):
    issued_on: date
    pages: Annotated[int, Field(ge=1, le=200)]
    sections: Items = []
    contributors: Items = []
    distributed_to: Items = []


class RecordLearningForum(EventCommand):
    forum: Annotated[str, Field(min_length=1, max_length=120)]
    held_on: date
    attendance: Count
    waiting_list: bool = False


class RecordChildrenAndFamiliesViews(EventCommand):
    gathered_on: date
    young_people: Count
    method: Annotated[str, Field(min_length=1, max_length=200)]
    themes: Items = []


class SendPractitionerSurvey(EventCommand):
    sent_on: date
    recipients: Annotated[int, Field(ge=1, le=1_000_000)]


class RecordSurveyResponses(EventCommand):
    responses: Count


class RecordForumEvaluation(EventCommand):
    completed_percent: Percent | None = None
    agreed_percent: Annotated[dict[Slug, Percent], Field(min_length=1, max_length=30)]


class PresentStrategicFeedback(EventCommand):
    group_id: Slug | None = None
    presented_on: date
    summary: Text


class FeedBackToPractitioners(EventCommand):
    """The strategic group tells practitioners what was done; it closes the cycle."""

    fed_back_on: date
    actions_taken: Annotated[list[Item], Field(min_length=1, max_length=30)]
    actions: Actions = []


# -- peer review ------------------------------------------------------------------------


class AgreeTermsOfReference(EventCommand):
    scope: Text
    reciprocal: bool
    direction: Literal["received", "given"]
    peer_area: Annotated[str, Field(min_length=1, max_length=200)]
    days_on_site: Annotated[int, Field(ge=1, le=30)] | None = None
    team_roles: Annotated[list[RoleTitle], Field(max_length=30)] = []


# -- call-ins from Section 11 -----------------------------------------------------------


class ProposeCallIn(Command):
    """Built from a Section 11 CallInProposed (not sent over NATS)."""

    agency_id: str
    cycle_id: str
    domain_id: str
    rating: int
    reason: str
    source_event_id: str
