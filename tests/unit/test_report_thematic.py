"""The thematic assurance report on Calderdale's template: the seven sections filled from
the records on the theme, and which of the five elements of evidence are present."""

from datetime import UTC, date, datetime

import pytest

from services.reporting.adapters.report_pages import render_thematic
from services.reporting.domain.views.report_rows import (
    FactRow,
    RecordRow,
)
from services.reporting.domain.views.reviews import ImpactRow as ImpactLinkRow
from services.reporting.domain.views.thematic import (
    build_thematic,
    on_theme,
    role_of,
    theme_keys,
    themes_index,
)
from shared.profiles import load_builtin
from tests.support.report_rows import linked_action

CALDERDALE = load_builtin("calderdale")
AS_OF = datetime(2027, 1, 15, 9, tzinfo=UTC)


def record(kind: str, record_id: str, activity: str | None, theme: str | None, position: int, **extra: object) -> RecordRow:
    fields: dict = {"status": "concluded", "on_date": date(2026, 11, position), "ended_on": None} | extra
    return RecordRow(
        kind, record_id, activity, f"Record {record_id}", theme, fields.pop("themes", []), fields.pop("status"),
        fields.pop("on_date"), fields.pop("ended_on"), f"ev-{record_id}", position, **fields,
    )


RECORDS = [
    record("audit-round", "maca-neglect", None, "Neglect", 1, strengths=["Chronologies up to date"],
           areas=["Supervision notes thin"], findings=["Neglect toolkit seldom used"], figures={"graded good": 2}),
    record("assurance-event", "pfg-1", "practitioner-focus-groups", "neglect", 2,
           strengths=["Practitioners know the escalation route"], areas=["Caseloads stop home visits"]),
    record("assurance-event", "ya-1", "young-advisors", "NEGLECT", 3, strengths=["Young people feel listened to"]),
    record("assurance-event", "ta-1", "thematic-assurance", "neglect", 4, areas=["No shared neglect screening tool"]),
    record("assurance-event", "ta-2", "thematic-assurance", "neglect", 5, status="scheduled"),
    record("review", "lr-1", "learning-review", "Exploitation", 6, status="commissioned"),
    record("s11-cycle", "2026-27", None, None, 7, status="open"),
]
FACTS = [FactRow("audit-round", "maca-neglect", "grading", None, "police graded case-1a2b good", "ev-grade", 11)]
ACTIONS = [
    linked_action(
        "act-1",
        "Adopt a neglect screening tool",
        "cmbc-childrens-social-care",
        date(2027, 3, 1),
        "open",
        "assurance-event",
        "ta-1",
        date(2026, 11, 20),
        "ev-act-1",
        20,
    ),
    linked_action(
        "act-2",
        "Unrelated",
        "west-yorkshire-police",
        date(2027, 3, 1),
        "open",
        "assurance-event",
        "other",
        date(2026, 11, 20),
        "ev-act-2",
        21,
    ),
]
IMPACT = [ImpactLinkRow("imp-1", date(2027, 1, 10), "Screening tool in use", "Audit of 20 cases", {"actions": ["act-1"]}, "ev-imp", 30)]


def report(theme: str = "Neglect"):
    return build_thematic(CALDERDALE, theme, RECORDS, FACTS, ACTIONS, IMPACT, AS_OF)


def test_the_seven_sections_of_the_template_in_order_with_their_roles() -> None:
    sections = report().sections
    assert [s.number for s in sections] == [1, 2, 3, 4, 5, 6, 7]
    assert [s.role for s in sections] == ["evidence"] * 4 + ["gaps", "development", "next-steps"]
    assert sections[0].title == "What do we know (What does the data tell us?)"
    assert [s.elements for s in sections[:4]] == [
        ["Quantitative data"],
        ["Qualitative evidence"],
        ["Engagement with front line staff"],
        ["Engagement with service users"],
    ]


def test_records_on_the_theme_go_to_the_section_of_their_element() -> None:
    data, audit, practitioners, voice, gaps, development, next_steps = report().sections
    assert data.empty
    assert [line.source for line in audit.lines] == ["Multi-agency audit round maca-neglect", "Multi-agency audit round maca-neglect"]
    assert "Finding: Neglect toolkit seldom used" in audit.lines[0].sub and "graded good: 2" in audit.lines[0].sub
    assert audit.lines[1].text == "police graded case-1a2b good"
    assert [line.source for line in practitioners.lines] == ["Assurance event pfg-1"]
    concerns, strengths = practitioners.headings
    assert concerns.title.startswith("Concerns") and [x.text for x in concerns.lines] == ["Caseloads stop home visits"]
    assert [x.text for x in strengths.lines] == ["Practitioners know the escalation route"]
    assert [line.source for line in voice.lines] == ["Assurance event ya-1"]
    assert [x.text for x in development.lines] == [
        "Supervision notes thin",
        "Caseloads stop home visits",
        "No shared neglect screening tool",
    ]
    assert [x.source for x in next_steps.lines] == ["Action act-1", "Impact log entry imp-1", "Assurance event ta-2"]
    assert any("Section 11 returns and cycles carry no theme" in x.text for x in gaps.lines)


def test_which_elements_of_evidence_are_present_and_which_are_missing() -> None:
    r = report()
    assert [e.name for e in r.present] == [
        "Qualitative evidence", "Engagement with service users", "Engagement with front line staff", "Learning and Improvement",
    ]
    [missing] = r.missing
    assert missing.id == "quantitative"
    assert "Single and multi-agency performance management data (Single and multi-agency performance management data)" in missing.to_fill
    gaps = r.sections[4]
    assert gaps.lines[0].text.startswith("No quantitative data on the theme; it could come from: Single and multi-agency")
    # Nothing on the theme is left under no element of evidence.
    assert not any("under no element of evidence" in line.text for line in gaps.lines)
    service_users = next(e for e in r.elements if e.id == "service-users")
    assert service_users.triangulates == [("Quantitative data", False), ("Qualitative evidence", True)]
    assert [x.source for x in service_users.sources] == ["Assurance event ya-1"]


def test_a_theme_is_matched_however_it_is_spelt_and_other_themes_are_left_out() -> None:
    r = report("neglect")
    assert {x.record_id for x in r.records} == {"maca-neglect", "pfg-1", "ya-1", "ta-1", "ta-2"}
    exploitation = build_thematic(CALDERDALE, "exploitation", RECORDS, FACTS, ACTIONS, IMPACT, AS_OF)
    assert [x.record_id for x in exploitation.records] == ["lr-1"]
    assert [e.id for e in exploitation.present] == ["qualitative"]  # a learning review is qualitative evidence


def test_a_profile_theme_matches_its_id_or_its_name() -> None:
    herts = load_builtin("hertfordshire")
    keys, name = theme_keys(herts, "exploited-children")
    assert name == "Exploited children"
    assert on_theme(record("review", "x", None, "Exploited Children", 1), keys)
    index = themes_index(herts, [record("review", "x", None, "Exploited children", 1), record("review", "y", None, "Knife crime", 2)])
    assert ("exploited-children", "Exploited children", 1) in index and ("knife-crime", "Knife crime", 1) in index


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("Gaps in knowledge", "gaps"),
        ("Next steps / Actions", "next-steps"),
        ("Areas for development", "development"),
        ("What the data tell us", "evidence"),
    ],
)
def test_a_section_role_comes_from_its_heading(title: str, role: str) -> None:
    from shared.profiles.reporting import TemplateSection

    assert role_of(TemplateSection(id="s", title=title)) == role


def test_without_a_template_the_report_has_default_sections() -> None:
    kent = load_builtin("kent")
    r = build_thematic(kent, "neglect", RECORDS, FACTS, ACTIONS, IMPACT, AS_OF)
    assert r.template_name == "Thematic report" and r.elements == []
    assert [s.role for s in r.sections] == ["evidence", "development", "next-steps", "gaps"]
    assert len(r.sections[0].lines) == 6  # five records on the theme and the grading


def test_the_page_shows_present_and_missing_elements_with_their_records() -> None:
    html = render_thematic(report())
    assert "CSCP Thematic Assurance Report: Neglect" in html
    assert "4 of 5 present; missing: <span class=\"missing\">Quantitative data</span>" in html
    assert "7. Next steps / Actions for the CSCP Partners" in html
    assert "event ev-maca-neglect" in html and "event ev-act-1" in html
    assert "Nothing recorded on Neglect." in html  # section 1: no data on the theme


def test_each_finding_once_however_many_case_gradings_repeat_it() -> None:
    # Every case graded in a round adds its strengths and areas; the same words from many gradings are one finding.
    graded = record(
        "audit-round", "maca-neglect", None, "Neglect", 1, strengths=["Chronologies up to date"] * 16,
        areas=["Supervision notes thin", "Supervision notes thin", "No shared neglect screening tool"] * 16,
        findings=["Neglect toolkit seldom used"] * 2,
    )
    assert graded.strengths == ["Chronologies up to date"]
    assert graded.areas == ["Supervision notes thin", "No shared neglect screening tool"]
    assert graded.findings == ["Neglect toolkit seldom used"]
    r = build_thematic(CALDERDALE, "Neglect", [graded], [], [], [], AS_OF)
    development = next(s for s in r.sections if s.role == "development")
    assert [x.text for x in development.lines] == ["Supervision notes thin", "No shared neglect screening tool"]
    [line] = r.sections[1].lines  # qualitative evidence: the round, its findings beneath it
    assert line.sub.count("Strength: Chronologies up to date") == 1
    assert line.sub.count("Area for development: Supervision notes thin") == 1


def test_the_holistic_self_assessment_is_evidence_of_learning_and_improvement() -> None:
    # s.4 CSCP Holistic Assurance Programme: self-assessments "based on all aspects of this framework"
    # (App. 1's tool) produce the critical reflection that drives improvement.
    holistic = record("assurance-event", "ta-1", "thematic-assurance", "neglect", 4, strengths=["Shared screening"])
    r = build_thematic(CALDERDALE, "Neglect", [holistic], [], [], [], AS_OF)
    learning = next(e for e in r.elements if e.id == "learning-and-improvement")
    assert learning.present and [x.source for x in learning.sources] == ["Assurance event ta-1"]
    gaps = next(s for s in r.sections if s.role == "gaps")
    assert not any("under no element of evidence" in line.text for line in gaps.lines)
