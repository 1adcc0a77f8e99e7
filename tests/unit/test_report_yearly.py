"""The yearly report's content from the year's records, and where it is in its sign-off (pure)."""

from datetime import UTC, date, datetime

from services.reporting.adapters.report_pages import render_yearly
from services.reporting.domain.views.report_rows import (
    FactRow,
    IndicatorRatingRow,
    RecordRow,
    StepRow,
    YearlyReportRow,
)
from services.reporting.domain.views.reviews import ImpactRow as ImpactLinkRow
from services.reporting.domain.views.reviews import ReviewClockRow
from services.reporting.domain.views.yearly import build_yearly, next_steps
from shared.profiles import load_builtin
from tests.support.report_rows import linked_action

SOMERSET = load_builtin("somerset")
KENT = load_builtin("kent")
AS_OF = datetime(2027, 4, 20, 9, tzinfo=UTC)


def record(kind: str, record_id: str, day: date, position: int, **extra: object) -> RecordRow:
    fields: dict = {"status": "concluded", "activity": None, "theme": None, "ended_on": day, "themes": []} | extra
    return RecordRow(
        kind, record_id, fields.pop("activity"), f"Record {record_id}", fields.pop("theme"), fields.pop("themes"), fields.pop("status"),
        day, fields.pop("ended_on"), f"ev-{record_id}", position, **fields,
    )


RECORDS = [
    record("assurance-event", "conv-1", date(2026, 6, 10), 1, activity="safeguarding-conversations", areas=["Share chronologies earlier"]),
    record("assurance-event", "old", date(2026, 2, 10), 2, activity="safeguarding-conversations"),  # the year before
    record("s11-cycle", "2026-28", date(2026, 5, 1), 3, status="closed", ended_on=date(2026, 7, 1), figures={"agencies": 7, "returns": 6}),
    record("audit-round", "maa-q1", date(2026, 4, 1), 4, findings=["Early help plans lack outcomes"]),
    record(
        "review",
        "cspr-1",
        date(2026, 9, 1),
        5,
        status="published",
        ended_on=date(2027, 2, 1),
        link="https://example.org/cspr-1",
        themes=["neglect"],
    ),
]
FACTS = [
    FactRow("assurance-event", "conv-1", "learning", date(2026, 7, 1), "practitioners told of the actions taken: new pathway", "ev-f", 6)
]
ACTIONS = [
    linked_action("act-1", "New pathway", "scc-childrens-social-care", date(2026, 12, 1), "signed-off", "assurance-event", "conv-1",
                  date(2026, 6, 11), "ev-a1", 7, signed_off_on=date(2026, 12, 5)),
    linked_action("act-2", "Audit escalation", "avon-and-somerset-constabulary", date(2027, 1, 1), "overdue", "audit", "maa-q1",
                  date(2026, 4, 20), "ev-a2", 8),
]
IMPACT = [ImpactLinkRow("imp-1", date(2027, 3, 1), "Fewer repeat referrals", "Data dashboard Q4", {"actions": ["act-1"]}, "ev-i", 9)]
CLOCKS = [
    ReviewClockRow(
        "rapid-review", "si-1", "Rapid review si-1", None, date(2026, 8, 1), date(2026, 8, 21), "working_days", "decided",
        "local-cspr", False, date(2026, 8, 20), None, "ev-si", 2, "RapidReviewDecided", "ev-rr", 10,
    )
]


def drafted(status: str = "drafted", steps: list[StepRow] | None = None, signed: list[str] | None = None) -> YearlyReportRow:
    return YearlyReportRow(
        2026, "Twelve-monthly report", date(2026, 4, 1), date(2027, 3, 31), 1, status, "A year of rebuilding", "Business Unit",
        "signs_off", True, "sscp-executive", [], signed or [], True, "SSCP website", None, None, "ev-d", 20, steps or [],
    )


def test_the_years_records_what_was_done_its_impact_reviews_and_learning() -> None:
    view = build_yearly(SOMERSET, 2026, drafted(), RECORDS, FACTS, ACTIONS, IMPACT, [], CLOCKS, AS_OF)
    assert (view.label, view.period_start, view.period_end) == ("2026/27", date(2026, 4, 1), date(2027, 3, 31))
    assert [e.source for e in view.done["Assurance activity held"]] == ["Assurance event conv-1"]
    assert view.done["Section 11"][0].text == "Record 2026-28 (closed): 6 of 7 agencies returned"
    figures = dict(view.figures)
    assert figures["assurance activities held"] == 1 and figures["Section 11 returns received"] == 6
    assert figures["rapid reviews decided within their timescale"] == 1 and figures["reviews published"] == 1
    assert (figures["actions raised"], figures["actions signed off"], figures["actions overdue now"]) == (2, 1, 1)
    assert [e.source for e in view.impact] == ["Impact log entry imp-1"]
    assert any("https://example.org/cspr-1" in e.text for e in view.reviews)
    assert any(e.source == "Rapid review si-1" and "within its timescale" in e.text for e in view.reviews)
    assert [e.text for e in view.learning] == [
        "Record conv-1: Share chronologies earlier", "Record maa-q1: Early help plans lack outcomes",
        "practitioners told of the actions taken: new pathway",
    ]
    assert view.includes[0].startswith("Section 11 audit and peer review workshop findings")


def test_progress_on_priorities_from_indicator_ratings_at_the_start_and_end_of_the_year() -> None:
    ratings = [
        IndicatorRatingRow("audits-lead-to-change", "strategic", "limited", None, "r", [], date(2026, 2, 1), "BU", "ev-1", 1),
        IndicatorRatingRow("audits-lead-to-change", "strategic", "moderate", "limited", "r", [], date(2026, 10, 1), "BU", "ev-2", 2),
        IndicatorRatingRow("audits-lead-to-change", "strategic", "substantial", "moderate", "r", [], date(2027, 5, 1), "BU", "ev-3", 3),
    ]
    view = build_yearly(KENT, 2026, None, [], [], [], [], ratings, [], AS_OF)
    audits = next(p for p in view.priorities if p.indicator_id == "audits-lead-to-change")
    assert (audits.level, audits.was) == ("Moderate assurance", "Limited assurance")  # the May 2027 rating is next year's
    assert len(view.priorities) == 13


def test_where_the_report_is_in_its_sign_off_follows_the_profiles_rules() -> None:
    names = {"lead-safeguarding-partners": "Lead Safeguarding Partners"}
    assert next_steps(None, names) == ["a draft, compiled from the year's records"]
    somerset = drafted()
    assert next_steps(somerset, names) == [
        "the independent scrutineer's written comments on version 1", "the independent scrutineer's sign-off", "publication (SSCP website)",
    ]
    commented = drafted("scrutineer-commented", [StepRow("scrutineer-commented", 1, "ISO", date(2027, 4, 2), "ok", None, "e", 2)])
    assert next_steps(commented, names)[0] == "the independent scrutineer's sign-off"
    view = build_yearly(KENT, 2026, None, [], [], [], [], [], [], AS_OF)
    assert (view.name, view.lifecycle.status, view.lifecycle.scrutineer) == ("KSCMP Annual Report", "not drafted", "no part")
    assert view.lifecycle.sign_off_by == ["Lead Safeguarding Partners (LSPs)"]


def test_the_page() -> None:
    steps = [StepRow("drafted", 1, "Business Unit", date(2027, 4, 1), "A year of rebuilding", None, "ev-d", 20)]
    html = render_yearly(build_yearly(SOMERSET, 2026, drafted(steps=steps), RECORDS, FACTS, ACTIONS, IMPACT, [], CLOCKS, AS_OF))
    assert "Twelve-monthly report 2026/27" in html
    assert "Waiting for: the independent scrutineer&#39;s written comments on version 1; then" in html
    assert "event ev-conv-1" in html and "event ev-i" in html and "Fewer repeat referrals" in html
