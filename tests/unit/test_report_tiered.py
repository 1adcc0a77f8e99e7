"""The tiered assurance report from Kent's profile and indicator ratings (pure view, and its page)."""

from datetime import UTC, date, datetime

from services.reporting.adapters.report_pages import render_tiered
from services.reporting.domain.views.report_rows import CitedRow, IndicatorRatingRow, RecordRow
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
