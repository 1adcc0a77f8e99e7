"""Framework profile schema (pydantic v2).

A *framework profile* encodes one partnership's published scrutiny and
assurance framework as configuration: its three statutory safeguarding
partners, the groups of its governance, the agencies with a duty under
Section 11 of the Children Act 2004, the Section 11 domains, standards and
rating scale, the catalogue of assurance activities, review timescales,
action rules, the annual planner and the independent scrutiny role.

The field names of these models are a contract used by the services; fields
may be added but not renamed. Every model is frozen and forbids unknown
fields, so a typo in a profile file is an error rather than a silent no-op.

Cross-references (a standard's domain, a planner entry's activity, an
activity's reporting group, ...) are checked by model validators. Problems
are raised together as a :class:`ProfileConsistencyError`, which carries the
exact field path of each problem relative to the model that found it, so a
loader can report ``section11.standards[3].domain: unknown domain ...``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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
    "PartnerRole",
    "PlannerEntry",
    "ProfileConsistencyError",
    "RatingLevel",
    "RatingScale",
    "ReviewTimescales",
    "Section11Rules",
    "Slug",
    "Standard",
    "StatutoryPartner",
    "format_loc",
]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]

PartnerRole = Literal["local_authority", "icb", "police"]
GroupKind = Literal[
    "board",  # the partnership board (e.g. Children's MARS Board)
    "executive",  # the safeguarding partners acting jointly / executive group
    "subgroup",  # a subgroup of the partnership
    "hub",  # a working hub / business unit (e.g. Innovation Hub)
    "panel",  # a panel or team that scrutinises (e.g. Young Inspectors)
    "forum",  # a practitioner forum or network
    "single_agency",  # a governance body inside one partner agency
    "other",
]
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

Loc = tuple[str | int, ...]


def format_loc(loc: Sequence[str | int]) -> str:
    """``("section11", "standards", 3, "domain")`` -> ``section11.standards[3].domain``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class ProfileConsistencyError(ValueError):
    """Cross-field problems found by a model validator.

    ``problems`` is a list of ``(loc, message)``; ``loc`` is relative to the
    model whose validator raised (pydantic reports that model's own location).
    """

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        self.problems: list[tuple[Loc, str]] = list(problems)
        super().__init__("; ".join(f"{format_loc(loc)}: {msg}" for loc, msg in self.problems))


class _Problems:
    """Collects problems inside a validator and raises them all at once."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, message: str) -> None:
        self.items.append((loc, message))

    def unique_ids(self, field: str, items: Sequence[object], attr: str = "id") -> None:
        counts = Counter(getattr(item, attr) for item in items)
        seen: set[object] = set()
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if counts[value] > 1 and value in seen:
                self.add((field, i, attr), f"duplicate {attr} {value!r}")
            seen.add(value)

    def raise_if_any(self) -> None:
        if self.items:
            raise ProfileConsistencyError(self.items)


def _known(values: Iterable[object]) -> str:
    vals = sorted(str(v) for v in values)
    return ", ".join(vals) if vals else "none defined"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------
# partners, groups, agencies
# --------------------------------------------------------------------------


class StatutoryPartner(_Model):
    """One of the three safeguarding partners (Children Act 2004 s.16E)."""

    id: Slug
    name: NonEmptyStr
    role: PartnerRole


class Group(_Model):
    """A governance group: the board, the executive, a subgroup, a hub, ..."""

    id: Slug
    name: NonEmptyStr
    kind: GroupKind
    purpose: str = ""


class Agency(_Model):
    """An agency or organisation with a duty under Section 11.

    ``statutory_partner`` names the partner id when the agency *is* one of
    the three safeguarding partners. ``part_of`` names the parent agency for
    a service of a larger organisation (e.g. a council's housing service).
    """

    id: Slug
    name: NonEmptyStr
    category: NonEmptyStr
    statutory_partner: str | None = None
    part_of: str | None = None
    notes: str = ""


# --------------------------------------------------------------------------
# Section 11
# --------------------------------------------------------------------------


class Domain(_Model):
    id: Slug
    name: NonEmptyStr
    bespoke: bool = False
    description: str = ""


class Standard(_Model):
    id: Slug
    domain: str
    text: NonEmptyStr


class RatingLevel(_Model):
    value: int
    label: NonEmptyStr
    rag: Literal["red", "amber", "green"]


class RatingScale(_Model):
    """Rating levels ordered from worst to best (strictly increasing values)."""

    levels: list[RatingLevel] = Field(min_length=2)

    @model_validator(mode="after")
    def _check_levels(self) -> RatingScale:
        problems = _Problems()
        problems.unique_ids("levels", self.levels, "value")
        problems.unique_ids("levels", self.levels, "label")
        for i in range(1, len(self.levels)):
            prev, cur = self.levels[i - 1], self.levels[i]
            if cur.value < prev.value:
                problems.add(
                    ("levels", i, "value"),
                    f"levels must be ordered from worst to best with increasing values; "
                    f"{cur.value} comes after {prev.value}",
                )
        problems.raise_if_any()
        return self

    @property
    def values(self) -> list[int]:
        return [level.value for level in self.levels]

    @property
    def worst(self) -> RatingLevel:
        return self.levels[0]

    @property
    def best(self) -> RatingLevel:
        return self.levels[-1]

    def level(self, value: int) -> RatingLevel:
        """The level with this value; KeyError if the value is not on the scale."""
        for level in self.levels:
            if level.value == value:
                return level
        raise KeyError(f"{value} is not on the rating scale ({_known(self.values)})")

    def __contains__(self, value: object) -> bool:
        return any(level.value == value for level in self.levels)


class Section11Rules(_Model):
    """How the Section 11 self-assessment runs and how ratings become risk."""

    cadence_months: int = Field(ge=1)
    domains: list[Domain] = Field(min_length=1)
    standards: list[Standard]
    rating_scale: RatingScale
    risk_threshold: int
    """A domain whose rolled-up rating is at or below this value is a risk."""
    highest_risk: int
    """The rolled-up rating at (or below) which a call-in is proposed."""
    rollup: Literal["lowest", "mean_rounded_down", "median"]
    submission_window_days: int = Field(ge=1)
    reminder_days_before: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> Section11Rules:
        problems = _Problems()
        problems.unique_ids("domains", self.domains)
        problems.unique_ids("standards", self.standards)
        domain_ids = {d.id for d in self.domains}
        for i, standard in enumerate(self.standards):
            if standard.domain not in domain_ids:
                problems.add(
                    ("standards", i, "domain"),
                    f"unknown domain {standard.domain!r} (known: {_known(domain_ids)})",
                )
        scale = self.rating_scale
        for field in ("risk_threshold", "highest_risk"):
            value = getattr(self, field)
            if value not in scale:
                problems.add(
                    (field,),
                    f"{value} is not a value on the rating scale ({_known(scale.values)})",
                )
        if (
            self.highest_risk in scale
            and self.risk_threshold in scale
            and self.highest_risk > self.risk_threshold
        ):
            problems.add(
                ("highest_risk",),
                f"highest_risk ({self.highest_risk}) must be at or below "
                f"risk_threshold ({self.risk_threshold})",
            )
        seen: set[int] = set()
        for i, days in enumerate(self.reminder_days_before):
            if days < 1:
                problems.add(("reminder_days_before", i), f"must be at least 1 (got {days})")
            elif days >= self.submission_window_days:
                problems.add(
                    ("reminder_days_before", i),
                    f"{days} days is not inside the submission window "
                    f"({self.submission_window_days} days)",
                )
            if days in seen:
                problems.add(("reminder_days_before", i), f"duplicate reminder {days}")
            seen.add(days)
        problems.raise_if_any()
        return self

    def standards_for(self, domain_id: str) -> list[Standard]:
        return [s for s in self.standards if s.domain == domain_id]

    def is_risk(self, rating: int) -> bool:
        return rating <= self.risk_threshold

    def proposes_call_in(self, rating: int) -> bool:
        return rating <= self.highest_risk


# --------------------------------------------------------------------------
# assurance activities
# --------------------------------------------------------------------------


class Cadence(_Model):
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


class Milestone(_Model):
    """A preparation step dated relative to the event."""

    id: Slug
    name: NonEmptyStr
    days_before_event: int = Field(ge=0)
    responsible: str = ""


class ActivityType(_Model):
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
        problems = _Problems()
        problems.unique_ids("preparation", self.preparation)
        if self.scope == "single_agency" and self.agency is None:
            problems.add(("agency",), "a single_agency activity must name its agency")
        problems.raise_if_any()
        return self


# --------------------------------------------------------------------------
# reviews, actions, planner, independent scrutiny
# --------------------------------------------------------------------------


class ReviewTimescales(_Model):
    serious_incident_notification_working_days: int = Field(default=5, ge=1)
    rapid_review_days: int = Field(default=15, ge=1)
    rapid_review_unit: Literal["working_days", "calendar_days"] = "working_days"
    cspr_months: int = Field(default=6, ge=1)
    rapid_review_decision_signed_off_by_scrutineer: bool
    cspr_signed_off_by: Literal["executive", "scrutineer"]


class ActionRules(_Model):
    reminder_days_before: int = Field(ge=0)
    signed_off_by: str
    """Group id of the group that signs off action plans."""
    monitored_by: str | None = None
    """Group id of the group that monitors action plans until completion."""


class PlannerEntry(_Model):
    month: Month
    activity: str
    note: str = ""


class IndependentScrutiny(_Model):
    title: NonEmptyStr
    duties: list[NonEmptyStr] = Field(min_length=1)
    contributes_to: list[str] = Field(default_factory=list)
    """Activity ids that the independent scrutineer leads or contributes to."""
    pool: bool = False
    """True when a pool of scrutineers is used rather than a single person."""


# --------------------------------------------------------------------------
# the profile
# --------------------------------------------------------------------------


class FrameworkProfile(_Model):
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
    independent_scrutiny: IndependentScrutiny

    @model_validator(mode="after")
    def _check_references(self) -> FrameworkProfile:
        problems = _Problems()
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
                        f"unknown statutory partner {sp!r} (known: {_known(partner_ids)})",
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
                    f"unknown group {activity.reports_to!r} (known: {_known(group_ids)})",
                )
            if activity.agency is not None and activity.agency not in agency_ids:
                problems.add(("activities", i, "agency"), f"unknown agency {activity.agency!r}")

        for i, entry in enumerate(self.planner):
            if entry.activity not in activity_ids:
                problems.add(
                    ("planner", i, "activity"),
                    f"unknown activity {entry.activity!r} (known: {_known(activity_ids)})",
                )

        for field in ("signed_off_by", "monitored_by"):
            group = getattr(self.actions, field)
            if group is not None and group not in group_ids:
                problems.add(
                    ("actions", field), f"unknown group {group!r} (known: {_known(group_ids)})"
                )

        for i, activity_id in enumerate(self.independent_scrutiny.contributes_to):
            if activity_id not in activity_ids:
                problems.add(
                    ("independent_scrutiny", "contributes_to", i),
                    f"unknown activity {activity_id!r}",
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
        return _by_id(self.groups, group_id)

    def agency(self, agency_id: str) -> Agency:
        return _by_id(self.agencies, agency_id)

    def activity(self, activity_id: str) -> ActivityType:
        return _by_id(self.activities, activity_id)

    def domain(self, domain_id: str) -> Domain:
        return _by_id(self.section11.domains, domain_id)


_T = TypeVar("_T")


def _by_id(items: Sequence[_T], item_id: str) -> _T:
    for item in items:
        if getattr(item, "id", None) == item_id:
            return item
    raise KeyError(item_id)
