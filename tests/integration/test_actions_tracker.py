"""Action plans end to end over real NATS and PostgreSQL: an action raised from a review,
reminded, updated by its agency on its own subject, overdue, completed with evidence,
rejected at the Board and reopened, completed again and signed off, every step an event and
the tracker showing each bucket with its history; and actions agreed at an assurance event
raised once by the reaction to ActionAgreed."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import uuid4, uuid5

import nats
import pytest

from services.reporting.adapters.pages import render_dashboard
from services.reporting.domain.views import Dashboard
from shared.catalogue.events import ActionAgreed
from shared.clock import ManualClock
from shared.decisions import event_ids_for, request_key
from shared.envelope import Metadata
from shared.eventstore.postgres import PostgresEventStore
from shared.london import LONDON
from shared.mapper import new_envelopes, to_wire
from shared.messaging.deadletters import CODE_HEADER
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

OWNER = "humberside-police"
PARTNERS = ["north-lincolnshire-council", "north-lincolnshire-ccg", "humberside-police"]


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


class Tracker:
    def __init__(self, platform: RunningPlatform) -> None:
        self.platform = platform

    async def ok(self, command: str, body: dict[str, Any], agency: str | None = None) -> list[str]:
        reply = await self.platform.command("reviews", command, body, agency=agency)
        assert reply["status"] == "accepted", reply
        return [e["event_type"] for e in reply["events"]]

    async def refused(self, command: str, body: dict[str, Any], agency: str | None = None) -> dict[str, Any]:
        reply = await self.platform.command("reviews", command, body, agency=agency)
        assert reply["status"] == "refused", reply
        return reply["error"]

    async def at(self, moment: datetime) -> None:
        assert isinstance(self.platform.clock, ManualClock)
        self.platform.clock.set(moment)
        await self.platform.wired["reviews"].watcher.tick()

    async def stream(self, action_id: str) -> list[str]:
        rows = await self.platform.pool.fetch(
            "SELECT event_type FROM reviews.events WHERE stream_id = $1 ORDER BY stream_version", f"action:{PARTNERSHIP}:{action_id}"
        )
        return [r["event_type"] for r in rows]

    async def projected(self, action_id: str, status: str, events: int) -> Any:
        async def row() -> Any:
            r = await self.platform.pool.fetchrow(
                "SELECT a.*, (SELECT count(*) FROM reporting.action_history h WHERE h.action_id = a.action_id) AS history"
                " FROM reporting.actions a WHERE partnership_id = $1 AND action_id = $2", PARTNERSHIP, action_id,
            )
            return r if r and r["status"] == status and r["history"] == events else None

        return await eventually(row, what=f"{action_id} to show {status} after {events} events")

    async def dashboard(self) -> Dashboard:
        profile = self.platform.hosts["reporting"].partnerships.profile(PARTNERSHIP)
        return await self.platform.wired["reporting"].read_models.dashboard(profile, self.platform.clock.now())

    async def bucket(self, action_id: str) -> str:
        tracker = (await self.dashboard()).action_tracker
        assert tracker is not None
        return next(b for b, items in tracker.buckets.items() for item in items if item.row.action_id == action_id)


async def test_an_action_from_a_review_through_its_whole_life(platform: RunningPlatform, nats_url: str) -> None:
    t = Tracker(platform)
    assert await t.ok("raise-action", {
        "action_id": "act-cspr-1", "title": "Refresh the escalation policy", "owner_agency_id": OWNER,
        "due_on": "2026-11-30", "source_type": "review", "source_id": "cspr-2026-03", "raised_by": "SPLIG (invented chair)",
    }) == ["ActionRaised"]
    await t.projected("act-cspr-1", "open", 1)
    assert await t.bucket("act-cspr-1") == "open"

    await t.at(london(2026, 11, 16, 9))  # 14 days before it is due (the profile's lead time)
    await t.projected("act-cspr-1", "open", 2)
    assert await t.bucket("act-cspr-1") == "due soon"

    update = {
        "action_id": "act-cspr-1",
        "owner_agency_id": OWNER,
        "progress": "Draft policy out to partners",
        "percent_complete": 50,
        "updated_by": "Force safeguarding lead",
    }
    assert await t.ok("update-action", update, agency=OWNER) == ["ActionProgressUpdated"]
    impostor = await t.refused("update-action", update, agency="nlc-housing")
    assert (impostor["code"], impostor["field"]) == ("identity_mismatch", "owner_agency_id")
    not_theirs = await t.refused("update-action", update | {"owner_agency_id": "nlc-housing"}, agency="nlc-housing")
    assert (not_theirs["code"], not_theirs["field"]) == ("not_owner", "owner_agency_id")
    assert await t.ok("update-action", update | {"progress": "Partners' comments in", "percent_complete": 80}, agency=OWNER) == [
        "ActionProgressUpdated"
    ]

    await t.at(london(2026, 12, 1, 9))
    await t.projected("act-cspr-1", "overdue", 5)
    no_evidence = await t.refused(
        "complete-action",
        {"action_id": "act-cspr-1", "owner_agency_id": OWNER, "completed_on": "2026-12-01", "evidence": [], "completed_by": "lead"},
        agency=OWNER,
    )
    assert (no_evidence["code"], no_evidence["field"]) == ("invalid_field", "evidence")
    evidence = [{"description": "Policy v2 approved by chief officers", "link": "https://example.org/policy-v2"}]
    assert await t.ok(
        "complete-action",
        {"action_id": "act-cspr-1", "owner_agency_id": OWNER, "completed_on": "2026-12-01", "evidence": evidence, "completed_by": "lead"},
        agency=OWNER,
    ) == ["ActionCompleted"]
    await t.projected("act-cspr-1", "awaiting-sign-off", 6)

    await t.at(london(2026, 12, 10, 14))
    assert await t.ok(
        "reject-action-evidence",
        {
            "action_id": "act-cspr-1",
            "meeting_on": "2026-12-10",
            "reason": "Show the policy in use: a dip sample of referrals",
            "due_on": "2027-02-26",
        },
    ) == [
        "ActionEvidenceRejected",
        "ActionReopened",
    ]
    await t.projected("act-cspr-1", "open", 8)
    assert await t.ok("update-action", update | {"progress": "Dip sampling 20 referrals", "percent_complete": None}, agency=OWNER) == [
        "ActionProgressUpdated"
    ]
    await t.at(london(2027, 2, 1, 9))
    assert await t.ok(
        "complete-action",
        {
            "action_id": "act-cspr-1",
            "owner_agency_id": OWNER,
            "completed_on": "2027-02-01",
            "evidence": evidence + [{"description": "Dip sample: 19 of 20 referrals followed the policy"}],
            "completed_by": "lead",
        },
        agency=OWNER,
    ) == ["ActionCompleted"]
    short = await t.refused("sign-off-action", {"action_id": "act-cspr-1", "meeting_on": "2027-02-01", "partners": PARTNERS[:2]})
    assert (short["code"], short["field"]) == ("partners_missing", "partners")
    assert await t.ok("sign-off-action", {"action_id": "act-cspr-1", "meeting_on": "2027-02-01", "partners": PARTNERS}) == [
        "ActionSignedOff"
    ]
    await t.at(london(2027, 3, 1, 9))  # nothing more is due: the reopened clock was settled by completion

    expected = [
        "ActionRaised", "ActionReminderSent", "ActionProgressUpdated", "ActionProgressUpdated", "ActionOverdue", "ActionCompleted",
        "ActionEvidenceRejected", "ActionReopened", "ActionProgressUpdated", "ActionCompleted", "ActionSignedOff",
    ]
    assert await t.stream("act-cspr-1") == expected
    row = await t.projected("act-cspr-1", "signed-off", len(expected))
    assert (row["progress_updates"], row["rejections"], row["due_on"], row["signed_off_on"]) == (3, 1, date(2027, 2, 26), date(2027, 2, 1))

    view = await t.dashboard()
    assert view.action_tracker is not None
    [item] = view.action_tracker.buckets["signed off"]
    assert [h.event_type for h in item.row.history] == expected
    stored = await platform.pool.fetch(
        "SELECT event_id, position FROM reviews.events WHERE stream_id = $1 ORDER BY stream_version", f"action:{PARTNERSHIP}:act-cspr-1"
    )
    assert [(h.event_id, h.position) for h in item.row.history] == [(str(r["event_id"]), r["position"]) for r in stored]
    assert item.row.signed_off_event_id == str(stored[-1]["event_id"])
    html = render_dashboard(view)
    # the history in words; the row names the action's first event, whose page lists every later one
    assert "Action tracker" in html and "Dip sample: 19 of 20" in html and str(stored[0]["event_id"]) in html

    nc = await nats.connect(nats_url)  # each refusal was parked with its reason
    js = nc.jetstream()
    info = await eventually(lambda: _at_least(js, platform.subjects.deadletter_stream, 4), what="four dead letters")
    codes = [(await js.get_msg(info.config.name, seq)).headers[CODE_HEADER] for seq in range(1, info.state.last_seq + 1)]
    assert sorted(codes) == sorted(["identity_mismatch", "not_owner", "invalid_field", "partners_missing"])
    await nc.close()


async def _at_least(js: Any, stream: str, count: int) -> Any:
    info = await js.stream_info(stream)
    return info if info.state.messages >= count else None


async def _agreed(platform: RunningPlatform, action_id: str, owner: str, title: str = "Audit strategy meeting attendance") -> Any:
    """The events service records an action agreed at an assurance event (appended to its store; its relay publishes it)."""
    store = PostgresEventStore(platform.pool, "events", platform.clock)
    metadata = Metadata(partnership_id=PARTNERSHIP, actor="business-unit", correlation_id=uuid4())
    agreed = ActionAgreed(
        assurance_event_id="thematic-neglect-1", action_id=action_id, title=title, owner_agency_id=owner, due_on=date(2026, 12, 18)
    )
    stream = f"assurance-event:{PARTNERSHIP}:thematic-neglect-1:{action_id}"
    [stored] = await store.append(stream, 0, new_envelopes(stream, 0, [agreed], metadata, platform.clock.now()))
    return stored


async def test_an_action_agreed_at_an_assurance_event_is_raised_once(platform: RunningPlatform) -> None:
    t = Tracker(platform)
    source = await _agreed(platform, "act-agreed-1", OWNER)
    await t.projected("act-agreed-1", "open", 1)
    [raised] = await platform.pool.fetch("SELECT * FROM reviews.events WHERE stream_id = $1", f"action:{PARTNERSHIP}:act-agreed-1")
    payload = json.loads(raised["payload"])
    assert (payload["source_type"], payload["source_id"], payload["owner_agency_id"]) == ("assurance-event", "thematic-neglect-1", OWNER)
    assert raised["causation_id"] == source.event_id
    sender = Metadata(partnership_id=raised["partnership_id"], actor=raised["actor"], correlation_id=uuid4())
    key = request_key(uuid5(source.event_id, "raise-action"), sender)  # derived from the source event
    assert raised["event_id"] == event_ids_for(key, 1)[0]

    # JetStream delivers it again (a redelivery after a crash): nothing new is appended.
    data, headers = to_wire(source)
    await platform.nc.jetstream().publish(
        platform.subjects.event(PARTNERSHIP, "events", "ActionAgreed"), data, headers=headers | {"Nats-Msg-Id": str(uuid4())}
    )
    await _agreed(platform, "act-agreed-2", OWNER)  # a later event, so the redelivery has certainly been handled
    await t.projected("act-agreed-2", "open", 1)
    assert await platform.count("SELECT count(*) FROM reviews.events WHERE stream_id = $1", f"action:{PARTNERSHIP}:act-agreed-1") == 1


async def test_an_agreed_action_on_an_unknown_agency_is_dead_lettered(platform: RunningPlatform, nats_url: str) -> None:
    await _agreed(platform, "act-agreed-9", "the-moon")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    info = await eventually(lambda: _at_least(js, platform.subjects.deadletter_stream, 1), what="the refused reaction parked")
    parked = await js.get_msg(info.config.name, info.state.last_seq)
    assert parked.headers[CODE_HEADER] == "unknown_agency" and b"act-agreed-9" in parked.data
    await nc.close()
    assert await platform.count("SELECT count(*) FROM reviews.events") == 0
