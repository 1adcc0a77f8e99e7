"""The board pack's pure view: exceptions since the last meeting, decisions, the reports the
profile's schedule sends to a group at a meeting, the next quarter's planner, chart figures."""

from datetime import date

import pytest

from services.reporting.domain.views.board_pack_exceptions import Names, Window, action_exceptions
from services.reporting.domain.views.board_pack_schedule import (
    Concluded,
    UnknownGroup,
    default_group,
    months_between,
    next_quarter,
    previous_meeting,
    reports_due,
    tools_for,
)
from services.reporting.domain.views.board_pack_trends import action_trend, timeliness
from shared.profiles import load_builtin
from tests.unit.test_board_pack_support import (
    BOARD,
    MEETING,
    PROFILE,
    SINCE,
    actions,
    dashboard,
    pack,
)

SOMERSET = load_builtin("somerset")
CALDERDALE = load_builtin("calderdale")
KENT = load_builtin("kent")


def test_exceptions_since_the_last_meeting_name_the_event_behind_each() -> None:
    p = pack()
    assert [(x.on, x.kind, x.event_id) for x in p.exceptions] == [
        (date(2026, 11, 2), "Overdue action", "evt-actionoverdue-2"),
        (date(2026, 11, 10), "Late return", "evt-late-police"),
        (date(2026, 11, 10), "Risk flag", "evt-flag-police"),
        (date(2026, 11, 20), "Missed milestone", "evt-milestone-missed"),
        (date(2026, 12, 1), "Late return", "evt-overdue-housing"),
        (date(2026, 12, 2), "Confidence gap", "evt-gap-ambulance"),
        (date(2026, 12, 4), "Slipping review", "evt-reviewslippagewarned-31"),
        (date(2026, 12, 5), "Late information request", "evt-ir-overdue"),
    ]
    assert p.count("Late return") == 2
    # Raised before the last meeting and still open: shown apart; a cleared old flag is not.
    assert [(x.kind, x.event_id) for x in p.outstanding] == [
        ("Risk flag", "evt-flag-housing"),
        ("Overdue action", "evt-actionoverdue-4"),
        ("Late return", "evt-overdue-probation"),
        ("Slipping review", "evt-rapidreviewoverdue-33"),
    ]
    assert "evt-flag-old" not in {x.event_id for x in p.exceptions + p.outstanding}


def test_a_later_last_meeting_moves_earlier_exceptions_to_outstanding_or_drops_them() -> None:
    p = pack(since=date(2026, 11, 30))
    assert [x.event_id for x in p.exceptions] == [
        "evt-overdue-housing", "evt-gap-ambulance", "evt-reviewslippagewarned-31", "evt-ir-overdue",
    ]
    outstanding = {x.event_id for x in p.outstanding}
    assert {"evt-actionoverdue-2", "evt-flag-police", "evt-milestone-missed"} <= outstanding
    assert "evt-late-police" not in outstanding  # received (late) before: no longer an exception


def test_exceptions_stop_at_the_meeting_or_the_packs_date() -> None:
    window = Window(date(2026, 10, 20), date(2026, 11, 1))
    lines = action_exceptions(actions(), window, Names.of(PROFILE))
    assert [x.event_id for x in lines if x.new] == []  # act-1 went overdue on 2 Nov, after the window
    assert pack().until == date(2027, 1, 15)  # the records' date, before the meeting


def test_since_is_the_date_given_else_the_groups_schedule_else_three_months() -> None:
    assert previous_meeting(PROFILE, BOARD, MEETING, SINCE).day == SINCE
    board = previous_meeting(PROFILE, BOARD, MEETING)
    assert board.day == date(2026, 10, 20) and "three months" in board.reason
    # The practice lead officers' group receives the MAAG's findings monthly.
    monthly = previous_meeting(PROFILE, "practice-lead-officers-group", MEETING)
    assert monthly.day == date(2026, 12, 20) and "every month" in monthly.reason
    quarterly = previous_meeting(SOMERSET, "quality-and-performance-subgroup", date(2027, 4, 15))
    assert quarterly.day == date(2027, 1, 15) and "every 3 months" in quarterly.reason


def test_an_unknown_group_is_refused_listing_the_profiles_groups() -> None:
    with pytest.raises(UnknownGroup) as refused:
        pack(group="the-board")
    message = str(refused.value)
    assert "'the-board' is not a group" in message
    assert all(g.id in message for g in PROFILE.groups)


def test_default_group_is_the_board() -> None:
    assert default_group(PROFILE) == BOARD
    assert default_group(CALDERDALE) == "cscp-executive"


def test_somerset_twelve_monthly_report_is_due_in_april_only() -> None:
    april = reports_due(SOMERSET, "health-and-wellbeing-board", months_between(date(2027, 1, 15), date(2027, 4, 15)))
    [report] = [r for r in april if r.report_id == "twelve-monthly-report"]
    assert (report.status, report.why) == ("due", "due in April")
    february = reports_due(SOMERSET, "health-and-wellbeing-board", months_between(date(2026, 11, 1), date(2027, 2, 1)))
    [report] = [r for r in february if r.report_id == "twelve-monthly-report"]
    assert (report.status, report.why) == ("not due", "due in April")


def test_quarterly_reports_are_due_at_a_quarterly_meeting_and_two_yearly_ones_are_not_fixed() -> None:
    lines = reports_due(SOMERSET, "quality-and-performance-subgroup", months_between(date(2027, 1, 15), date(2027, 4, 15)))
    status = {r.report_id: r.status for r in lines}
    assert status["data-dashboard"] == status["multi-agency-audit-report"] == status["family-follow-up-report"] == "due"
    assert status["section-11-findings"] == "not fixed"
    assert [r.status for r in lines] == sorted((r.status for r in lines), key=["due", "as required", "not fixed", "not due"].index)
    [s11] = [r for r in lines if r.report_id == "section-11-findings"]
    assert s11.also_to == ["Partnership Business Group"]


def test_calderdale_appendix_2_reports_reach_their_receiving_groups() -> None:
    period = months_between(date(2026, 10, 1), date(2027, 1, 1))
    qa = reports_due(CALDERDALE, "quality-assurance-subgroup", period)
    assert [r.name for r in qa] == ["Section 11 / Safeguarding Adults Audit", "Young Advisors"]
    assert {r.status for r in qa} == {"not fixed"}  # App. 2 names no month
    assert len(reports_due(CALDERDALE, "cscp-executive", period)) == 14
    assert [r.name for r in reports_due(CALDERDALE, "contextual-safeguarding-group", period)] == [
        "Children Missing Education", "Mental Health & Emotional wellbeing", "Child Exploitation", "Harmful Sexual Behaviour",
    ]


def test_an_as_required_report_is_due_after_its_activity_concluded_in_the_period() -> None:
    concluded = [Concluded("agency-specific-assurance-event", "Agency event: police", date(2026, 11, 15), "evt-9")]
    lines = {r.report_id: r for r in reports_due(PROFILE, BOARD, months_between(SINCE, MEETING), concluded)}
    due = lines["agency-assurance-event-action-plan"]
    assert (due.status, due.event_id) == ("due", "evt-9")
    assert lines["thematic-assurance-event-action-plan"].status == "as required"
    assert "the next Children's MARS Board" in lines["thematic-assurance-event-action-plan"].why


def test_kent_tools_reported_to_the_executive_by_tier() -> None:
    tools = tools_for(KENT, "kscmp-executive")
    assert [t.level for t in tools] == sorted(t.level for t in tools)
    assert "Partnership Data Dashboard" in {t.tool for t in tools}
    quarterly = {r.report_id: r.status for r in reports_due(KENT, "kscmp-executive", months_between(date(2026, 10, 1), date(2027, 1, 1)))}
    assert quarterly["executive-circular"] == "due"


def test_decisions_for_the_group_and_those_awaited_elsewhere() -> None:
    board = pack()
    assert [(d.kind, d.event_id) for d in board.decisions_here] == [
        ("Action sign-off", "evt-actioncompleted-6"), ("Report agreement", "evt-drafted"),
    ]
    assert [(d.kind, d.decided_by) for d in board.decisions_elsewhere] == [("Review sign-off", "the subgroup overseeing the review")]
    splig = pack(group="splig")
    assert [d.kind for d in splig.decisions_here] == ["Review sign-off"]
    assert "Action sign-off" in {d.kind for d in splig.decisions_elsewhere}


def test_the_next_quarter_planner_names_the_scheduled_event() -> None:
    assert next_quarter(MEETING) == ("2027-02", 3)
    p = pack()
    assert [m.month for m in p.planner.months] == ["2027-02", "2027-03", "2027-04"]
    february = p.planner.months[0]
    [scheduled] = [s for s in february.planned if s.status == "scheduled"]
    assert scheduled.event.event_id == "evt-scheduled-agency-9"
    assert [e.event_id for e in p.coming] == ["evt-scheduled-agency-9"]


def test_actions_over_time_and_timeliness() -> None:
    trend = {m.month: m for m in action_trend(actions(), date(2027, 1, 15))}
    assert list(trend)[0] == "2026-07" and list(trend)[-1] == "2027-01"
    assert (trend["2026-08"].overdue, trend["2026-11"].overdue) == (1, 2)
    assert sum(m.opened for m in trend.values()) == 4
    assert trend["2026-12"].closed == 1
    rows = {r.label: r for r in timeliness(dashboard().section11.returns, dashboard().reviews)}
    s11 = rows["Section 11 returns 2026-27"]
    assert (s11.on_time, s11.late, s11.overdue, s11.pending) == (1, 1, 1, 1)
    assert rows["Rapid reviews"].overdue == 1
    assert rows["Information requests"].overdue == 1
