"""The risk register (pure): open risks by current score with their bands, reviews past due, closed risks."""

from datetime import UTC, date, datetime

from services.reporting.adapters.report_pages import render_risks
from services.reporting.domain.views.report_rows import RiskRow
from services.reporting.domain.views.risks import band, build_risk_register
from shared.profiles import load_builtin

KENT = load_builtin("kent")


def risk(risk_id: str, current: tuple[int, int], review_on: date, status: str = "open") -> RiskRow:
    return RiskRow(
        risk_id, f"Risk {risk_id}", "d", "kscmp-executive", "", (5, 5), current, (2, 2), [], date(2027, 1, 1), review_on,
        date(2027, 1, 1), status, date(2027, 3, 1) if status == "closed" else None, "resolved" if status == "closed" else None,
        f"ev-{risk_id}", 1, f"ev-{risk_id}-last", 2, [("RiskRecorded", date(2027, 1, 1), "recorded", f"ev-{risk_id}", 1)],
    )


def test_bands_of_the_five_by_five_matrix() -> None:
    assert [band(s)[0] for s in (1, 3, 4, 6, 8, 12, 15, 25)] == ["Low", "Low", "Moderate", "Moderate", "High", "High", "Extreme", "Extreme"]


def test_open_risks_highest_current_score_first_and_reviews_past_due() -> None:
    register = build_risk_register(
        KENT,
        [risk("a", (2, 2), date(2027, 6, 1)), risk("b", (4, 5), date(2027, 3, 1)), risk("c", (1, 1), date(2027, 1, 5), "closed")],
        datetime(2027, 4, 1, 9, tzinfo=UTC),
    )
    assert [x.row.risk_id for x in register.open] == ["b", "a"]
    b, a = register.open
    assert (b.current.score, b.current.band, b.review_overdue, b.owner_name) == (20, "Extreme", True, "KSCMP Executive")
    assert (a.at_target, a.review_overdue) == (True, False)
    assert [x.row.risk_id for x in register.closed] == ["c"] and register.reviews_overdue == 1
    assert register.in_band("Extreme") == 1
    html = render_risks(register)
    assert "1 past their review date" in html and "20 · Extreme" in html and "event ev-b-last" in html


def test_the_bands_are_the_profile_s() -> None:
    from tests.unit.test_report_records import own_scales

    register = build_risk_register(own_scales(), [risk("a", (2, 4), date(2027, 6, 1)), risk("b", (3, 3), date(2027, 6, 1))],
                                   datetime(2027, 4, 1, 9, tzinfo=UTC))
    assert [(x.row.risk_id, x.current.score, x.current.band, x.current.css) for x in register.open] == [
        ("b", 9, "Intolerable", "red"), ("a", 8, "Tolerable", "green"),
    ]
    assert "9 · Intolerable" in render_risks(register)
