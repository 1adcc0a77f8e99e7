"""Framework profile schema (pydantic v2): the whole profile, assembled from its parts.

A *framework profile* encodes one partnership's published scrutiny and
assurance framework as configuration: its three statutory safeguarding
partners, the groups of its governance, the agencies with a duty under
Section 11 of the Children Act 2004, the Section 11 domains, standards and
rating scale, the catalogue of assurance activities, review timescales,
action rules, the annual planner and the independent scrutiny role.

The field names of these models are a contract used by the services; fields
may be added but not renamed. Every model is frozen and forbids unknown
fields, so a typo in a profile file is an error rather than a silent no-op.
Each part lives in its own module (governance, section11, activities,
reviews); this module checks the references between them.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .activities import (
    ActivityKind,
    ActivityScope,
    ActivityType,
    Cadence,
    Milestone,
    PlannerEntry,
    PlannerPeriod,
    check_activity_references,
    review_activities,
)
from .base import (
    Loc,
    Model,
    NonEmptyStr,
    Problems,
    ProfileConsistencyError,
    Slug,
    by_id,
    format_loc,
    known,
)
from .governance import (
    Agency,
    Group,
    GroupKind,
    IndependentScrutiny,
    PartnerRole,
    StatutoryPartner,
)
from .notifications import Notifications
from .reporting import Reporting
from .reviews import ActionRules, ReviewTimescales
from .section11 import Domain, RatingLevel, RatingScale, Section11Rules, Standard

__all__ = [
    "ActionRules",
    "ActivityKind",
    "ActivityScope",
    "ActivityType",
    "Agency",
    "Cadence",
    "Domain",
    "FrameworkProfile",
    "Group",
    "GroupKind",
    "IndependentScrutiny",
    "Loc",
    "Milestone",
    "Notifications",
    "PartnerRole",
    "PlannerEntry",
    "ProfileConsistencyError",
    "RatingLevel",
    "RatingScale",
    "Reporting",
    "ReviewTimescales",
    "Section11Rules",
    "Slug",
    "Standard",
    "StatutoryPartner",
    "format_loc",
]


class FrameworkProfile(Model):
    id: Slug
    name: NonEmptyStr
    source: NonEmptyStr
    version: str = ""
    assurance_lead: str = ""
    statutory_partners: list[StatutoryPartner] = Field(min_length=3, max_length=3)
    groups: list[Group] = Field(min_length=1)
    agencies: list[Agency] = Field(min_length=1)
    section11: Section11Rules
    activities: list[ActivityType] = Field(min_length=1)
    reviews: ReviewTimescales
    actions: ActionRules
    planner: list[PlannerEntry] = Field(default_factory=list)
    planner_note: str = ""
    planner_period: PlannerPeriod | None = None
    independent_scrutiny: IndependentScrutiny
    reporting: Reporting = Field(default_factory=Reporting)
    """Tiers, indicators, evidence, rolling reports, templates, yearly report (reporting.py)."""
    notifications: Notifications = Field(default_factory=Notifications)
    """Who is told of what, where the platform's defaults do not fit (notifications.py)."""

    @model_validator(mode="after")
    def _check_references(self) -> FrameworkProfile:
        problems = Problems()
        problems.unique_ids("statutory_partners", self.statutory_partners)
        problems.unique_ids("statutory_partners", self.statutory_partners, "role")
        problems.unique_ids("groups", self.groups)
        problems.unique_ids("agencies", self.agencies)
        problems.unique_ids("activities", self.activities)

        partner_ids = {p.id for p in self.statutory_partners}
        group_ids = {g.id for g in self.groups}
        agency_ids = {a.id for a in self.agencies}
        activity_ids = {a.id for a in self.activities}

        claimed: dict[str, int] = {}
        for i, agency in enumerate(self.agencies):
            sp = agency.statutory_partner
            if sp is not None:
                if sp not in partner_ids:
                    problems.add(
                        ("agencies", i, "statutory_partner"),
                        f"unknown statutory partner {sp!r} (known: {known(partner_ids)})",
                    )
                elif sp in claimed:
                    problems.add(
                        ("agencies", i, "statutory_partner"),
                        f"partner {sp!r} is already agencies[{claimed[sp]}]",
                    )
                else:
                    claimed[sp] = i
            if agency.part_of is not None:
                if agency.part_of not in agency_ids:
                    problems.add(("agencies", i, "part_of"), f"unknown agency {agency.part_of!r}")
                elif agency.part_of == agency.id:
                    problems.add(("agencies", i, "part_of"), "an agency cannot be part of itself")

        for i, activity in enumerate(self.activities):
            if activity.reports_to not in group_ids:
                problems.add(
                    ("activities", i, "reports_to"),
                    f"unknown group {activity.reports_to!r} (known: {known(group_ids)})",
                )
            if activity.agency is not None and activity.agency not in agency_ids:
                problems.add(("activities", i, "agency"), f"unknown agency {activity.agency!r}")

        for i, entry in enumerate(self.planner):
            if entry.activity not in activity_ids:
                problems.add(
                    ("planner", i, "activity"),
                    f"unknown activity {entry.activity!r} (known: {known(activity_ids)})",
                )

        check_activity_references(self, problems)

        highest = self.section11.highest_risk
        if highest is not None and not any(a.kind == "call_in" for a in self.activities):
            problems.add(
                ("section11", "highest_risk"),
                f"a call-in is proposed at or below {highest}, but the profile has no activity of kind call_in "
                "to propose; remove highest_risk (the worst-rated domains are then risks like the others) "
                "or add a call-in activity",
            )

        for field in ("signed_off_by", "monitored_by"):
            group = getattr(self.actions, field)
            if group is not None and group not in group_ids:
                problems.add(
                    ("actions", field), f"unknown group {group!r} (known: {known(group_ids)})"
                )

        for i, activity_id in enumerate(self.independent_scrutiny.contributes_to):
            if activity_id not in activity_ids:
                problems.add(
                    ("independent_scrutiny", "contributes_to", i),
                    f"unknown activity {activity_id!r}",
                )

        self.reporting.check_references(
            problems, groups=group_ids, activities=activity_ids, agencies=agency_ids
        )
        problems.raise_if_any()
        return self

    # -- convenience lookups ------------------------------------------------

    def partner(self, role: PartnerRole) -> StatutoryPartner:
        for p in self.statutory_partners:
            if p.role == role:
                return p
        raise KeyError(role)

    def group(self, group_id: str) -> Group:
        return by_id(self.groups, group_id)

    def agency(self, agency_id: str) -> Agency:
        return by_id(self.agencies, agency_id)

    def activity(self, activity_id: str) -> ActivityType:
        return by_id(self.activities, activity_id)

    def review_activity(self, review_type: str) -> str | None:
        """The id of the activity whose work a review of this type is, if any."""
        return review_activities(self.activities).get(review_type)

    def domain(self, domain_id: str) -> Domain:
        return by_id(self.section11.domains, domain_id)
