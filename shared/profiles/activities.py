"""Scrutiny and assurance activities: their kinds, cadence, preparation
milestones, who leads and endorses them, where they report; and the planner.

Over 300 lines: an activity's parts (kind, cadence, milestones, who leads and endorses it,
where it reports, its planner entry) are one schema, validated against each other.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

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
    "risk_register",
    "other",
]
ActivityScope = Literal["partnership", "single_agency"]
ReviewType = Literal["cspr", "learning-review", "thematic-review"]
"""The reviews the platform records (the reviews service's review types)."""

ParticipantRole = Literal[
    "safeguarding_partner",  # a representative of one of the three statutory partners
    "independent_scrutineer",  # an Independent Scrutiny Officer / independent scrutineer
    "business_unit",  # the partnership's business unit or hub
    "young_inspectors",  # young people as scrutineers (never named)
    "agency",  # a representative of the agency under scrutiny or a contributing agency
    "peer_reviewer",  # a reviewer from another area (peer review)
]
"""Who may take which step of an assurance activity (commands carry one)."""

ActivitySubject = Literal["agency", "theme", "any"]
"""What a proposal must name: the agency under scrutiny, a theme, or either/none."""

ReportDistribution = Literal["subject_agency", "contributing_agencies", "partners"]

LearningHubPart = Literal[
    "newsletter", "forums", "children_and_families_views", "survey", "strategic_feedback"
]

# Defaults that follow from an activity's kind; a profile may override each.
# (subject, report_required, report_drafted_by, report_distribution, immediate_feedback)
_KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "agency_assurance_event": {
        "subject": "agency", "report_distribution": "subject_agency", "immediate_feedback": True,
    },
    "thematic_assurance_event": {
        "subject": "theme", "report_distribution": "contributing_agencies", "immediate_feedback": True,
    },
    "line_of_sight": {"subject": "theme"},
    "call_in": {"subject": "agency", "report_required": False},
    "pop_up_case_discussion": {"subject": "any", "report_required": False},
    "young_inspectors": {
        "subject": "agency", "report_drafted_by": "young_inspectors", "report_distribution": "subject_agency",
        "star_rating": {},
    },
    "peer_review": {"subject": "any"},
    "peer_challenge": {"subject": "agency"},
    "learning_hub": {"subject": "theme", "report_required": False},
    "learning_event": {"subject": "theme"},
}


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
    offset_months: int = Field(default=0, ge=0)
    """How many months into each cycle its occurrences fall, later than the even spread
    (an activity held "in the year after" another of the same two-year cadence: 12)."""

    @model_validator(mode="after")
    def _check(self) -> Cadence:
        if self.count == 0 and not self.as_required:
            raise ProfileConsistencyError(
                [(("count",), "count must be at least 1 unless as_required is true")]
            )
        if self.offset_months >= self.per_months:
            raise ProfileConsistencyError(
                [(("offset_months",), f"offset_months must be less than per_months ({self.per_months})")]
            )
        return self


class Milestone(Model):
    """A preparation step dated relative to the event: it must be done no later
    than ``days_before_event`` days (``unit``) before the event's date. Once that
    day has ended without it being recorded, the service raises it as missed."""

    id: Slug
    name: NonEmptyStr
    days_before_event: int = Field(ge=0)
    responsible: str = ""
    unit: Literal["calendar_days", "working_days"] = "calendar_days"
    condition: str = ""
    """When the step applies, in the framework's words (informational)."""


class StarRating(Model):
    """The scale of the star rating an agency is awarded (young inspectors)."""

    min_stars: int = Field(default=1, ge=0)
    max_stars: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _check(self) -> StarRating:
        if self.max_stars <= self.min_stars:
            raise ProfileConsistencyError([(("max_stars",), "max_stars must be above min_stars")])
        return self


class EvaluationQuestion(Model):
    """A question of a forum's evaluation, reported as the share who agreed."""

    id: Slug
    text: NonEmptyStr


class LearningHubRules(Model):
    """A learning hub cycle (e.g. Hertfordshire): learning out, frontline feedback
    in, strategic feedback back to practitioners."""

    parts: list[LearningHubPart] = Field(
        default_factory=lambda: ["newsletter", "forums", "survey", "strategic_feedback"]
    )
    forums_planned: int | None = Field(default=None, ge=1)
    evaluation_questions: list[EvaluationQuestion] = Field(default_factory=list)
    strategic_group: str | None = None
    """Group id of the strategic group that hears the feedback and answers practitioners."""

    @model_validator(mode="after")
    def _check(self) -> LearningHubRules:
        problems = Problems()
        problems.unique_ids("evaluation_questions", self.evaluation_questions)
        if len(set(self.parts)) != len(self.parts):
            problems.add(("parts",), "a part is listed twice")
        problems.raise_if_any()
        return self


class PeerReviewRules(Model):
    """How a peer review runs: agreed terms of reference, on-site days, its focus."""

    reciprocal: bool | None = None
    """True: reviews must be reciprocal; False: one-way; None: either."""
    days_on_site: int | None = Field(default=None, ge=1)
    """The expected days on site (a review records its actual days)."""
    terms_of_reference_required: bool = True
    focus: str = ""


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
    """Exactly this many pseudonymous cases are considered (line of sight: five)."""
    subject_partner_recused: bool = False
    """If the subject agency is a safeguarding partner, its representative stands aside."""
    # -- how the service runs it (defaults follow from `kind`) ---------------------
    subject: ActivitySubject = "any"
    report_required: bool = True
    """False: the activity closes on its recorded outcome (call-ins, pop-ups) or
    its cycle (learning hub) rather than on an agreed report."""
    report_drafted_by: ParticipantRole = "independent_scrutineer"
    report_agreed_by: list[str] | None = None
    """Statutory partner ids who agree the report for distribution; None: the endorsers.
    When nobody is named, the business unit records the agreement."""
    report_distribution: ReportDistribution = "partners"
    immediate_feedback: bool = False
    """Key highlights are fed back at the end of the event, before findings."""
    case_audits_before_panel: bool = False
    """Each case has a single-agency case audit recorded before the event is held."""
    star_rating: StarRating | None = None
    agency_may_decline: bool = False
    """The agency confirms (or declines) its take-up before the activity is scheduled."""
    learning_hub: LearningHubRules | None = None
    peer_review: PeerReviewRules | None = None
    review_types: list[ReviewType] | None = None
    """For a learning_review activity: the platform's reviews that are its work (cspr,
    learning-review, thematic-review), each type the work of one activity only; [] for
    reviews the platform does not hold (an agency's own). Unset: every type no other
    activity names (at most one learning_review activity may leave it unset)."""

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            defaults = _KIND_DEFAULTS.get(str(data.get("kind", "other")), {})
            data = {**defaults, **data}
            if data.get("kind") == "learning_hub" and "learning_hub" not in data:
                data["learning_hub"] = {}
            if data.get("kind") == "peer_review" and "peer_review" not in data:
                data["peer_review"] = {}
        return data

    @model_validator(mode="after")
    def _check(self) -> ActivityType:
        problems = Problems()
        problems.unique_ids("preparation", self.preparation)
        if self.scope == "single_agency" and self.agency is None:
            problems.add(("agency",), "a single_agency activity must name its agency")
        if self.case_audits_before_panel and self.cases_per_event is None:
            problems.add(("case_audits_before_panel",), "case audits need cases_per_event")
        problems.raise_if_any()
        return self

    def endorsers(self) -> list[str]:
        return list(self.endorsed_by)

    def report_agreers(self) -> list[str]:
        return list(self.endorsed_by if self.report_agreed_by is None else self.report_agreed_by)


class PlannerEntry(Model):
    month: Month
    activity: str
    note: str = ""


class PlannerPeriod(Model):
    """The period a profile's planner covers (e.g. November 2018 to October 2020).

    Its start month also starts each planner year, for periods beyond it, where
    the planner is laid out from the activities' cadence."""

    start: Month
    months: int = Field(default=12, ge=1)




def add_months(month: str, count: int) -> str:
    """``"2018-11"`` plus ``count`` months, as ``YYYY-MM``."""
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + mon - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def check_activity_references(profile: Any, problems: Problems) -> None:
    """Cross-checks of the activity rules against the rest of the profile
    (called by ``FrameworkProfile``'s validator)."""
    partner_ids = {p.id for p in profile.statutory_partners}
    group_ids = {g.id for g in profile.groups}
    for i, activity in enumerate(profile.activities):
        for j, partner in enumerate(activity.report_agreed_by or []):
            if partner not in partner_ids:
                problems.add(
                    ("activities", i, "report_agreed_by", j),
                    f"unknown statutory partner {partner!r} (known: {', '.join(sorted(partner_ids))})",
                )
        hub = activity.learning_hub
        if hub is not None and hub.strategic_group is not None and hub.strategic_group not in group_ids:
            problems.add(
                ("activities", i, "learning_hub", "strategic_group"),
                f"unknown group {hub.strategic_group!r}",
            )
    check_review_types(profile.activities, problems)
    period = profile.planner_period
    if period is not None:
        end = add_months(period.start, period.months - 1)
        for i, entry in enumerate(profile.planner):
            if not period.start <= entry.month <= end:
                problems.add(
                    ("planner", i, "month"),
                    f"{entry.month} is outside the planner period {period.start} to {end}",
                )


def check_review_types(activities: list[ActivityType], problems: Problems) -> None:
    """Each review type is the work of one activity, and only a learning_review activity has any."""
    claimed: dict[str, str] = {}
    unset = []
    for i, activity in enumerate(activities):
        if activity.review_types is None:
            if activity.kind == "learning_review":
                unset.append(activity.id)
            continue
        if activity.kind != "learning_review":
            problems.add(("activities", i, "review_types"), "only a learning_review activity has review types")
            continue
        for review_type in activity.review_types:
            if review_type in claimed:
                problems.add(
                    ("activities", i, "review_types"),
                    f"the {review_type} reviews are already the work of activity {claimed[review_type]!r}",
                )
            claimed.setdefault(review_type, activity.id)
    if len(unset) > 1:
        problems.add(
            ("activities",),
            f"two learning_review activities without review_types ({', '.join(unset)}): "
            "name the reviews (cspr, learning-review, thematic-review) that are each one's work",
        )


def review_activities(activities: list[ActivityType]) -> dict[str, str]:
    """Review type -> the id of the activity whose work it is (types no activity takes left out)."""
    named = {t: a.id for a in activities if a.review_types for t in a.review_types}
    rest = [a.id for a in activities if a.kind == "learning_review" and a.review_types is None]
    for review_type in get_args(ReviewType):
        if review_type not in named and len(rest) == 1:
            named[review_type] = rest[0]
    return named
