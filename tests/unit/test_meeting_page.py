"""A meeting's page (issue 16 item 4), pure: the agenda is the group's board pack for the
meeting's day, item for item (reports due, activities reporting to the group, decisions it
takes, exceptions since it last met), nothing recomputed; the page links that pack and shows
the actions raised against the meeting, and only those."""

from dataclasses import replace
from datetime import date

from services.reporting.adapters.dashboard_pages import page_for
from services.reporting.adapters.scrutiny_pages import render_meeting
from services.reporting.domain.views.actions import ActionRow
from services.reporting.domain.views.board_pack_schedule import MeetingRow
from services.reporting.domain.views.meeting import build_meeting_page, meeting_source
from tests.unit.test_board_pack_support import BOARD, MEETING, PROFILE, pack

ROW = MeetingRow("board-2027-01", BOARD, MEETING, "held", MEETING, ["Agreed the neglect strategy (invented)"], "minutes.pdf", "evt-m", 90)


def test_the_agenda_is_the_packs_items_for_the_group() -> None:
    p = pack()
    page = build_meeting_page(PROFILE, ROW, p)
    kinds = [x.kind for x in page.agenda]
    assert kinds.count("Decision") == len(p.decisions_here) and kinds.count("Exception") == len(p.exceptions)
    assert kinds.count("Report") == len([r for r in p.reports if r.due or r.recorded])
    assert {x.subject for x in page.agenda if x.kind == "Exception"} == {x.subject for x in p.exceptions}
    here = {a.id for a in PROFILE.activities if a.reports_to == BOARD}
    assert all(x.event_id for x in page.agenda if x.kind == "Activity") and (not here or "Activity" in kinds or not p.coming)
    assert page.pack_path == f"board-pack?meeting={MEETING.isoformat()}&group={BOARD}"
    assert (page.since, page.since_why) == (p.since.day, p.since.reason)


def test_the_actions_raised_at_the_meeting_and_only_those() -> None:
    p = pack()
    raised = ActionRow("act-m", "Circulate the plan", "humberside-police", date(2027, 2, 1), "open",
                       meeting_source(ROW.meeting_id), "evt-raised-m", 91, None)
    elsewhere = replace(raised, action_id="act-o", source=meeting_source("another-meeting"))
    p = replace(p, dashboard=replace(p.dashboard, actions=[*p.dashboard.actions, raised, elsewhere]))
    page = build_meeting_page(PROFILE, ROW, p)
    assert [a.action_id for a in page.actions] == ["act-m"]
    html = render_meeting(page, page_for(PROFILE, f"/p/{PROFILE.id}/meetings/board-2027-01", MEETING))
    assert f'href="/p/{PROFILE.id}/board-pack?meeting=2027-01-20&amp;group={BOARD}"' in html
    assert "Circulate the plan" in html and "Agreed the neglect strategy" in html and "minutes.pdf" in html
