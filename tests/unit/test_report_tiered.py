"""The tiered assurance report from Kent's profile and indicator ratings (pure view, and its page)."""

from dataclasses import replace
from datetime import UTC, date, datetime

from services.reporting.adapters.report_pages import render_tiered
from services.reporting.domain.views.report_rows import (
    CitedRow,
    IndicatorRatingRow,
    RecordRow,
    RiskRow,
    YearlyReportRow,
)
from services.reporting.domain.views.tiered import build_tiered
from shared.profiles import load_builtin

KENT = load_builtin("kent")
AS_OF = datetime(2027, 3, 31, 12, tzinfo=UTC)


def rating(indicator: str, level: str, position: int, previous: str | None = None, tier: str = "strategic") -> IndicatorRatingRow:
    cited = [CitedRow("s11-cycle", "2026-27", f"ev-s11-{position}", "AuditCycleClosed", 40 + position)]
    return IndicatorRatingRow(
        indicator, tier, level, previous, "Audits led to a revised escalation policy", cited,
        date(2027, 3, position), "Business team (invented)", f"ev-rating-{position}", position,
    )


def record(kind: str, record_id: str, activity: str | None, day: date, position: int) -> RecordRow:
    return RecordRow(kind, record_id, activity, f"{kind} {record_id}", None, [], "concluded", day, day, f"ev-{record_id}", position)


def test_every_tier_tool_and_indicator_of_the_profile_in_order() -> None:
    report = build_tiered(KENT, [], [], AS_OF)
    assert [t.name for t in report.tiers] == [
        "Tier One - Operational", "Tier Two - Strategic", "Tier Three - Independent & oversight",
    ]
    operational, strategic, independent = report.tiers
    data = operational.tools[0]
    assert (data.name, data.reported_to, data.feeds) == ("Single agency data", [], ["Partnership Data Dashboard"])
    s11 = next(t for t in strategic.tools if t.id == "section-11-audit")
    assert s11.reported_to == ["Scrutiny, Assurance and Audit Sub-group", "KSCMP Executive", "Lead Safeguarding Partners (LSPs)"]
    assert report.indicators == 3 + 6 + 4 and report.rated == 0
    assert all(i.level == "Not rated" for t in report.tiers for i in t.indicators)
    assert independent.indicators[0].text.startswith("Extent to which recommendations from Independent Scrutiny")


def test_the_latest_rating_of_each_indicator_counts_with_its_evidence_and_trend() -> None:
    ratings = [
        rating("audits-lead-to-change", "limited", 1),
        rating("audits-lead-to-change", "moderate", 2, previous="limited"),
        rating("data-dashboard-developed", "unsatisfactory", 3, tier="operational"),
    ]
    report = build_tiered(KENT, ratings, [], AS_OF)
    audits = next(i for i in report.tiers[1].indicators if i.id == "audits-lead-to-change")
    assert (audits.level, audits.css, audits.trend, audits.ratings) == ("Moderate assurance", "a-moderate", "improved", 2)
    assert audits.rating is not None and audits.rating.evidence[0].label == "Section 11 cycle 2026-27"
    assert report.rated == 2
    assert report.tiers[0].count("unsatisfactory") == 1 and report.tiers[1].count("moderate") == 1


def test_a_tool_shows_the_latest_record_of_its_activity() -> None:
    records = [
        record("s11-cycle", "2025-26", None, date(2025, 6, 1), 1),
        record("s11-cycle", "2026-27", None, date(2026, 6, 1), 9),
        record("assurance-event", "pr-1", "peer-review", date(2026, 9, 1), 3),
        record("assurance-event", "other", "independent-scrutiny", date(2026, 9, 2), 4),
    ]
    report = build_tiered(KENT, [], records, AS_OF)
    tools = {t.id: t for tier in report.tiers for t in tier.tools}
    assert tools["section-11-audit"].latest is not None and tools["section-11-audit"].latest.record_id == "2026-27"
    assert tools["section-11-audit"].records == 2
    assert tools["peer-review"].latest is not None and tools["peer-review"].latest.record_id == "pr-1"
    assert tools["partnership-strategic-plan"].latest is None


def test_the_page_names_each_rating_and_the_events_it_cites() -> None:
    html = render_tiered(build_tiered(KENT, [rating("audits-lead-to-change", "limited", 5)], [], AS_OF))
    assert "Tier Two - Strategic" in html and "Partnership Risk Register" in html
    assert "KSCMP Executive, Lead Safeguarding Partners (LSPs)" in html
    assert "Limited assurance" in html and "event ev-rating-5" in html and "event ev-s11-5" in html
    assert "No rating and no evidence recorded" in html


def test_kent_s_risk_register_and_annual_report_are_linked_to_what_the_platform_records() -> None:
    risks = [
        RiskRow("r-1", "Funding gap", "d", "kscmp-executive", "", (5, 5), (4, 4), (2, 2), [], date(2026, 5, 1), date(2027, 5, 1),
                date(2026, 5, 1), "open", None, None, "ev-r1", 11, "ev-r1-last", 12),
        RiskRow("r-2", "Data sharing", "d", "kscmp-executive", "", (4, 4), (3, 3), (2, 2), [], date(2026, 6, 1), date(2027, 6, 1),
                date(2027, 2, 1), "open", None, None, "ev-r2", 13, "ev-r2-last", 21),
    ]
    annual = YearlyReportRow(
        2026, "KSCMP Annual Report", date(2026, 4, 1), date(2027, 3, 31), 1, "drafted", "A year", "KSCMP Business Team", "none",
        False, None, ["lead-safeguarding-partners"], [], True, "", None, None, "ev-yr", 30,
    )
    report = build_tiered(KENT, [], [], AS_OF, risks=risks, yearly=[annual])
    tools = {t.id: t for tier in report.tiers for t in tier.tools}
    register = tools["partnership-risk-register"]
    assert register.records == 2 and register.latest is not None
    assert (register.latest.label, register.latest.event_id, register.latest.status) == ("Risk r-2", "ev-r2-last", "open")
    yearly = tools["kscmp-annual-report"]
    assert yearly.records == 1 and yearly.latest is not None and yearly.latest.event_id == "ev-yr"
    assert yearly.latest.title == "KSCMP Annual Report 2026" and yearly.latest.status == "drafted"
    assert tools["scrutiny-assurance-audit-report"].records == 0  # another of Kent's yearly reports
    saa = replace(annual, name="Scrutiny, Assurance and Audit Report", event_id="ev-saa", report_id="scrutiny-assurance-audit-report")
    tools = {t.id: t for tier in build_tiered(KENT, [], [], AS_OF, yearly=[annual, saa]).tiers for t in tier.tools}
    assert tools["kscmp-annual-report"].records == 1 and tools["scrutiny-assurance-audit-report"].records == 1
    latest = tools["scrutiny-assurance-audit-report"].latest
    assert latest is not None and (latest.event_id, latest.label) == ("ev-saa", "Yearly report scrutiny-assurance-audit-report:2026")
    html = render_tiered(report)
    assert "Risk r-2 · event ev-r2-last" in html and "event ev-yr" in html


def test_each_review_counts_under_the_one_tool_whose_review_types_it_is() -> None:
    records = [
        record("review", "cspr-1", "cspr", date(2026, 7, 1), 1),
        record("review", "tr-1", "thematic-review", date(2026, 8, 1), 2),
        record("assurance-event", "sa-1", "single-agency-incident-reviews", date(2026, 9, 1), 3),
    ]
    tools = {t.id: t for tier in build_tiered(KENT, [], records, AS_OF).tiers for t in tier.tools}
    cspr, single = tools["child-safeguarding-practice-reviews"], tools["single-agency-incident-reviews"]
    assert (cspr.records, cspr.latest and cspr.latest.record_id) == (1, "cspr-1")
    assert (single.records, single.latest and single.latest.record_id) == (1, "sa-1")  # the agency's own, not the partnership's reviews


def test_indicators_are_rated_on_the_profile_s_levels() -> None:
    from tests.unit.test_report_records import own_scales

    report = build_tiered(own_scales(), [rating("audits-lead-to-change", "partly-assured", 2, previous="not-assured")], [], AS_OF)
    assert list(report.levels) == ["assured", "partly-assured", "not-assured"]
    audits = next(i for i in report.tiers[1].indicators if i.id == "audits-lead-to-change")
    assert (audits.level, audits.trend) == ("Partly assured", "improved") and audits.css in {"a-moderate", "a-limited"}
    html = render_tiered(report)
    assert ">Assured</th>" in html and ">Not assured</th>" in html and "Substantial assurance" not in html
