"""The five built-in framework profiles: each loads, and each carries what its
source document states (shared/seeds/000-004)."""

from __future__ import annotations

import re

import pytest

from shared.profiles import Cadence, FrameworkProfile, builtin_profiles, load_builtin

SEEDED = ["calderdale", "hertfordshire", "kent", "north-lincolnshire", "somerset"]


@pytest.fixture(scope="module")
def profiles() -> dict[str, FrameworkProfile]:
    return {profile_id: load_builtin(profile_id) for profile_id in SEEDED}


def test_the_five_seed_profiles_ship_and_load(profiles: dict[str, FrameworkProfile]) -> None:
    assert set(SEEDED) <= set(builtin_profiles())
    for profile_id, profile in profiles.items():
        assert profile.id == profile_id
        assert len(profile.statutory_partners) == 3
        assert {p.role for p in profile.statutory_partners} == {"local_authority", "icb", "police"}
        # every partner is also a Section 11 agency, marked as such
        assert {a.statutory_partner for a in profile.agencies if a.statutory_partner} == {
            p.id for p in profile.statutory_partners
        }
        assert profile.independent_scrutiny.duties


def test_every_group_reference_resolves(profiles: dict[str, FrameworkProfile]) -> None:
    for profile in profiles.values():
        groups = {g.id for g in profile.groups}
        for activity in profile.activities:
            assert activity.reports_to in groups
        reporting = profile.reporting
        for report in reporting.rolling_reports:
            assert set(report.received_by) <= groups, report.id
        for tier in reporting.tiers:
            for tool in tier.tools:
                assert set(tool.reported_to) <= groups


_CHILD_NAME = re.compile(r"\b(child|young person|girl|boy) [A-Z][a-z]+\b")
_CASE_REFERENCE = re.compile(r"\bcase-[0-9a-f]{3,}\b")


def test_no_profile_names_a_child() -> None:
    for path in builtin_profiles().values():
        text = path.read_text(encoding="utf-8")
        assert not _CHILD_NAME.search(text), path.name
        # a profile holds rules, never cases: not even pseudonymous references
        assert not _CASE_REFERENCE.search(text), path.name


# ---------------------------------------------------------------------------
# Somerset (seed 004)
# ---------------------------------------------------------------------------


def test_somerset_section_11_every_two_years(profiles: dict[str, FrameworkProfile]) -> None:
    somerset = profiles["somerset"]
    assert somerset.section11.cadence_months == 24
    assert [d.name for d in somerset.section11.domains] == [
        "Leadership and governance",
        "Performance and outcomes",
        "Commissioning and quality",
        "Priorities and partnerships",
        "Resource and workforce management",
        "Culture and challenge",
    ]
    assert somerset.activity("section-11-audit").cadence == Cadence(count=1, per_months=24)
    workshops = somerset.activity("section-11-peer-review-workshops")
    assert workshops.kind == "peer_challenge"
    assert "year after" in workshops.condition


def test_somerset_reviews(profiles: dict[str, FrameworkProfile]) -> None:
    reviews = profiles["somerset"].reviews
    assert (reviews.rapid_review_days, reviews.rapid_review_unit) == (15, "calendar_days")
    assert reviews.cspr_months == 6
    assert reviews.rapid_review_decision_signed_off_by_scrutineer
    assert reviews.cspr_signed_off_by == ["executive", "scrutineer"] and reviews.signatories("cspr") == ["executive", "scrutineer"]
    assert reviews.cspr_endorsed_by_national_panel


def test_somerset_activity_table(profiles: dict[str, FrameworkProfile]) -> None:
    somerset = profiles["somerset"]
    assert somerset.activity("multi-agency-audits").cadence == Cadence(count=1, per_months=3)
    assert somerset.activity("family-follow-up-calls").cadence == Cadence(count=6, per_months=3)
    dashboard = somerset.activity("data-dashboard")
    assert dashboard.cadence == Cadence(count=1, per_months=3)
    assert dashboard.reports_to == "quality-and-performance-subgroup"
    assert somerset.activity("exception-reports").reports_to == "sscp-executive"
    assert somerset.activity("regional-peer-review").cadence.as_required
    cp = somerset.activity("cp-conference-quality-assurance")
    assert (cp.scope, cp.agency, cp.reports_to) == (
        "single_agency",
        "scc-isro-service",
        "corporate-parenting-board",
    )
    assert [(e.month, e.activity) for e in somerset.planner] == [
        ("2019-04", "section-11-peer-review-workshops"),
        ("2020-04", "twelve-monthly-report"),
        ("2020-10", "section-11-audit"),
    ]


def test_somerset_twelve_monthly_report(profiles: dict[str, FrameworkProfile]) -> None:
    somerset = profiles["somerset"]
    yearly = somerset.reporting.yearly_report
    assert yearly is not None
    assert yearly.scrutineer == "signs_off"
    assert yearly.scrutineer_comments_to == "sscp-executive"
    assert yearly.due_month == 4
    assert yearly.received_by == ["health-and-wellbeing-board"]
    assert "SSCP website" in yearly.publication
    exceptions = somerset.reporting.rolling_report("exception-reports")
    assert exceptions.kind == "exception"
    assert exceptions.received_by == ["sscp-executive"]
    assert somerset.reporting.early_warnings[0].raised_by == "partnership-business-group"
    duties = " ".join(somerset.independent_scrutiny.duties)
    assert "twelve-monthly report" in duties and "rapid review" in duties


# ---------------------------------------------------------------------------
# Kent (seed 003)
# ---------------------------------------------------------------------------


def test_kent_has_three_tiers_each_with_tools_and_indicators(
    profiles: dict[str, FrameworkProfile],
) -> None:
    reporting = profiles["kent"].reporting
    assert "Three Lines of Defence" in reporting.tier_model
    assert [(t.level, t.id) for t in reporting.tiers] == [
        (1, "operational"),
        (2, "strategic"),
        (3, "independent-and-oversight"),
    ]
    assert [len(t.tools) for t in reporting.tiers] == [3, 7, 5]
    assert [len(t.indicators) for t in reporting.tiers] == [3, 6, 4]
    objectives = {o.id for o in reporting.objectives}
    assert len(objectives) == 4
    for tier in reporting.tiers:
        for indicator in tier.indicators:
            assert indicator.text.startswith("Extent to which")
            assert set(indicator.objectives) == objectives


def test_kent_tools_and_where_reported(profiles: dict[str, FrameworkProfile]) -> None:
    kent = profiles["kent"]
    tools = {tool.id: tool for tier in kent.reporting.tiers for tool in tier.tools}
    assert tools["single-agency-data"].feeds == ["partnership-data-dashboard"]
    assert tools["section-11-audit"].reported_to == [
        "scrutiny-assurance-audit-subgroup",
        "kscmp-executive",
        "lead-safeguarding-partners",
    ]
    assert tools["scrutiny-assurance-audit-report"].reported_to == ["kscmp-executive"]
    assert tools["joint-targeted-area-inspections"].reported_to == [
        "kscmp-executive",
        "lead-safeguarding-partners",
    ]
    for tool in tools.values():
        assert tool.activity is not None and kent.activity(tool.activity)
    assert kent.activity("scrutiny-assurance-audit-report").cadence == Cadence(
        count=1, per_months=12
    )
    assert kent.reporting.rolling_report("executive-circular").cadence == Cadence(
        count=1, per_months=3
    )


def test_kent_early_warning_duty(profiles: dict[str, FrameworkProfile]) -> None:
    kent = profiles["kent"]
    (warning,) = kent.reporting.early_warnings
    assert (warning.raised_by, warning.raised_to) == (
        "scrutiny-assurance-audit-subgroup",
        "kscmp-executive",
    )
    assert "declining or weak performance" in warning.trigger.lower()
    assert len(kent.reporting.principles) == 8
    assert kent.reporting.yearly_report is not None
    assert kent.reporting.yearly_report.signed_off_by == ["lead-safeguarding-partners"]
    # Two yearly reports (overview table): the KSCMP Annual Report and the Sub-group's own.
    assert [(r.id, r.activity) for r in kent.reporting.yearly_reports] == [
        ("kscmp-annual-report", "kscmp-annual-report"), ("scrutiny-assurance-audit-report", "scrutiny-assurance-audit-report"),
    ]


# ---------------------------------------------------------------------------
# Calderdale (seed 001)
# ---------------------------------------------------------------------------


def test_calderdale_thematic_template_has_seven_sections(
    profiles: dict[str, FrameworkProfile],
) -> None:
    calderdale = profiles["calderdale"]
    template = calderdale.reporting.template("thematic-assurance-report")
    assert len(template.sections) == 7
    assert template.sections[0].title.startswith("What do we know")
    assert template.sections[3].title == "What is the voice of the child telling us?"
    assert template.sections[6].title.startswith("Next steps")
    assert len(template.sections[2].headings) == 2
    assert template.used_by == ["thematic-assurance"]
    assert template.received_by == ["cscp-executive"]


def test_calderdale_five_elements_of_evidence(profiles: dict[str, FrameworkProfile]) -> None:
    reporting = profiles["calderdale"].reporting
    assert [e.id for e in reporting.evidence_elements] == [
        "quantitative",
        "qualitative",
        "service-users",
        "front-line-staff",
        "learning-and-improvement",
    ]
    by_id = {e.id: e for e in reporting.evidence_elements}
    assert by_id["service-users"].triangulates == ["quantitative", "qualitative"]
    assert len(by_id["learning-and-improvement"].draws_on) == 4
    per_element = {e: 0 for e in by_id}
    for evidence_type in reporting.evidence_types:
        per_element[evidence_type.element] += 1
    # Learning and Improvement draws on the others; the holistic self-assessment (s.4, App. 1's tool) is its one type.
    assert [(t.id, t.activity) for t in reporting.evidence_types if t.element == "learning-and-improvement"] == [
        ("holistic-self-assessments", "thematic-assurance"),
    ]
    placed = {t.activity for t in reporting.evidence_types}
    assert {a.id for a in profiles["calderdale"].activities if a.kind == "thematic_assurance_event"} <= placed
    assert all(per_element[e] >= 4 for e in list(by_id)[:4])


def test_calderdale_rolling_reports_name_real_groups(profiles: dict[str, FrameworkProfile]) -> None:
    calderdale = profiles["calderdale"]
    reporting = calderdale.reporting
    groups = {g.id for g in calderdale.groups}
    counts = {g: len(reporting.reports_for(g)) for g in groups}
    assert counts["cscp-executive"] == 14
    assert counts["quality-assurance-subgroup"] == 2
    assert counts["learning-and-improvement-subgroup"] == 1
    assert counts["contextual-safeguarding-group"] == 4
    s11 = reporting.rolling_report("section-11-safeguarding-adults-audit")
    assert s11.received_by == ["cscp-executive", "quality-assurance-subgroup"]
    for report in reporting.rolling_reports:
        assert report.cadence == Cadence(count=1, per_months=12)
    assert reporting.impact_log is not None and reporting.impact_log.status == "planned"
    assert reporting.information_requests is not None
    assert "legal action" in reporting.information_requests.consequence
    assert calderdale.section11.cadence_months == 12


# ---------------------------------------------------------------------------
# Hertfordshire (seed 002)
# ---------------------------------------------------------------------------


def test_hertfordshire_scrutineer_duties(profiles: dict[str, FrameworkProfile]) -> None:
    herts = profiles["hertfordshire"]
    duties = herts.independent_scrutiny.duties
    assert "Review the Partnership's annual report." in duties
    assert any("Audit & Performance sub group" in d for d in duties)
    assert any("escalation and conflict resolution" in d for d in duties)
    assert any("Elected Members" in d for d in duties)
    assert herts.reporting.yearly_report is not None
    assert herts.reporting.yearly_report.scrutineer == "reviews"


def test_hertfordshire_learning_hub(profiles: dict[str, FrameworkProfile]) -> None:
    herts = profiles["hertfordshire"]
    assert herts.activity("learning-hub").kind == "learning_hub"
    hub = herts.activity("learning-hub").learning_hub
    assert hub is not None and hub.strategic_group == "hscp-strategic-group"  # the cycle the events service runs
    baselines = {m.id: m.baseline for m in herts.reporting.measures}
    assert baselines["practitioners-attending"] == 225
    assert baselines["forums-met-objectives"] == 90
    assert baselines["survey-responses"] == 33
    assert {t.id for t in herts.reporting.themes if t.status == "future"} == {
        "children-stepped-down-from-cp-to-cin",
        "child-sexual-abuse",
    }


# ---------------------------------------------------------------------------
# North Lincolnshire (seed 000): the reporting section
# ---------------------------------------------------------------------------


def test_north_lincolnshire_reports(profiles: dict[str, FrameworkProfile]) -> None:
    nl = profiles["north-lincolnshire"]
    yearly = nl.reporting.yearly_report
    assert yearly is not None
    assert (yearly.scrutineer, yearly.scrutineer_before_publication) == ("reviews", True)
    assert yearly.signed_off_by == ["safeguarding-partners"]
    board = [r.id for r in nl.reporting.reports_for("childrens-mars-board")]
    assert "iso-annual-report" in board
    assert "agency-assurance-event-action-plan" in board
    maag = nl.reporting.rolling_report("maag-audit-findings")
    assert maag.cadence == Cadence(count=1, per_months=1)
    assert maag.received_by == ["practice-lead-officers-group"]


# ---------------------------------------------------------------------------
# activity, Section 11 and review rules added to the schema by the services
# ---------------------------------------------------------------------------


def test_service_rules_stated_by_the_documents(profiles: dict[str, FrameworkProfile]) -> None:
    somerset = profiles["somerset"]
    peer = somerset.section11.peer_challenge
    assert peer is not None and peer.within_months == 12
    assert peer.development and peer.good_practice
    assert somerset.reviews.audit_cadence_months == 3
    assert somerset.activity("regional-peer-review").peer_review.reciprocal is True  # type: ignore[union-attr]
    assert profiles["calderdale"].reviews.audit_cadence_months == 1
    assert profiles["calderdale"].activity("young-advisors").report_drafted_by == "young_inspectors"
    herts = profiles["hertfordshire"]
    hub = herts.activity("learning-hub").learning_hub
    assert hub is not None
    assert (hub.forums_planned, hub.strategic_group) == (5, "hscp-strategic-group")
    assert len(hub.evaluation_questions) == 4
    review = herts.activity("regional-peer-review").peer_review
    assert review is not None and review.days_on_site == 2


def test_only_a_framework_with_call_ins_proposes_one_for_its_worst_rated_domains(profiles: dict[str, FrameworkProfile]) -> None:
    # North Lincolnshire calls an agency in (its "agency call-ins"); the other four frameworks have no
    # call-in: a domain rated worst is a risk like any at the threshold (reported to the group that
    # receives the Section 11 audit, and tested in peer challenge where the framework runs it).
    for profile_id, profile in profiles.items():
        rules = profile.section11
        calls_in = any(a.kind == "call_in" for a in profile.activities)
        assert calls_in == (profile_id == "north-lincolnshire"), profile_id
        assert rules.proposes_call_in(rules.rating_scale.worst.value) == calls_in, profile_id
        assert rules.is_risk(rules.rating_scale.worst.value), profile_id
