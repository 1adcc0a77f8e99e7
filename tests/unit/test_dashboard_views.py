"""The dashboard's pure parts: an agency's view keeps only that agency's rows, links keep
the as-of date and go nowhere for an unknown agency, the shared partials print plain text
where there are no links (board pack, evidence bundle), and sign-in never redirects away."""

from datetime import UTC, date, datetime

import pytest

from services.reporting.adapters.dashboard_pages import Links
from services.reporting.adapters.templating import ENVIRONMENT
from services.reporting.domain.views.actions import ActionRow
from services.reporting.domain.views.agency import AgencyRows, build_agency_view
from services.reporting.domain.views.dashboard import Overview
from services.reporting.domain.views.event_detail import EventDetail
from services.reporting.domain.views.section11 import RatingRow, ReturnRow, RiskFlagRow
from services.reporting.entrypoints.web.session import safe_next
from shared.profiles import load_builtin

PROFILE = load_builtin("north-lincolnshire")
POLICE, HOSPITALS = "humberside-police", "northern-lincolnshire-and-goole-hospitals"
AS_OF = datetime(2026, 11, 2, 9, tzinfo=UTC)
EV = "11111111-1111-1111-1111-111111111111"
_env = ENVIRONMENT  # the reporting service's one environment


def rows() -> AgencyRows:
    return AgencyRows(
        returns=[
            ReturnRow(POLICE, "2025-26", date(2025, 11, 30), "late", AS_OF, 2, 0, EV, 1),
            ReturnRow(POLICE, "2026-27", date(2026, 11, 30), "submitted", AS_OF, 0, 1, EV, 9),
            ReturnRow(HOSPITALS, "2026-27", date(2026, 11, 30), "due", None, 0, 0, EV, 8),
        ],
        ratings=[
            RatingRow(POLICE, "2026-27", "culture-and-challenge", 3, 2, "No escalation audit", EV, 9, EV),
            RatingRow(POLICE, "2025-26", "culture-and-challenge", 2, None, None, EV, 1),
            RatingRow(HOSPITALS, "2026-27", "culture-and-challenge", 1, None, None, EV, 8),
        ],
        risk_flags=[
            RiskFlagRow(POLICE, "culture-and-challenge", 2, "low", AS_OF, EV, 2, AS_OF, "2025-26", EV, 5),
            RiskFlagRow(POLICE, "culture-and-challenge", 2, "moderated", AS_OF, EV, 10, cycle_id="2026-27"),
        ],
        actions=[
            ActionRow("act-1", "Refresh the escalation policy", POLICE, date(2026, 12, 18), "open", "review: cspr-1", EV, 3, None),
            ActionRow("act-2", "Audit discharge letters", HOSPITALS, date(2026, 12, 18), "overdue", "review: cspr-1", EV, 4, EV),
        ],
    )


def test_an_agency_view_keeps_only_its_own_rows_latest_cycle_first() -> None:
    view = build_agency_view(PROFILE, POLICE, rows(), AS_OF)
    assert (view.agency_name, view.category) == ("Humberside Police", "police")
    assert [c.cycle_id for c in view.cycles] == ["2026-27", "2025-26"]
    latest = {r.domain_id: r for r in view.cycles[0].ratings}
    culture = latest["culture-and-challenge"]
    assert (culture.effective, culture.gap, culture.rag) == (2, 1, "amber")
    assert latest["leadership-and-governance"].rating is None  # a domain not rated shows as such
    assert [f.open for f in view.risk_flags] == [False, True] and view.open_risk_flags == 1
    assert [a.row.action_id for a in view.tracked_actions] == ["act-1"]
    with pytest.raises(KeyError):
        build_agency_view(PROFILE, "no-such-agency", rows(), AS_OF)


def test_links_keep_the_as_of_date_and_name_only_the_profiles_agencies() -> None:
    live = Links("north-lincolnshire", None, frozenset({POLICE}))
    then = Links("north-lincolnshire", date(2026, 11, 2), frozenset({POLICE}))
    assert live.agency(POLICE) == "/p/north-lincolnshire/agency/humberside-police"
    assert then.agency(POLICE) == "/p/north-lincolnshire/agency/humberside-police?as_of=2026-11-02"
    assert then.event(EV) == f"/p/north-lincolnshire/event/{EV}?as_of=2026-11-02"
    assert then.dashboard("risk") == "/p/north-lincolnshire?as_of=2026-11-02#risk"
    assert then.area("actions", "overdue") == "/p/north-lincolnshire/actions?as_of=2026-11-02#overdue"
    assert live.area("") == "/p/north-lincolnshire" and live.area("section11") == "/p/north-lincolnshire/section11"
    assert live.agency("the-lado") is None and live.event(None) is None


def test_the_shared_partials_link_on_the_dashboard_and_print_plain_text_in_files() -> None:
    flag = RiskFlagRow(POLICE, "culture-and-challenge", 2, "low", AS_OF, EV, 7)
    d = type("D", (), {"risk_flags": [flag], "agency_names": {POLICE: "Humberside Police"}, "domain_names": {},
                       "rating_labels": {2: "Requires improvement"}, "overview": Overview(23, 1, 1, 1, 0, 0, 0)})()
    plain = _env.get_template("_risk_flags.html").render(d=d)
    assert f"event {EV}" in plain and "<a " not in plain and "Requires improvement" in plain  # a file names the event
    linked = _env.get_template("_risk_flags.html").render(d=d, links=Links("north-lincolnshire", None, frozenset({POLICE})))
    # on the web the evidence is one link away, its id in the link, never in the text
    assert f'<a class="ev" href="/p/north-lincolnshire/event/{EV}">View evidence' in linked
    assert linked.count(EV) == 1 and "position" not in linked and "Requires improvement" in linked
    assert '<a class="agency" href="/p/north-lincolnshire/agency/humberside-police">Humberside Police</a>' in linked


def test_an_events_agencies_are_read_from_its_payload() -> None:
    detail = EventDetail(
        "reviews", 5, EV, "SafeguardingConcernEscalated", 1, "audit:north-lincolnshire:maca-1", 3, "north-lincolnshire",
        "business-unit", AS_OF, AS_OF, EV, None, {}, {"raised_by_agency_id": POLICE, "escalated_to": "north-lincolnshire-council",
        "agency_ids": [POLICE, HOSPITALS]}, "{}", "0" * 64, "1" * 64, True,
    )
    assert detail.agency_ids == [POLICE, "north-lincolnshire-council", HOSPITALS]


@pytest.mark.parametrize(
    ("asked", "sent_to"),
    [("/p/north-lincolnshire?as_of=2026-11-02", "/p/north-lincolnshire?as_of=2026-11-02"),
     ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("", "/")],
)
def test_sign_in_goes_back_only_to_a_page_of_this_server(asked: str, sent_to: str) -> None:
    assert safe_next(asked) == sent_to
