"""The thematic assurance report (pure): everything recorded on one theme, assembled into
the sections of the profile's report template, and which of the profile's elements of
evidence are present (with the records behind them) and which are missing.

What is on the theme: assurance events, reviews and audit rounds whose theme (or, for a
published review, one of its themes) is the theme; the facts recorded within them; the
actions raised from them and the impact entries linked to those. Section 11 returns,
serious incidents, rapid reviews, actions and the impact log carry no theme of their
own: the report says so among its gaps rather than guess.

Which element a record evidences comes from the profile's evidence types: the type
naming the record's activity, else the one element whose types name activities of the
same kind. An element that draws on the others (learning and improvement) is present
when the theme has areas for development, actions or impact.

Which section a record goes in: a section that names elements of evidence takes the
records evidencing them; a section whose heading speaks of gaps, of areas for
development or of next steps and actions takes those instead (see `role_of`).

Over 300 lines because it is the report template's one builder: every section is made
here from the same facts on the theme, so no section can disagree with another.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.profiles.reporting import ReportTemplate, TemplateSection
from shared.profiles.schema import FrameworkProfile

from .actions import ActionRow
from .performance import PerformanceView
from .report_rows import KIND_NAMES, FactRow, RecordRow
from .reviews import ImpactRow

# What kind of activity a record (by its kind) or a fact (by what it records) is the work of.
RECORD_KINDS = {"review": "learning_review", "audit-round": "multi_agency_audit", "s11-cycle": "section11"}
FACT_KINDS = {
    "views": "family_feedback", "service-user-survey": "family_feedback", "practitioners": "learning_event",
    "forum": "learning_event", "survey": "learning_event", "staff-survey": "learning_event",
    "evaluation": "learning_event", "grading": "multi_agency_audit", "star-rating": "young_inspectors",
}
NOT_THEMED = [
    "Section 11 returns and cycles carry no theme: no Section 11 finding can be placed on a theme.",
    "Serious incidents and rapid reviews carry no theme: they count here only through a review commissioned on the theme.",
    "Actions and impact log entries carry no theme of their own: they are here only when raised from, or linked to, a record on the theme.",
]
CLOSED = {"concluded", "cancelled", "signed-off", "published", "closed"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


@dataclass(frozen=True)
class Line:
    text: str
    source: str
    """The record it comes from (kind and id)."""
    event_id: str
    position: int
    sub: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Heading:
    title: str
    lines: list[Line]


@dataclass(frozen=True)
class Section:
    number: int
    id: str
    title: str
    prompt: str
    role: str
    """evidence, gaps, development or next-steps."""
    elements: list[str]
    """Names of the elements of evidence it draws on."""
    lines: list[Line]
    headings: list[Heading] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines and not any(h.lines for h in self.headings)


@dataclass(frozen=True)
class ElementStatus:
    id: str
    name: str
    description: str
    present: bool
    sources: list[Line]
    triangulates: list[tuple[str, bool]]
    """The elements it confirms or challenges, each with whether it is present."""
    to_fill: list[str]
    """For a missing element: the types of evidence (and activities) that would supply it."""


@dataclass(frozen=True)
class ThematicReport:
    partnership_id: str
    partnership_name: str
    theme: str
    theme_name: str
    as_of: datetime
    template_name: str
    subject: str
    sections: list[Section]
    elements: list[ElementStatus]
    records: list[RecordRow]
    gaps_not_themed: list[str]

    @property
    def present(self) -> list[ElementStatus]:
        return [e for e in self.elements if e.present]

    @property
    def missing(self) -> list[ElementStatus]:
        return [e for e in self.elements if not e.present]


def theme_keys(profile: FrameworkProfile, theme: str) -> tuple[set[str], str]:
    """The spellings that mean the theme (its id and name when the profile names it), and its name."""
    keys, name = {slug(theme)}, theme
    for t in profile.reporting.themes:
        if keys & {slug(t.id), slug(t.name)}:
            keys |= {slug(t.id), slug(t.name)}
            name = t.name
    return keys, name


def on_theme(record: RecordRow, keys: set[str]) -> bool:
    return any(slug(t) in keys for t in [record.theme, *record.themes] if t)


def themes_index(profile: FrameworkProfile, records: Sequence[RecordRow]) -> list[tuple[str, str, int]]:
    """(theme, name, records on it): the profile's themes (named as it names them), then those
    the records carry, each named by its most used spelling (the earliest of equals)."""
    named = {slug(t.id): t.name for t in profile.reporting.themes}
    counts: dict[str, int] = dict.fromkeys(named, 0)
    spellings: dict[str, dict[str, int]] = {}
    for record in sorted(records, key=lambda r: r.first_position):
        for text in {slug(t): t for t in [record.theme, *record.themes] if t}.values():
            keys = theme_keys(profile, text)[0]
            key = next((k for k in named if k in keys), slug(text))
            counts[key] = counts.get(key, 0) + 1
            spellings.setdefault(key, {}).setdefault(text, 0)
            spellings[key][text] += 1

    def name(key: str) -> str:
        if key in named:
            return named[key]
        used = spellings[key]
        return max(used, key=lambda text: used[text])  # dicts keep the first seen first among equals

    return [(key, name(key), count) for key, count in counts.items()]


class _Elements:
    """Which element of evidence a record or a fact is, from the profile's evidence types."""

    def __init__(self, profile: FrameworkProfile) -> None:
        r = profile.reporting
        self.names = {e.id: e.name for e in r.evidence_elements}
        self.synthesis = {e.id for e in r.evidence_elements if e.draws_on}
        self.kind_of = {a.id: a.kind for a in profile.activities}
        self.by_activity: dict[str, list[str]] = {}
        self.by_kind: dict[str, set[str]] = {}
        for t in r.evidence_types:
            if t.activity:
                self.by_activity.setdefault(t.activity, [])
                if t.element not in self.by_activity[t.activity]:
                    self.by_activity[t.activity].append(t.element)
                kind = self.kind_of.get(t.activity)
                if kind and kind != "other":
                    self.by_kind.setdefault(kind, set()).add(t.element)

    def _of_kind(self, kind: str | None) -> list[str]:
        elements = self.by_kind.get(kind or "", set())
        return sorted(elements) if len(elements) == 1 else []

    def of_record(self, record: RecordRow) -> list[str]:
        if record.kind == "assurance-event" and record.activity_type:
            return self.by_activity.get(record.activity_type) or self._of_kind(self.kind_of.get(record.activity_type))
        return self._of_kind(RECORD_KINDS.get(record.kind))

    def of_fact(self, fact: FactRow, record: RecordRow) -> list[str]:
        if fact.fact == "learning":
            return sorted(self.synthesis)
        return self._of_kind(FACT_KINDS.get(fact.fact)) or self.of_record(record)


def role_of(section: TemplateSection) -> str:
    """What a section holds, from its heading in the profile's words."""
    text = f"{section.id} {section.title}".casefold()
    if "gap" in text:
        return "gaps"
    if "next step" in text or "next-step" in text or "action" in text:
        return "next-steps"
    if "development" in text or "improve" in text:
        return "development"
    return "evidence"


def choose_template(profile: FrameworkProfile, template_id: str | None = None) -> ReportTemplate | None:
    templates = profile.reporting.templates
    if template_id:
        return profile.reporting.template(template_id)
    kinds = {a.id: a.kind for a in profile.activities}
    thematic = [t for t in templates if any(kinds.get(a) == "thematic_assurance_event" for a in t.used_by) or "thematic" in t.id]
    return (thematic or templates or [None])[0]


def _default_template() -> ReportTemplate:
    return ReportTemplate(
        id="thematic-report", name="Thematic report", subject="theme",
        sections=[
            TemplateSection(id="records-on-the-theme", title="What the records on the theme tell us"),
            TemplateSection(id="areas-for-development", title="Areas for development"),
            TemplateSection(id="next-steps", title="Next steps and actions"),
            TemplateSection(id="gaps-in-knowledge", title="Gaps in knowledge"),
        ],
    )


def _record_line(record: RecordRow, names: dict[str, str], with_findings: bool = True) -> Line:
    when = f", {record.day:%d %b %Y}" if record.day else ""
    activity = names.get(record.activity_type or "", "")
    what = f"{activity}: " if activity and activity not in record.title else ""
    sub = []
    if with_findings:
        sub += [f"Strength: {s}" for s in record.strengths] + [f"Area for development: {a}" for a in record.areas]
    sub += [f"Finding: {f}" for f in record.findings]
    sub += [f"{k}: {v:g}" for k, v in sorted(record.figures.items())]
    if record.link:
        sub.append(f"Published: {record.link}")
    return Line(f"{what}{record.title} ({record.status}{when})", record.label, record.event_id, record.position, sub)


def _fact_line(fact: FactRow) -> Line:
    when = f" ({fact.on_date:%d %b %Y})" if fact.on_date else ""
    return Line(f"{fact.detail}{when}", f"{KIND_NAMES.get(fact.kind, fact.kind)} {fact.record_id}", fact.event_id, fact.position)


def _under(heading: str, records: Sequence[RecordRow]) -> list[Line]:
    """A sub-heading's lines: the strengths, or the concerns (areas for development), of the records."""
    text = heading.casefold()
    if "strength" in text:
        return [Line(x, r.label, r.event_id, r.position) for r in records for x in r.strengths]
    if any(word in text for word in ("concern", "development", "weak", "improve")):
        return [Line(x, r.label, r.event_id, r.position) for r in records for x in r.areas]
    return []


def build_thematic(
    profile: FrameworkProfile,
    theme: str,
    records: Sequence[RecordRow],
    facts: Sequence[FactRow],
    actions: Sequence[ActionRow],
    impact: Sequence[ImpactRow],
    as_of: datetime,
    template_id: str | None = None,
    performance: PerformanceView | None = None,
) -> ThematicReport:
    """`performance`: the performance indicators' series; each with values, on the theme (or
    on none, a headline figure), is evidence of its element (the quantitative section)."""
    keys, theme_name = theme_keys(profile, theme)
    names = {a.id: a.name for a in profile.activities}
    themed = sorted((r for r in records if on_theme(r, keys)), key=lambda r: (r.day is None, r.day, r.kind, r.record_id))
    by_key = {(r.kind, r.record_id): r for r in themed}
    themed_facts = sorted((f for f in facts if (f.kind, f.record_id) in by_key), key=lambda f: f.position)
    ids = {r.record_id for r in themed}
    themed_actions = sorted((a for a in actions if a.source_id in ids), key=lambda a: (a.due_on, a.action_id))
    action_ids = {a.action_id for a in themed_actions}
    links = {"actions": action_ids, "reviews": {r.record_id for r in themed if r.kind == "review"},
             "audits": {r.record_id for r in themed if r.kind == "audit-round"}}
    themed_impact = [i for i in impact if any(set(i.links.get(k, [])) & v for k, v in links.items())]

    elements = _Elements(profile)
    evidence: dict[str, list[Line]] = {e.id: [] for e in profile.reporting.evidence_elements}
    record_elements = {key: elements.of_record(r) for key, r in by_key.items()}
    fact_elements = [(f, elements.of_fact(f, by_key[(f.kind, f.record_id)])) for f in themed_facts]
    for key, record in by_key.items():
        for element in record_elements[key]:
            evidence.setdefault(element, []).append(_record_line(record, names, with_findings=False))
    for fact, found in fact_elements:
        for element in found:
            evidence.setdefault(element, []).append(_fact_line(fact))
    figures: dict[str, list[Line]] = {}
    for series in performance.of_element(set(), keys) if performance else []:
        if series.element and series.latest:
            line = Line(series.headline(), f"Indicator {series.reference or series.id}", series.latest.event_id, series.latest.position)
            figures.setdefault(series.element, []).append(line)
            evidence.setdefault(series.element, []).append(line)
    development = [Line(a, r.label, r.event_id, r.position) for r in themed for a in r.areas]
    agency_names = {a.id: a.name for a in profile.agencies}
    next_steps = [
        Line(
            f"{a.title}: {agency_names.get(a.owner_agency_id, a.owner_agency_id)}, due {a.due_on:%d %b %Y} ({a.status})",
            f"Action {a.action_id}",
            a.event_id,
            a.position,
        )
        for a in themed_actions
    ]
    next_steps += [
        Line(
            f"Impact recorded {i.recorded_on:%d %b %Y}: {i.difference}",
            f"Impact log entry {i.impact_id}",
            i.event_id,
            i.position,
            [i.evidence],
        )
        for i in themed_impact
    ]
    for synthesis in elements.synthesis:
        evidence[synthesis] = evidence.get(synthesis, []) + development + next_steps
    planned = [_record_line(r, names) for r in themed if r.status not in CLOSED]

    statuses = [
        ElementStatus(
            e.id, e.name, e.description, bool(evidence.get(e.id)), evidence.get(e.id, []),
            [(elements.names.get(t, t), bool(evidence.get(t))) for t in e.triangulates],
            [] if evidence.get(e.id) else [
                t.name + (f" ({names[t.activity]})" if t.activity in names else "")
                for t in profile.reporting.evidence_types if t.element == e.id
            ],
        )
        for e in profile.reporting.evidence_elements
    ]
    unplaced = [_record_line(r, names) for key, r in by_key.items() if not record_elements[key]]
    gaps = [
        Line(
            f"No {s.name.lower()} on the theme" + (f"; it could come from: {', '.join(s.to_fill)}" if s.to_fill else ""),
            "evidence elements",
            "",
            0,
        )
        for s in statuses
        if not s.present
    ]
    gaps += [
        Line(f"On the theme but under no element of evidence in the profile: {u.text}", u.source, u.event_id, u.position) for u in unplaced
    ]

    template = choose_template(profile, template_id) or _default_template()
    sections = []
    for number, section in enumerate(template.sections, start=1):
        role = role_of(section)
        lines: list[Line] = []
        headings: list[Heading] = []
        if role == "gaps":
            lines = gaps + [Line(g, "record types", "", 0) for g in NOT_THEMED]
        elif role == "development":
            lines = development
        elif role == "next-steps":
            lines = next_steps + [Line(f"Planned or in progress: {p.text}", p.source, p.event_id, p.position) for p in planned]
        else:
            wanted = set(section.evidence)
            chosen = [r for key, r in by_key.items() if not wanted or wanted & set(record_elements[key])]
            lines = [_record_line(r, names, with_findings=not section.headings) for r in chosen]
            lines += [_fact_line(f) for f, found in fact_elements if not wanted or wanted & set(found)]
            lines += [line for element, found_lines in figures.items() if element in wanted for line in found_lines]
            headings = [Heading(h, _under(h, chosen)) for h in section.headings]
        sections.append(
            Section(number, section.id, section.title, section.prompt, role,
                    [elements.names.get(e, e) for e in section.evidence], lines, headings)
        )
    return ThematicReport(
        profile.id, profile.name, theme, theme_name, as_of, template.name, template.subject, sections, statuses, themed, NOT_THEMED,
    )
