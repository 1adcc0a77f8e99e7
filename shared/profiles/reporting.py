"""How a partnership knows, and tells, how safe children are: its assurance
tiers and their indicators, the elements and types of evidence it uses, its
rolling reports and the groups that receive them, its report templates, its
early-warning routes, the measures it keeps and the rules of its yearly report.

Everything here is optional (a profile with no ``reporting:`` section is
valid). References to the rest of the profile (groups, activities, agencies)
are checked by :meth:`Reporting.check_references`, which the whole profile's
validator calls; references inside this section are checked here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .activities import Cadence
from .base import Loc, Model, NonEmptyStr, Problems, Slug, by_id, known

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
    "Process",
    "ProcessStep",
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


class TierTool(Model):
    """A scrutiny and assurance tool of a tier, and where it is reported."""

    id: Slug
    name: NonEmptyStr
    activity: str | None = None
    """Id of the activity that produces this tool, when the profile has one."""
    reported_to: list[str] = Field(min_length=1)
    """Ids of the groups the tool is reported to, in the order the document gives them."""
    note: str = ""


class Tier(Model):
    """One tier (line of defence) of assurance: operational, strategic, independent."""

    id: Slug
    level: int = Field(ge=1)
    """1 for the first line (closest to practice), rising towards independent oversight."""
    name: NonEmptyStr
    description: str = ""
    tools: list[TierTool] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)


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
    note: str = ""

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
    used_by: list[str] = Field(default_factory=list)
    """Ids of the activities that write reports on this template."""
    received_by: list[str] = Field(default_factory=list)
    """Ids of the groups that receive the reports."""


class YearlyReport(Model):
    """The report the safeguarding partners publish at least once a year, and who signs it off."""

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
    cadence: Cadence | None = None


class ProcessStep(Model):
    id: Slug
    name: NonEmptyStr
    description: str = ""
    reports_to: list[str] = Field(default_factory=list)
    """Ids of the groups this step reports to."""


class Process(Model):
    """The ordered steps of an activity's cycle (e.g. a learning hub, a peer review)."""

    id: Slug
    name: NonEmptyStr
    activity: str
    """Id of the activity this process runs."""
    steps: list[ProcessStep] = Field(min_length=1)


class Measure(Model):
    """A figure the partnership records for an activity (attendance, response rates, ...)."""

    id: Slug
    name: NonEmptyStr
    activity: str | None = None
    unit: Literal["count", "percent"]
    baseline: float | None = None
    """A value the document reports, as a first reading."""
    baseline_note: str = ""
    """Where and when the baseline was recorded."""


class Theme(Model):
    """An area of scrutiny or priority theme the document names."""

    id: Slug
    name: NonEmptyStr
    status: Literal["current", "future"] = "current"


class ImpactLog(Model):
    """The record of the difference the partnership makes to outcomes."""

    status: Literal["planned", "in_use"]
    description: NonEmptyStr


class InformationRequests(Model):
    """The duty of any person or body to comply with the partners' requests for information."""

    basis: NonEmptyStr
    duty: NonEmptyStr
    consequence: str = ""


def _unique(problems: Problems, loc: Loc, items: Sequence[object], attr: str = "id") -> None:
    """Like :meth:`Problems.unique_ids`, for a list nested below the model."""
    seen: set[object] = set()
    for i, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            problems.add((*loc, i, attr), f"duplicate {attr} {value!r}")
        seen.add(value)


def _as_list(value: str | None | Sequence[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


class Reporting(Model):
    """The ``reporting:`` section of a profile."""

    principles: list[Principle] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    tier_model: str = ""
    """The name of the tiered model, when the document names one."""
    tiers: list[Tier] = Field(default_factory=list)
    evidence_elements: list[EvidenceElement] = Field(default_factory=list)
    evidence_types: list[EvidenceType] = Field(default_factory=list)
    rolling_reports: list[RollingReport] = Field(default_factory=list)
    templates: list[ReportTemplate] = Field(default_factory=list)
    yearly_report: YearlyReport | None = None
    early_warnings: list[EarlyWarning] = Field(default_factory=list)
    processes: list[Process] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    themes: list[Theme] = Field(default_factory=list)
    impact_log: ImpactLog | None = None
    information_requests: InformationRequests | None = None

    @model_validator(mode="after")
    def _check_inside(self) -> Reporting:
        problems = Problems()
        for field in (
            "principles",
            "objectives",
            "tiers",
            "evidence_elements",
            "evidence_types",
            "rolling_reports",
            "templates",
            "early_warnings",
            "processes",
            "measures",
            "themes",
        ):
            problems.unique_ids(field, getattr(self, field))
        problems.unique_ids("tiers", self.tiers, "level")

        objective_ids = {o.id for o in self.objectives}
        indicator_seen: dict[str, int] = {}
        for t, tier in enumerate(self.tiers):
            _unique(problems, ("tiers", t, "tools"), tier.tools)
            for i, indicator in enumerate(tier.indicators):
                loc: Loc = ("tiers", t, "indicators", i)
                if indicator.id in indicator_seen and indicator_seen[indicator.id] != t:
                    problems.add((*loc, "id"), f"indicator {indicator.id!r} is also in another tier")
                indicator_seen.setdefault(indicator.id, t)
                for j, objective in enumerate(indicator.objectives):
                    if objective not in objective_ids:
                        problems.add(
                            (*loc, "objectives", j),
                            f"unknown objective {objective!r} (known: {known(objective_ids)})",
                        )
            _unique(problems, ("tiers", t, "indicators"), tier.indicators)

        element_ids = {e.id for e in self.evidence_elements}

        def element(loc: Loc, value: str) -> None:
            if value not in element_ids:
                problems.add(loc, f"unknown evidence element {value!r} (known: {known(element_ids)})")

        for i, el in enumerate(self.evidence_elements):
            for field in ("triangulates", "draws_on"):
                for j, ref in enumerate(getattr(el, field)):
                    if ref == el.id:
                        problems.add(("evidence_elements", i, field, j), "an element cannot refer to itself")
                    else:
                        element(("evidence_elements", i, field, j), ref)
        for i, et in enumerate(self.evidence_types):
            element(("evidence_types", i, "element"), et.element)
        for t, template in enumerate(self.templates):
            _unique(problems, ("templates", t, "sections"), template.sections)
            for s, section in enumerate(template.sections):
                for j, ref in enumerate(section.evidence):
                    element(("templates", t, "sections", s, "evidence", j), ref)
        for p, process in enumerate(self.processes):
            _unique(problems, ("processes", p, "steps"), process.steps)
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

        def check(kind: str, where: Loc, value: str | None | Sequence[str]) -> None:
            values = _as_list(value)
            single = value is None or isinstance(value, str)
            for j, ref in enumerate(values):
                if ref not in refs[kind]:
                    at = (*loc, *where) if single else (*loc, *where, j)
                    problems.add(at, f"unknown {kind} {ref!r} (known: {known(refs[kind])})")

        for t, tier in enumerate(self.tiers):
            for i, tool in enumerate(tier.tools):
                check("activity", ("tiers", t, "tools", i, "activity"), tool.activity)
                check("group", ("tiers", t, "tools", i, "reported_to"), tool.reported_to)
        for i, et in enumerate(self.evidence_types):
            check("activity", ("evidence_types", i, "activity"), et.activity)
            check("group", ("evidence_types", i, "reported_to"), et.reported_to)
        for i, report in enumerate(self.rolling_reports):
            check("group", ("rolling_reports", i, "received_by"), report.received_by)
            check("agency", ("rolling_reports", i, "agency"), report.agency)
            check("activity", ("rolling_reports", i, "activity"), report.activity)
        for i, template in enumerate(self.templates):
            check("activity", ("templates", i, "used_by"), template.used_by)
            check("group", ("templates", i, "received_by"), template.received_by)
        yearly = self.yearly_report
        if yearly is not None:
            check("activity", ("yearly_report", "activity"), yearly.activity)
            for field in ("contributors", "signed_off_by", "received_by"):
                check("group", ("yearly_report", field), getattr(yearly, field))
            check("group", ("yearly_report", "scrutineer_comments_to"), yearly.scrutineer_comments_to)
        for i, warning in enumerate(self.early_warnings):
            check("group", ("early_warnings", i, "raised_by"), warning.raised_by)
            check("group", ("early_warnings", i, "raised_to"), warning.raised_to)
        for p, process in enumerate(self.processes):
            check("activity", ("processes", p, "activity"), process.activity)
            for s, step in enumerate(process.steps):
                check("group", ("processes", p, "steps", s, "reports_to"), step.reports_to)
        for i, measure in enumerate(self.measures):
            check("activity", ("measures", i, "activity"), measure.activity)

    # -- convenience lookups ------------------------------------------------

    def tier(self, tier_id: str) -> Tier:
        return by_id(self.tiers, tier_id)

    def template(self, template_id: str) -> ReportTemplate:
        return by_id(self.templates, template_id)

    def rolling_report(self, report_id: str) -> RollingReport:
        return by_id(self.rolling_reports, report_id)

    def reports_for(self, group_id: str) -> list[RollingReport]:
        """The rolling reports a group receives, in profile order."""
        return [r for r in self.rolling_reports if group_id in r.received_by]


