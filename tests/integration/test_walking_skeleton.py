"""One real flow through all four services, over real NATS (JetStream) and PostgreSQL."""

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from uuid import uuid4

import nats
import pytest

from shared.clock import ManualClock
from shared.messaging.deadletters import CODE_HEADER, REASON_HEADER
from shared.waiting import eventually
from tests.support.people import signed_in_headers
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

async def test_a_submission_is_validated_appended_flagged_and_projected(platform: RunningPlatform) -> None:
    assert (await platform.open_cycle())["status"] == "accepted"
    reply = await platform.submit("humberside-police", {"culture-and-challenge": 2})
    assert reply["status"] == "accepted"
    assert [e["event_type"] for e in reply["events"]] == ["SubmissionReceived", "RiskFlagged"]
    await platform.submit("east-midlands-ambulance-service")

    async def projected() -> bool:
        flags = await platform.count("SELECT count(*) FROM reporting.s11_risk_flags WHERE open")
        submissions = await platform.count("SELECT count(*) FROM reporting.s11_submissions")
        return flags == 1 and submissions == 2

    await eventually(projected, what="reporting to show both submissions and the risk flag")
    row = await platform.pool.fetchrow(
        "SELECT * FROM reporting.s11_ratings WHERE agency_id = 'humberside-police' AND domain_id = 'culture-and-challenge'"
    )
    assert row["self_rating"] == 2
    assert str(row["event_id"]) == reply["events"][0]["event_id"]  # every figure names its event


async def test_bad_input_is_answered_and_dead_lettered_and_the_rest_flows(platform: RunningPlatform, nats_url: str) -> None:
    await platform.open_cycle()
    subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, "humberside-police")
    not_json = await platform.request(subject, b"{not json")
    assert not_json["error"]["code"] == "invalid_json"
    off_scale = await platform.submit("humberside-police", {"culture-and-challenge": 9})
    assert off_scale["error"] == {
        "code": "rating_off_scale",
        "field": "answers.cc-voice-of-the-child.rating",
        "message": "9 is not on the rating scale [1, 2, 3, 4]",
    }
    unknown_standard = await platform.submit(
        "humberside-police", answers={"astrology": {"rating": 3}}
    )
    assert unknown_standard["error"]["field"] == "answers.astrology"
    impostor = await platform.submit("humberside-police", agency_id="east-midlands-ambulance-service")
    assert impostor["error"]["code"] == "identity_mismatch"
    assert (await platform.submit("humberside-police"))["status"] == "accepted"

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = platform.subjects.deadletter_stream
    await eventually(lambda: _stream_count(js, stream, 4), what="four dead letters")
    first = await js.get_msg(stream, 1)
    assert first.data == b"{not json"
    assert first.headers[CODE_HEADER] == "invalid_json"
    assert "not valid JSON" in first.headers[REASON_HEADER]
    await nc.close()


async def _stream_count(js: nats.js.JetStreamContext, stream: str, expected: int) -> bool:
    return (await js.stream_info(stream)).state.messages >= expected


async def test_actions_go_overdue_from_the_clock_and_events_conclude(platform: RunningPlatform, clock: ManualClock) -> None:
    subjects = platform.subjects
    raised = await platform.request(
        subjects.operator_command("reviews", "raise-action", PARTNERSHIP),
        {
            "request_id": str(uuid4()), "action_id": "act-7", "title": "Audit strategy meeting attendance",
            "owner_agency_id": "humberside-police", "due_on": "2026-11-20", "source_type": "assurance-event",
            "source_id": "thematic-1", "raised_by": "business unit",
        },
    )
    assert raised["status"] == "accepted"
    concluded = await platform.request(
        subjects.operator_command("events", "conclude", PARTNERSHIP),
        {
            "request_id": str(uuid4()), "assurance_event_id": "thematic-1", "activity_type": "thematic-assurance-event",
            "title": "Thematic assurance event: neglect", "held_on": "2026-10-30", "theme": "neglect",
            "recorded_by": "business unit",
        },
    )
    assert concluded["status"] == "accepted", concluded

    watcher = platform.wired["reviews"].watcher
    assert await watcher.tick() == []
    clock.advance(timedelta(days=30))
    reminded, overdue = await watcher.tick()  # the profile's reminder, 14 days before it was due, then overdue
    assert (reminded.event_type, overdue.event_type) == ("ActionReminderSent", "ActionOverdue")

    await eventually(
        lambda: platform.count("SELECT count(*) FROM reporting.actions WHERE status = 'overdue'"),
        what="the action to show as overdue",
    )
    await eventually(lambda: platform.count("SELECT count(*) FROM reporting.assurance_events"), what="the concluded event")


async def test_the_dashboard_needs_a_signed_in_person_and_shows_the_heat_map(platform: RunningPlatform) -> None:
    await platform.open_cycle()
    await platform.submit("humberside-police", {"leadership-and-governance": 1})
    await eventually(lambda: platform.count("SELECT count(*) FROM reporting.s11_submissions"), what="the submission projected")
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the dashboard to listen")
    port = server.servers[0].sockets[0].getsockname()[1]
    page = f"http://127.0.0.1:{port}/p/{PARTNERSHIP}"

    no_one = await asyncio.to_thread(lambda: _no_redirects().open(page, timeout=10))
    assert no_one.status == 303 and no_one.headers["Location"].startswith("/sign-in?next=")

    html = await _get(f"{page}/section11", await signed_in_headers(platform))  # the heat map's area page
    assert "Humberside Police" in html
    assert "Leadership and governance" in html
    assert 'class="rag red heat-red"' in html and "Inadequate" in html  # the inadequate rating in the heat map


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

    def http_error_303(self, req: object, fp: object, code: int, msg: str, headers: object) -> object:
        return fp


def _no_redirects() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_Stay)


async def _get(url: str, headers: dict[str, str] | None = None) -> str:
    # The server runs on this test's event loop: the blocking client must run beside it.
    request = urllib.request.Request(url, headers=headers or {})
    return await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read().decode())


async def test_events_carry_the_trace_context_of_the_request(platform: RunningPlatform) -> None:
    await platform.open_cycle()
    reply = await platform.submit("humberside-police")
    [stored] = await platform.pool.fetch(
        "SELECT trace_context FROM section11.events WHERE event_id = $1", uuid.UUID(reply["events"][0]["event_id"])
    )
    assert "traceparent" in json.loads(stored["trace_context"])
