"""Attacks of one agency on another, driven from outside over NATS with real servers
(docs/security.md, findings 1-3 of the security review):

1. An agency cannot silence another's reminders and overdue flags by sending, as its own
   request ids, the ids it computed for the other's deadlines.
2. `also_submit_to` cannot carry a return into a partnership the sender may not act in.
3. A request id is the sender's: another agency's reuse of it is a request of its own,
   never answered with the first agency's events.
4. An agency cannot choose where the service's answer goes.
"""

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid4, uuid5

import nats
import pytest
import yaml
from prometheus_client import generate_latest

from services.section11.domain import cycles, returns
from shared.clock import ManualClock
from shared.messaging.deadletter_admin import DeadLetterAdmin
from shared.profiles import load_builtin
from shared.runtime.embedded import EmbeddedNats
from shared.runtime.nats_auth import SERVER_INCLUDE, NatsAuth
from shared.waiting import eventually
from tests.support import backends
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform
from tests.support.platform import test_settings as platform_settings
from tests.support.returns import answers

pytestmark = pytest.mark.integration

POLICE = "humberside-police"
HOUSING = "nlc-housing"
TWIN = "north-lincolnshire-twin"  # the same agencies, another partnership the police were not given
CYCLE = "2026-27"


@dataclass
class Secured:
    auth: NatsAuth
    server: EmbeddedNats
    namespace: str
    data_dir: Path


@pytest.fixture
def twin_profile(tmp_path: Path) -> Path:
    """North Lincolnshire's profile under another id: the police belong to both."""
    source = Path(__file__).parents[2] / "shared" / "profiles" / "data" / f"{PARTNERSHIP}.yaml"
    document = yaml.safe_load(source.read_text())
    document |= {"id": TWIN, "name": "North Lincolnshire twin (invented)"}
    path = tmp_path / f"{TWIN}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Secured]:
    namespace = backends.new_namespace()
    auth = NatsAuth(tmp_path)
    auth.add_agency(POLICE, [PARTNERSHIP], namespace=namespace)  # North Lincolnshire only
    auth.add_agency(HOUSING, [PARTNERSHIP, TWIN], namespace=namespace)
    auth.write_config(serving=[PARTNERSHIP, TWIN])
    with EmbeddedNats(tmp_path, extra_config=SERVER_INCLUDE) as server:
        yield Secured(auth, server, namespace, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
async def platform(secured: Secured, twin_profile: Path, database: str, clock: ManualClock) -> AsyncIterator[RunningPlatform]:
    settings = platform_settings(secured.auth.service_url(secured.server.url), database, secured.namespace).model_copy(
        update={"profiles": [PARTNERSHIP, str(twin_profile)], "data_dir": secured.data_dir}
    )
    async with running_platform(settings, clock) as running:
        yield running


async def _as(secured: Secured, agency: str) -> nats.NATS:
    credentials = json.loads(secured.auth.agency_file(agency).read_text())
    return await nats.connect(
        secured.server.url, user=credentials["user"], password=credentials["password"],
        inbox_prefix=credentials["inbox_prefix"], max_reconnect_attempts=0,
    )


async def _ask(nc: nats.NATS, subject: str, body: dict[str, Any]) -> dict[str, Any]:
    return json.loads((await nc.request(subject, json.dumps(body).encode(), timeout=10)).data)


def _return(platform: RunningPlatform, agency: str, **extra: Any) -> dict[str, Any]:
    profile = load_builtin(PARTNERSHIP)
    return {
        "request_id": str(uuid4()), "agency_id": agency, "cycle_id": CYCLE,
        "answers": answers(profile, {"culture-and-challenge": 2}), "submitted_by": "Safeguarding lead (invented)",
    } | extra


async def test_a_return_cannot_be_carried_into_a_partnership_the_agency_was_not_given(
    secured: Secured, platform: RunningPlatform
) -> None:
    assert (await platform.open_cycle(CYCLE))["status"] == "accepted"
    assert (await platform.open_cycle(CYCLE, partnership=TWIN))["status"] == "accepted"
    police = await _as(secured, POLICE)
    try:
        subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, POLICE)
        reply = await _ask(police, subject, _return(platform, POLICE, also_submit_to=[{"partnership_id": TWIN, "cycle_id": CYCLE}]))
        assert reply["status"] == "refused", reply
        assert (reply["error"]["code"], reply["error"]["field"]) == ("not_permitted", "also_submit_to[0].partnership_id")
        # Nothing of it stored anywhere: not in the partnership it was not given, not in its own.
        assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'") == 0
        # Alone, its own partnership's return is accepted.
        assert (await _ask(police, subject, _return(platform, POLICE)))["status"] == "accepted"
    finally:
        await police.close()

    housing = await _as(secured, HOUSING)  # credentials for both: the same command is accepted
    try:
        subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, HOUSING)
        reply = await _ask(housing, subject, _return(platform, HOUSING, also_submit_to=[{"partnership_id": TWIN, "cycle_id": CYCLE}]))
        assert reply["status"] == "accepted", reply
        assert {e["stream_id"] for e in reply["events"]} == {
            returns.stream_id(PARTNERSHIP, HOUSING, CYCLE), returns.stream_id(TWIN, HOUSING, CYCLE),
        }
        # Somerset is not served here, and the housing service is in no such profile.
        reply = await _ask(
            housing,
            subject,
            _return(platform, HOUSING, cycle_id="other", also_submit_to=[{"partnership_id": "somerset", "cycle_id": CYCLE}]),
        )
        assert (reply["error"]["code"], reply["error"]["field"]) == ("unknown_partnership", "also_submit_to[0].partnership_id")
    finally:
        await housing.close()


def _public_deadline_ids(partnership: str, agency: str, due_on: date, reminder_days: list[int]) -> list[str]:
    """What an attacker could compute from public facts: the recipe the watcher once used."""
    stream = returns.stream_id(partnership, agency, CYCLE)
    kinds = [(cycles.reminder_kind(d), cycles.reminder_at(due_on, d)) for d in reminder_days]
    kinds.append((cycles.OVERDUE, cycles.overdue_from(due_on)))
    return [str(uuid5(NAMESPACE_URL, f"{stream}/{kind}/{at.isoformat()}")) for kind, at in kinds] + [
        str(uuid5(NAMESPACE_URL, f"{partnership}/{stream}/{kind}/{at.astimezone(UTC).isoformat()}")) for kind, at in kinds
    ]


async def test_an_agency_cannot_silence_another_agencys_reminders_and_overdue_flag(
    secured: Secured, platform: RunningPlatform, clock: ManualClock
) -> None:
    opened = await platform.open_cycle(CYCLE)
    assert opened["status"] == "accepted"
    profile = load_builtin(PARTNERSHIP)
    due_on = clock.now().date() + timedelta(days=profile.section11.submission_window_days)
    reminder_days = list(profile.section11.reminder_days_before)
    police = await _as(secured, POLICE)
    try:
        subject = platform.subjects.agency_command("section11", "save-draft", PARTNERSHIP, POLICE)
        for request_id in _public_deadline_ids(PARTNERSHIP, HOUSING, due_on, reminder_days):
            draft = {"request_id": request_id, "agency_id": POLICE, "cycle_id": CYCLE, "answers": {}, "saved_by": "Lead (invented)"}
            reply = await _ask(police, subject, draft)
            assert reply["status"] in ("accepted", "refused"), reply  # its own drafts: nothing of the housing's
    finally:
        await police.close()

    watcher = platform.wired["section11"].watcher
    clock.set(datetime.combine(due_on + timedelta(days=2), datetime.min.time(), tzinfo=UTC))
    # The move also wakes the running watcher, whose tick may raise some of them before this
    # one does (each is marked raised only once stored): what was raised is read from the
    # store, whichever tick raised it.
    await watcher.tick()
    rows = await platform.pool.fetch(
        "SELECT event_type, actor FROM section11.events WHERE stream_id = $1"
        " AND event_type IN ('SubmissionReminderSent', 'SubmissionOverdue') ORDER BY position",
        returns.stream_id(PARTNERSHIP, HOUSING, CYCLE),
    )
    housing = [(r["event_type"], r["actor"]) for r in rows]
    assert [event_type for event_type, _ in housing] == ["SubmissionReminderSent"] * len(reminder_days) + ["SubmissionOverdue"]
    assert all(actor == "deadline-watcher" for _, actor in housing)
    assert len(housing) == len(reminder_days) + 1


async def test_another_agencys_request_id_is_a_request_of_its_own(secured: Secured, platform: RunningPlatform) -> None:
    assert (await platform.open_cycle(CYCLE))["status"] == "accepted"
    shared_id = str(uuid4())
    police, housing = await _as(secured, POLICE), await _as(secured, HOUSING)
    try:
        first = await _ask(
            police, platform.subjects.agency_command("section11", "submit", PARTNERSHIP, POLICE),
            _return(platform, POLICE, request_id=shared_id),
        )
        second = await _ask(
            housing, platform.subjects.agency_command("section11", "submit", PARTNERSHIP, HOUSING),
            _return(platform, HOUSING, request_id=shared_id),
        )
        assert first["status"] == second["status"] == "accepted", (first, second)
        assert {e["stream_id"] for e in second["events"]} == {returns.stream_id(PARTNERSHIP, HOUSING, CYCLE)}
        assert not {e["event_id"] for e in first["events"]} & {e["event_id"] for e in second["events"]}
        assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'") == 2
        # The police using its own request id again for another record is refused, not answered with the first.
        again = await _ask(
            police, platform.subjects.agency_command("section11", "save-draft", PARTNERSHIP, POLICE),
            {"request_id": shared_id, "agency_id": POLICE, "cycle_id": "2027-28", "answers": {}, "saved_by": "Lead (invented)"},
        )
        assert again["status"] == "refused", again
    finally:
        await police.close()
        await housing.close()


async def test_an_agency_cannot_choose_where_the_service_answers(secured: Secured, platform: RunningPlatform) -> None:
    """Finding 4: a request whose reply subject is another agency's inbox or outcomes, or an
    event stream's subject, reaches no one else; the metrics stay bounded. Each agency is an
    account of its own on the server (shared/runtime/nats_auth.py): the service sees a reply
    subject the server made, and the answer goes back into the sender's own account only."""
    assert (await platform.open_cycle(CYCLE))["status"] == "accepted"
    ns = secured.namespace
    police, housing = await _as(secured, POLICE), await _as(secured, HOUSING)
    heard: list[str] = []

    async def hear(msg: Any) -> None:
        if "status" in json.loads(msg.data):  # an answer to a command (not the housing's own outcomes)
            heard.append(msg.subject)

    try:
        await housing.subscribe(f"_INBOX.{HOUSING}.>", cb=hear)
        await housing.subscribe(f"{ns}.*.out.{HOUSING}.>", cb=hear)
        await housing.flush()
        subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, POLICE)
        elsewhere = [
            f"_INBOX.{HOUSING}.forged", f"{ns}.{PARTNERSHIP}.out.{HOUSING}.RiskCleared",
            f"{ns}.{PARTNERSHIP}.evt.section11.SubmissionReceived", f"{ns}.{PARTNERSHIP}.dlq.section11",
        ]
        for reply in elsewhere:
            await police.publish(subject, json.dumps(_return(platform, POLICE)).encode(), reply=reply)
        await police.flush()

        async def all_handled() -> bool:  # the first stored; the others refused as already submitted, and parked
            parked = await DeadLetterAdmin(platform.nc, platform.subjects).list()
            return len(parked) == len(elsewhere) - 1 and await platform.count(
                "SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'") == 1

        await eventually(all_handled, what="each request handled as the police's own")
        await housing.flush()
        assert heard == []
        parked = await DeadLetterAdmin(platform.nc, platform.subjects).list()
        assert {d.original_subject for d in parked} == {subject}  # none under another agency's name
        js = platform.nc.jetstream()
        stream = await js.stream_info(platform.subjects.stream("section11"))
        for seq in range(stream.state.first_seq, stream.state.last_seq + 1):
            assert "event_type" in json.loads((await js.get_msg(stream.config.name, seq)).data)  # no junk stored
        assert (await _ask(police, subject, _return(platform, POLICE)))["status"] == "refused"  # answered, in its own inbox
    finally:
        await police.close()
        await housing.close()
    exposition = generate_latest().decode()
    assert "_INBOX." not in exposition and f"out.{HOUSING}" not in exposition  # labels are subject templates
