"""Each headline figure counted once (pure): open actions include the overdue ones, the
overview counts with the same functions, and the board pack's action chart reads each
action's history in the order things happened, ending on the headline figure."""

from dataclasses import replace
from datetime import date

from services.reporting.domain.views.board_pack_trends import action_trend
from services.reporting.domain.views.dashboard import build_overview
from services.reporting.domain.views.figures import (
    DEFINITIONS,
    awaiting_sign_off,
    counts,
    open_actions,
    overdue_actions,
)
from tests.unit.test_board_pack_support import actions, h


def test_open_actions_are_those_not_yet_completed_overdue_included() -> None:
    rows = actions()
    statuses = [a.status for a in rows]
    assert open_actions(rows) == statuses.count("open") + statuses.count("overdue")
    assert overdue_actions(rows) == statuses.count("overdue") and awaiting_sign_off(rows) == statuses.count("awaiting-sign-off")
    overview = build_overview(23, 2, 2, 1, rows, 0)
    assert (overview.open_actions, overview.overdue_actions, overview.awaiting_sign_off) == (
        open_actions(rows), overdue_actions(rows), awaiting_sign_off(rows))


def test_every_figure_says_in_one_sentence_what_it_counts() -> None:
    for key, definition in DEFINITIONS.items():
        assert definition.counts.endswith(".") and definition.counts.count(". ") == 0, key
    assert "not the risk register" in counts("open-risk-flags")
    assert "Section 11 risk flags" in counts("open-risks")


def test_the_chart_counts_an_action_overdue_from_its_overdue_day_though_recorded_after_it() -> None:
    """A demo records a year in minutes: the action raised today carries today's date, its
    overdue (raised by the watcher) the due day months ago. The chart follows the days."""
    late = replace(actions()[1], history=[h("ActionRaised", "2026-12-06", "raised", 3), h("ActionOverdue", "2026-04-02", "overdue", 4)])
    trend = {m.month: m.overdue for m in action_trend([late], date(2026, 12, 6))}
    assert all(trend[month] == 1 for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11")), trend


def test_the_charts_last_point_is_the_headline_figure() -> None:
    rows = actions()
    trend = action_trend(rows, date(2027, 1, 15))
    assert trend[-1].overdue == overdue_actions(rows)
