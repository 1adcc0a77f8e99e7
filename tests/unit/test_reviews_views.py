"""The reviews and action tracker views (pure): buckets, clocks counted in their own unit,
and the partials that render them naming the events behind each row."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.adapters.pages import _env
from services.reporting.domain.views import Dashboard, HeatMap, Overview
from services.reporting.domain.views.actions import (
    ActionRow,
    HistoryEntry,
    bucket_of,
    build_tracker,
)
from services.reporting.domain.views.reviews import ReviewClockRow, build_reviews_view

AS_OF = datetime(2026, 12, 18, 10, tzinfo=UTC)


def action(status: str = "open", due_on: date = date(2027, 1, 30), reminded: str | None = None, **extra: object) -> ActionRow:
    return ActionRow(
        "act-1", "Refresh the escalation policy", "humberside-police", due_on, status, "review: cspr-1",
        "11111111-1111-1111-1111-111111111111", 7, None, reminded_event_id=reminded, **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("row", "bucket"),
    [
        (action(), "open"),
        (action(due_on=date(2026, 12, 31)), "due soon"),  # inside the 14-day lead time
        (action(reminded="22222222-2222-2222-2222-222222222222"), "due soon"),
        (action("overdue", date(2026, 12, 1)), "overdue"),
        (action("awaiting-sign-off", date(2026, 12, 1)), "awaiting sign-off"),
        (action("signed-off"), "signed off"),
    ],
)
def test_each_action_falls_in_one_bucket(row: ActionRow, bucket: str) -> None:
    assert bucket_of(row, date(2026, 12, 18), 14) == bucket


def test_the_tracker_counts_the_buckets_and_days_to_due() -> None:
    tracker = build_tracker([action(), action("overdue", date(2026, 12, 1))], AS_OF, 14)
    assert [tracker.count(b) for b in ("open", "due soon", "overdue", "awaiting sign-off", "signed off")] == [1, 0, 1, 0, 0]
    assert tracker.buckets["overdue"][0].days_to_due == -17


def clock(kind: str, due_on: date, unit: str, status: str = "open", **extra: object) -> ReviewClockRow:
    values: dict[str, object] = {
        "kind": kind, "review_id": "si-1", "title": "Rapid review", "case_ref": "case-7f3a", "starts_on": date(2026, 12, 18),
        "due_on": due_on, "unit": unit, "status": status, "outcome": None, "late": None, "closed_on": None, "change_reason": None,
        "event_id": "33333333-3333-3333-3333-333333333333", "position": 3, "last_event_type": "RapidReviewOpened",
        "last_event_id": "33333333-3333-3333-3333-333333333333", "last_position": 3,
    }
    return ReviewClockRow(**(values | extra))  # type: ignore[arg-type]


def test_clocks_count_in_their_own_unit() -> None:
    view = build_reviews_view(
        [clock("rapid-review", date(2027, 1, 13), "working_days"), clock("cspr", date(2027, 7, 11), "months"),
         clock("notification", date(2026, 12, 24), "working_days", "notified", closed_on=date(2026, 12, 18))],
        [], [], [], [], AS_OF,
    )
    rapid, cspr, notification = view.clocks[0], view.clocks[1], view.clocks[2]
    assert (rapid.row.kind, rapid.days_left, rapid.counted_in) == ("rapid-review", 15, "working days")  # 3 bank holidays skipped
    assert (cspr.days_left, cspr.counted_in) == (205, "calendar days")
    assert (notification.row.kind, notification.days_left, notification.running) == ("notification", None, False)
    late = build_reviews_view(
        [clock("rapid-review", date(2027, 1, 13), "working_days")], [], [], [], [], datetime(2027, 1, 14, 10, tzinfo=UTC)
    )
    assert late.clocks[0].days_left == -1 and late.clocks[0].overdue and late.overdue == 1


def dashboard(**extra: object) -> Dashboard:
    return Dashboard(
        partnership_id="north-lincolnshire", partnership_name="North Lincolnshire", as_of=AS_OF,
        overview=Overview(0, 0, 0, 0, 0, 0, 0), heatmap=HeatMap([], []), agency_names={"humberside-police": "Humberside Police"},
        **extra,  # type: ignore[arg-type]
    )


def test_the_partials_name_the_events_behind_each_row() -> None:
    history = [
        HistoryEntry(
            "ActionProgressUpdated",
            AS_OF,
            "agency:humberside-police",
            "update 1 (50%) by lead: drafted",
            "44444444-4444-4444-4444-444444444444",
            9,
        )
    ]
    row = action("overdue", date(2026, 12, 1), progress_updates=1, percent_complete=50, history=history)
    reviews = build_reviews_view([clock("rapid-review", date(2027, 1, 13), "working_days")], [], [], [], [], AS_OF)
    d = dashboard(actions=[row], action_tracker=build_tracker([row], AS_OF, 14), reviews=reviews)
    actions_html = _env.get_template("_actions.html").render(d=d)
    assert "Humberside Police" in actions_html and "17 days overdue" in actions_html
    # the history in words, the row's evidence named (a file: its event's id; the web: a link to it)
    assert "progress updated – update 1 (50%)" in actions_html and "ActionProgressUpdated" not in actions_html
    assert f"event {row.event_id}" in actions_html
    reviews_html = _env.get_template("_reviews.html").render(d=d)
    assert "15 working days left" in reviews_html and "event 33333333-3333-3333-3333-333333333333" in reviews_html


def test_the_partials_render_without_the_new_views() -> None:
    d = dashboard(actions=[action()])
    assert "Review: cspr-1" in _env.get_template("_actions.html").render(d=d)
    assert "No serious incidents" in _env.get_template("_reviews.html").render(d=d)
