"""The checks of the ``reporting:`` section: ids unique, references inside the
section known (objectives, tools, evidence elements), and references to the
rest of the profile (groups, activities, agencies) known."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import Loc, Problems, known

if TYPE_CHECKING:
    from .reporting import Reporting

__all__ = ["check_inside", "check_references"]


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


def check_inside(reporting: Reporting, problems: Problems) -> None:
    """Add a problem for each duplicate id or unknown reference inside the section."""
    for field in (
        "principles",
        "objectives",
        "tiers",
        "evidence_elements",
        "evidence_types",
        "rolling_reports",
        "templates",
        "early_warnings",
        "measures",
        "themes",
    ):
        problems.unique_ids(field, getattr(reporting, field))
    problems.unique_ids("tiers", reporting.tiers, "level")

    objective_ids = {o.id for o in reporting.objectives}
    first_tier: dict[tuple[str, str], int] = {}
    for t, tier in enumerate(reporting.tiers):
        for field in ("tools", "indicators"):
            _unique(problems, ("tiers", t, field), getattr(tier, field))
            for i, item in enumerate(getattr(tier, field)):
                other = first_tier.setdefault((field, item.id), t)
                if other != t:
                    problems.add(
                        ("tiers", t, field, i, "id"),
                        f"{item.id!r} is also in tiers[{other}] ({reporting.tiers[other].id})",
                    )
        for i, indicator in enumerate(tier.indicators):
            for j, objective in enumerate(indicator.objectives):
                if objective not in objective_ids:
                    problems.add(
                        ("tiers", t, "indicators", i, "objectives", j),
                        f"unknown objective {objective!r} (known: {known(objective_ids)})",
                    )

    tool_ids = {tool.id for tier in reporting.tiers for tool in tier.tools}
    for t, tier in enumerate(reporting.tiers):
        for i, tool in enumerate(tier.tools):
            for j, ref in enumerate(tool.feeds):
                if ref == tool.id or ref not in tool_ids:
                    problems.add(
                        ("tiers", t, "tools", i, "feeds", j),
                        f"unknown tool {ref!r} (known: {known(tool_ids - {tool.id})})",
                    )

    element_ids = {e.id for e in reporting.evidence_elements}

    def element(loc: Loc, value: str) -> None:
        if value not in element_ids:
            problems.add(loc, f"unknown evidence element {value!r} (known: {known(element_ids)})")

    for i, el in enumerate(reporting.evidence_elements):
        for field in ("triangulates", "draws_on"):
            for j, ref in enumerate(getattr(el, field)):
                if ref == el.id:
                    problems.add(
                        ("evidence_elements", i, field, j), "an element cannot refer to itself"
                    )
                else:
                    element(("evidence_elements", i, field, j), ref)
    for i, et in enumerate(reporting.evidence_types):
        element(("evidence_types", i, "element"), et.element)
    for t, template in enumerate(reporting.templates):
        _unique(problems, ("templates", t, "sections"), template.sections)
        for s, section in enumerate(template.sections):
            for j, ref in enumerate(section.evidence):
                element(("templates", t, "sections", s, "evidence", j), ref)
    _unique(problems, ("yearly_reports",), reporting.yearly_reports)
    _unique(problems, ("assurance_levels",), reporting.assurance_levels)
    _unique(problems, ("assurance_levels",), reporting.assurance_levels, "name")


def check_references(
    reporting: Reporting, problems: Problems, refs: dict[str, set[str]], loc: Loc
) -> None:
    """Add a problem for each group, activity or agency id (``refs[kind]``) the profile lacks."""

    def check(kind: str, where: Loc, value: str | None | Sequence[str]) -> None:
        values = _as_list(value)
        single = value is None or isinstance(value, str)
        for j, ref in enumerate(values):
            if ref not in refs[kind]:
                at = (*loc, *where) if single else (*loc, *where, j)
                problems.add(at, f"unknown {kind} {ref!r} (known: {known(refs[kind])})")

    for t, tier in enumerate(reporting.tiers):
        for i, tool in enumerate(tier.tools):
            check("activity", ("tiers", t, "tools", i, "activity"), tool.activity)
            check("group", ("tiers", t, "tools", i, "reported_to"), tool.reported_to)
    for i, et in enumerate(reporting.evidence_types):
        check("activity", ("evidence_types", i, "activity"), et.activity)
        check("group", ("evidence_types", i, "reported_to"), et.reported_to)
    for i, report in enumerate(reporting.rolling_reports):
        check("group", ("rolling_reports", i, "received_by"), report.received_by)
        check("agency", ("rolling_reports", i, "agency"), report.agency)
        check("activity", ("rolling_reports", i, "activity"), report.activity)
    for i, template in enumerate(reporting.templates):
        check("activity", ("templates", i, "used_by"), template.used_by)
        check("group", ("templates", i, "received_by"), template.received_by)
    for i, yearly in enumerate(reporting.yearly_reports):
        check("activity", ("yearly_reports", i, "activity"), yearly.activity)
        for field in ("contributors", "signed_off_by", "received_by"):
            check("group", ("yearly_reports", i, field), getattr(yearly, field))
        check("group", ("yearly_reports", i, "scrutineer_comments_to"), yearly.scrutineer_comments_to)
    for i, warning in enumerate(reporting.early_warnings):
        check("group", ("early_warnings", i, "raised_by"), warning.raised_by)
        check("group", ("early_warnings", i, "raised_to"), warning.raised_to)
    for i, measure in enumerate(reporting.measures):
        check("activity", ("measures", i, "activity"), measure.activity)
