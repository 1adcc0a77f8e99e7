"""The calendar of meetings (issue 16 item 4), pure: a meeting of one of the profile's
groups scheduled, then held with its decisions; the board pack looks back to the group's
last meeting on the calendar rather than a guessed date."""

from datetime import date
from uuid import uuid4

import pytest

from services.reporting.domain.records import meetings
from services.reporting.domain.records.commands import RecordMeetingHeld, ScheduleMeeting
from services.reporting.domain.views.board_pack_schedule import previous_meeting
from shared.catalogue.personal import Personal
from shared.catalogue.reporting import MeetingHeld, MeetingScheduled
from shared.decisions import fold
from shared.profiles import load_builtin
from shared.refusals import Refusal

PROFILE = load_builtin("calderdale")


def refused(fn: object, *args: object) -> Refusal:
    with pytest.raises(Refusal) as raised:
        fn(*args)  # type: ignore[operator]
    return raised.value


def test_a_meeting_scheduled_then_held() -> None:
    schedule = ScheduleMeeting(request_id=uuid4(), meeting_id="exec-2026-10", group_id="cscp-executive", meets_on=date(2026, 10, 20))
    [scheduled] = meetings.decide_schedule(meetings.Meeting(), schedule, PROFILE)
    assert isinstance(scheduled, MeetingScheduled)
    state = fold(meetings.Meeting(), meetings.evolve, [scheduled])
    assert refused(meetings.decide_schedule, state, schedule, PROFILE).code == "already_scheduled"
    bad = ScheduleMeeting(request_id=uuid4(), meeting_id="x", group_id="nowhere", meets_on=date(2026, 10, 20))
    assert (refused(meetings.decide_schedule, meetings.Meeting(), bad, PROFILE).field) == "group_id"
    held = RecordMeetingHeld(request_id=uuid4(), meeting_id="exec-2026-10", held_on=date(2026, 10, 20), decisions=["Agreed the plan"])
    assert refused(meetings.decide_held, meetings.Meeting(), held, date(2026, 11, 2)).code == "not_scheduled"
    assert refused(meetings.decide_held, state, held, date(2026, 10, 19)).field == "held_on"
    [done] = meetings.decide_held(state, held, date(2026, 11, 2))
    assert isinstance(done, MeetingHeld) and done.group_id == "cscp-executive"
    assert refused(meetings.decide_held, fold(state, meetings.evolve, [done]), held, date(2026, 11, 2)).code == "already_held"
    [marker] = [m for m in MeetingHeld.model_fields["decisions"].metadata if isinstance(m, Personal)]
    assert marker.typed


def test_the_pack_looks_back_to_the_last_meeting_on_the_calendar() -> None:
    since = previous_meeting(
        PROFILE, "cscp-executive", date(2026, 11, 20), calendar=[date(2026, 9, 1), date(2026, 10, 20), date(2026, 12, 1)]
    )
    assert since.day == date(2026, 10, 20) and "calendar" in since.reason
    assert previous_meeting(PROFILE, "cscp-executive", date(2026, 11, 20)).reason != since.reason
