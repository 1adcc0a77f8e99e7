"""Scrutiny and assurance activities: their kinds, cadence, preparation
milestones, who leads and endorses them, where they report; and the planner."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Model, Month, NonEmptyStr, Problems, ProfileConsistencyError, Slug

ActivityKind = Literal[
    "section11",
    "call_in",
    "peer_challenge",
    "agency_assurance_event",
    "thematic_assurance_event",
    "line_of_sight",
    "pop_up_case_discussion",
    "young_inspectors",
    "peer_review",
    "multi_agency_audit",
    "learning_review",
    "action_plan",
    "learning_event",
    "learning_hub",
    "family_feedback",
    "data_dashboard",
    "exception_report",
    "annual_report",
    "scrutineer_report",
    "single_agency_scrutiny",
    "other",
]
ActivityScope = Literal["partnership", "single_agency"]


class Cadence(Model):
    """How often an activity happens: ``count`` times every ``per_months``.

    ``per_agency`` means the count applies to each Section 11 agency (one
    agency-specific event per agency over 24 months). ``as_required`` marks
    activities that are called when needed (call-ins, pop-up discussions);
    their ``count`` may be 0.
    """

    count: int = Field(ge=0)
    per_months: int = Field(ge=1)
    per_agency: bool = False
    as_required: bool = False

    @model_validator(mode="after")
    def _check(self) -> Cadence:
        if self.count == 0 and not self.as_required:
            raise ProfileConsistencyError(
                [(("count",), "count must be at least 1 unless as_required is true")]
            )
        return self


class Milestone(Model):
    """A preparation step dated relative to the event."""

    id: Slug
    name: NonEmptyStr
    days_before_event: int = Field(ge=0)
    responsible: str = ""


class ActivityType(Model):
    id: Slug
    name: NonEmptyStr
    kind: ActivityKind = "other"
    scope: ActivityScope = "partnership"
    agency: str | None = None
    """For single-agency activities: the agency id that runs it."""
    description: str
    cadence: Cadence
    condition: str = ""
    """A precondition for the cadence (e.g. 'if a reciprocal model is implemented')."""
    lead_role: NonEmptyStr
    endorsed_by: list[str] = Field(default_factory=list)
    preparation: list[Milestone] = Field(default_factory=list)
    reports_to: str
    dissemination: str = ""
    outcome: str = ""
    cases_per_event: int | None = Field(default=None, ge=1)
    subject_partner_recused: bool = False
    """If the subject agency is a safeguarding partner, its representative stands aside."""

    @model_validator(mode="after")
    def _check(self) -> ActivityType:
        problems = Problems()
        problems.unique_ids("preparation", self.preparation)
        if self.scope == "single_agency" and self.agency is None:
            problems.add(("agency",), "a single_agency activity must name its agency")
        problems.raise_if_any()
        return self


class PlannerEntry(Model):
    month: Month
    activity: str
    note: str = ""


