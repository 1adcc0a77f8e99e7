"""How a partnership knows, and tells, how safe children are: its assurance
tiers and their indicators, the elements and types of evidence it uses, its
rolling reports and the groups that receive them, its report templates, its
early-warning routes, the measures it keeps and the rules of its yearly report.

Everything here is optional (a profile with no ``reporting:`` section is
valid). References to the rest of the profile (groups, activities, agencies)
are checked by :meth:`Reporting.check_references`, which the whole profile's
validator calls; references inside this section are checked here. (Over 300 lines: one
section of the profile schema, kept whole so its own references are checked together.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .activities import Cadence
from .base import (
    Loc,
    Model,
    NonEmptyStr,
    Problems,
    ProfileConsistencyError,
    Slug,
    by_id,
)
from .performance import Performance, check_performance
from .reporting_checks import check_inside, check_references
from .scales import AssuranceLevel, RiskMatrix, default_assurance_levels

__all__ = [
    "EarlyWarning",
    "EvidenceElement",
    "EvidenceType",
    "ImpactLog",
    "Indicator",
    "InformationRequests",
    "Measure",
    "Objective",
    "Principle",
    "ReportTemplate",
    "Reporting",
    "RollingReport",
    "TemplateSection",
    "Theme",
    "Tier",
    "TierTool",
    "YearlyReport",
]

MonthOfYear = Annotated[int, Field(ge=1, le=12)]
ScrutineerPart = Literal["none", "reviews", "signs_off"]


class Principle(Model):
    """A principle that guides the whole framework (e.g. Kent's eight)."""

    id: Slug
    name: NonEmptyStr
    text: str = ""


class Objective(Model):
    """An objective the indicators are measured against (e.g. "Children are protected")."""

    id: Slug
    name: NonEmptyStr


class Indicator(Model):
    """A key indicator of one tier, typically worded "Extent to which ..."."""

    id: Slug
    text: NonEmptyStr
    objectives: list[str] = Field(default_factory=list)
    """Ids of the objectives (``reporting.objectives``) this indicator evidences."""
    figure: Literal["scrutineer-recommendations-acted-upon"] | None = None
    """A figure the platform counts that measures it, shown beside its rating:
    ``scrutineer-recommendations-acted-upon`` (the independent scrutineer's recommendations
    judged acted upon, of those made)."""


class TierTool(Model):
    """A scrutiny and assurance tool of a tier, and where it is reported."""

    id: Slug
    name: NonEmptyStr
    activity: str | None = None
    """Id of the activity that produces this tool, when the profile has one."""
    reported_to: list[str] = Field(default_factory=list)
    """Ids of the groups the tool is reported to, in the order the document gives them."""
    feeds: list[str] = Field(default_factory=list)
    """Ids of other tools (of any tier) this tool is reported into (e.g. a data dashboard)."""
    note: str = ""
    """Anything else the document says about the tool or its route."""

    @model_validator(mode="after")
    def _check(self) -> TierTool:
        if not self.reported_to and not self.feeds:
            raise ProfileConsistencyError(
                [(("reported_to",), "a tool must be reported to a group or feed another tool")]
            )
        return self


class Tier(Model):
    """One tier (line of defence) of assurance: operational, strategic, independent."""

    id: Slug
    level: int = Field(ge=1)
    """1 for the first line (closest to practice), rising towards independent oversight."""
    name: NonEmptyStr
    description: str = ""
    tools: list[TierTool] = Field(default_factory=list)
    """The scrutiny and assurance tools of the tier."""
    indicators: list[Indicator] = Field(default_factory=list)
    """The key indicators of the tier."""


class EvidenceElement(Model):
    """One element of evidence (e.g. quantitative data, engagement with service users)."""

    id: Slug
    name: NonEmptyStr
    description: str = ""
    triangulates: list[str] = Field(default_factory=list)
    """Ids of the elements whose findings this element confirms or challenges."""
    draws_on: list[str] = Field(default_factory=list)
    """Ids of the elements this element is built from (e.g. learning and improvement)."""


class EvidenceType(Model):
    """A type of evidence or assurance, under one element."""

    id: Slug
    name: NonEmptyStr
    element: str
    """Id of the evidence element it belongs to."""
    description: str = ""
    activity: str | None = None
    """Id of the activity that produces it, when the profile has one."""
    reported_to: list[str] = Field(default_factory=list)
    """Ids of the groups it reaches."""


class RollingReport(Model):
    """A report presented on a schedule to a group (a rolling or standing report)."""

    id: Slug
    name: NonEmptyStr
    received_by: list[str] = Field(min_length=1)
    """Ids of the groups that receive it."""
    cadence: Cadence
    """How often it is presented (as_required when on demand)."""
    due_months: list[MonthOfYear] = Field(default_factory=list)
    """Months of the year (1-12) it is due, when the document says."""
    due_meetings: list[NonEmptyStr] = Field(default_factory=list)
    """Meetings it is due at, in the document's words (e.g. "next Board")."""
    presented_by: str = ""
    """Role that writes or presents it (e.g. "Service lead")."""
    agency: str | None = None
    """Id of the agency that provides it, when it is one agency's report."""
    activity: str | None = None
    """Id of the activity whose outcome it reports, when the profile has one."""
    kind: Literal["rolling", "exception", "annual", "performance", "update"] = "rolling"
    """Rolling briefing, exception report, annual report, performance report or update."""
    note: str = ""
    """Anything else the document says about the report."""

    @model_validator(mode="after")
    def _check(self) -> RollingReport:
        problems = Problems()
        seen: set[int] = set()
        for i, month in enumerate(self.due_months):
            if month in seen:
                problems.add(("due_months", i), f"month {month} is listed twice")
            seen.add(month)
        cadence = self.cadence
        if self.due_months and not cadence.as_required and 12 % cadence.per_months == 0:
            expected = cadence.count * 12 // cadence.per_months
            if len(set(self.due_months)) != expected:
                problems.add(
                    ("due_months",),
                    f"{len(set(self.due_months))} month(s) listed but the cadence "
                    f"({cadence.count} every {cadence.per_months} months) means {expected} a year",
                )
        problems.raise_if_any()
        return self


class TemplateSection(Model):
    """One section of a report template, in order."""

    id: Slug
    title: NonEmptyStr
    """The section heading, in the document's words."""
    prompt: str = ""
    """What goes in the section, in the document's words."""
    headings: list[NonEmptyStr] = Field(default_factory=list)
    """Sub-headings to fill in (e.g. "Concerns from soft audit with front line practitioners")."""
    evidence: list[str] = Field(default_factory=list)
    """Ids of the evidence elements the section draws on."""


class ReportTemplate(Model):
    """A report template: a title pattern and its ordered sections."""

    id: Slug
    name: NonEmptyStr
    purpose: str = ""
    subject: str = ""
    """What each report is about (e.g. "CSCP priority area")."""
    sections: list[TemplateSection] = Field(min_length=1)
    """The sections, in order."""
    used_by: list[str] = Field(default_factory=list)
    """Ids of the activities that write reports on this template."""
    received_by: list[str] = Field(default_factory=list)
    """Ids of the groups that receive the reports."""


class YearlyReport(Model):
    """A report published (or presented) once a year, and who signs it off; each of a
    profile's yearly reports has its own drafts, sign-offs and publication."""

    id: Slug
    """The report's id (the yearly reports' streams and pages are named by it)."""
    name: NonEmptyStr
    activity: str | None = None
    """Id of the activity that produces it."""
    period: str = ""
    """The year it covers (e.g. "financial year, April to March")."""
    due_month: MonthOfYear | None = None
    """Month of the year it is due, when the document says."""
    compiled_by: str = ""
    """Who writes it (e.g. "chairs of subgroups, collated by the Business Unit")."""
    contributors: list[str] = Field(default_factory=list)
    """Ids of the groups that contribute to it."""
    scrutineer: ScrutineerPart = "none"
    """The independent scrutineer's part: none, reviews it, or signs it off."""
    scrutineer_before_publication: bool = False
    """The scrutineer's review or sign-off comes before it is published."""
    scrutineer_comments_to: str | None = None
    """Id of the group the scrutineer's written comments go to."""
    signed_off_by: list[str] = Field(default_factory=list)
    """Ids of the groups that sign it off (besides the scrutineer)."""
    received_by: list[str] = Field(default_factory=list)
    """Ids of the groups it is presented or reported to."""
    published: bool = True
    """It is published."""
    publication: str = ""
    """Where it is published (e.g. "SSCP website")."""
    includes: list[NonEmptyStr] = Field(default_factory=list)
    """What it must contain (e.g. "a summary of the scrutineer's annual report")."""


class EarlyWarning(Model):
    """A route by which declining or weak performance is raised early."""

    id: Slug
    name: NonEmptyStr
    raised_by: str | None = None
    """Id of the group that raises it; none when each agency raises its own."""
    raised_to: str
    """Id of the group it is raised to."""
    trigger: NonEmptyStr
    """What raises it, in the document's words."""
    cadence: Cadence | None = None
    """How often it is raised, when on a schedule."""


class Measure(Model):
    """A figure the partnership records for an activity (attendance, response rates, ...)."""

    id: Slug
    name: NonEmptyStr
    activity: str | None = None
    """Id of the activity the figure is recorded for."""
    unit: Literal["count", "percent"]
    """A count, or a percentage (0-100)."""
    baseline: float | None = None
    """A value the document reports, as a first reading."""
    baseline_note: str = ""
    """Where and when the baseline was recorded."""


class Theme(Model):
    """An area of scrutiny or priority theme the document names."""

    id: Slug
    name: NonEmptyStr
    status: Literal["current", "future"] = "current"
    """A current area, or one named for future work."""


class ImpactLog(Model):
    """The record of the difference the partnership makes to outcomes."""

    status: Literal["planned", "in_use"]
    """Planned, or in use."""
    description: NonEmptyStr


class InformationRequests(Model):
    """The duty of any person or body to comply with the partners' requests for information."""

    basis: NonEmptyStr
    """The statutory basis (e.g. the guidance chapter and paragraphs)."""
    duty: NonEmptyStr
    """What must be provided, by whom, in the document's words."""
    consequence: str = ""
    """What follows if a request is not complied with."""


class Reporting(Model):
    """The ``reporting:`` section of a profile."""

    principles: list[Principle] = Field(default_factory=list)
    """The principles that guide the framework."""
    objectives: list[Objective] = Field(default_factory=list)
    """The objectives the tiers' indicators evidence."""
    tier_model: str = ""
    """The name of the tiered model, when the document names one."""
    tiers: list[Tier] = Field(default_factory=list)
    """The tiers (lines of defence) of assurance, first line first."""
    evidence_elements: list[EvidenceElement] = Field(default_factory=list)
    """The elements of evidence the partnership triangulates."""
    evidence_types: list[EvidenceType] = Field(default_factory=list)
    """The types of evidence or assurance, each under an element."""
    rolling_reports: list[RollingReport] = Field(default_factory=list)
    """The schedule of reports and the groups that receive them."""
    templates: list[ReportTemplate] = Field(default_factory=list)
    """Report templates and their sections."""
    yearly_reports: list[YearlyReport] = Field(default_factory=list)
    """The reports published (or presented) once a year, each with its rules; the first is
    the partnership's own yearly report (the one a profile's `yearly_report:` named when a
    profile could have only one, which it still may)."""
    early_warnings: list[EarlyWarning] = Field(default_factory=list)
    """Routes that raise declining or weak performance early."""
    measures: list[Measure] = Field(default_factory=list)
    """Figures recorded for activities, with the document's values as baselines."""
    themes: list[Theme] = Field(default_factory=list)
    """Areas of scrutiny and priority themes."""
    impact_log: ImpactLog | None = None
    """The impact log, planned or in use."""
    information_requests: InformationRequests | None = None
    """The duty to comply with the partners' information requests."""
    assurance_levels: list[AssuranceLevel] = Field(default_factory=default_assurance_levels, min_length=2)
    """The levels of assurance the key indicators are rated on, best first (default: HM
    Treasury's four, substantial, moderate, limited, unsatisfactory)."""
    risk_matrix: RiskMatrix = Field(default_factory=RiskMatrix)
    """How the risk register's risks are scored (default: 5 x 5, banded low, moderate, high, extreme)."""
    performance: Performance = Field(default_factory=Performance)
    """The performance data agencies supply period by period, its comparators and early warnings (performance.py)."""

    @model_validator(mode="before")
    @classmethod
    def _one_yearly_report(cls, data: object) -> object:
        """`yearly_report: {...}` (one report, as profiles were first written) is the first of `yearly_reports`."""
        if isinstance(data, dict) and "yearly_report" in data:
            data = dict(data)
            one = data.pop("yearly_report")
            if isinstance(one, dict):
                if data.get("yearly_reports"):
                    raise ValueError("name the yearly reports in yearly_reports or the one in yearly_report, not both")
                data["yearly_reports"] = [{"id": one.get("activity") or "yearly-report", **one}]
        return data

    @model_validator(mode="after")
    def _check_inside(self) -> Reporting:
        problems = Problems()
        check_inside(self, problems)
        problems.raise_if_any()
        return self

    def check_references(
        self,
        problems: Problems,
        *,
        groups: Iterable[str],
        activities: Iterable[str],
        agencies: Iterable[str],
        loc: Loc = ("reporting",),
    ) -> None:
        """Add a problem for each group, activity or agency id that the profile lacks."""
        refs = {"group": set(groups), "activity": set(activities), "agency": set(agencies)}
        check_references(self, problems, refs, loc)
        check_performance(self, problems, refs["agency"], refs["group"], loc)

    # -- convenience lookups ------------------------------------------------

    def tier(self, tier_id: str) -> Tier:
        return by_id(self.tiers, tier_id)

    def assurance_level(self, level_id: str) -> AssuranceLevel | None:
        return next((level for level in self.assurance_levels if level.id == level_id), None)

    @property
    def yearly_report(self) -> YearlyReport | None:
        """The partnership's own yearly report: the first the profile names."""
        return self.yearly_reports[0] if self.yearly_reports else None

    def yearly(self, report_id: str | None = None) -> YearlyReport | None:
        """The yearly report with this id (none given, or "" as recorded before a profile
        could name several: the first); None if the profile names no such report."""
        if not report_id:
            return self.yearly_report
        return next((r for r in self.yearly_reports if r.id == report_id), None)

    def template(self, template_id: str) -> ReportTemplate:
        return by_id(self.templates, template_id)

    def rolling_report(self, report_id: str) -> RollingReport:
        return by_id(self.rolling_reports, report_id)

    def reports_for(self, group_id: str) -> list[RollingReport]:
        """The rolling reports a group receives, in profile order."""
        return [r for r in self.rolling_reports if group_id in r.received_by]
