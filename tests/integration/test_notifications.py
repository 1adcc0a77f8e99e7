"""People are told what is due: the notifier, the postman and a real SMTP server (aiosmtpd,
its own process, tests/support/smtp_server.py), the inbox and the outbox.

Time is the platform's ManualClock: the deadline watchers are ticked as the other tests
tick them, the postman's back-off and the digest's 17:00 are reached by moving the
clock, and each test waits on facts (the notifier caught up with the stores, the
messages' states, the files the server wrote), never on a guessed duration.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.reporting.adapters.people.messages import message_id
from shared.clock import ManualClock
from shared.london import LONDON
from shared.roles import Role
from shared.waiting import eventually
from tests.support.people import client_for, csrf_of, make_person
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform
from tests.support.platform import test_settings as settings_for
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

BASE = "http://front-door.test"
POLICE, HOUSING, EMAS = "humberside-police", "nlc-housing", "east-midlands-ambulance-service"
COUNCIL = "north-lincolnshire-council"
NAME = "North Lincolnshire Children's MARS Board"
P = f"/p/{PARTNERSHIP}"


@pytest.fixture
def mail(tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    """An SMTP server process, not yet started; `refuse_first` by indirect parameter."""
    server = SmtpServer(tmp_path / "mail", refuse_first=getattr(request, "param", 0))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def emailing(nats_url: str, database: str, namespace: str, clock: ManualClock, mail: SmtpServer) -> AsyncIterator[RunningPlatform]:
    """The platform with SCRUTINY_SMTP_URL pointing at `mail` (up or not) and a base URL."""
    settings = settings_for(nats_url, database, namespace).model_copy(update={"smtp_url": mail.url, "base_url": BASE})
    async with running_platform(settings, clock) as running:
        yield running


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


async def ok(platform: RunningPlatform, service: str, command: str, body: dict[str, Any]) -> None:
    reply = await platform.command(service, command, body)
    assert reply["status"] == "accepted", reply


async def raise_action(platform: RunningPlatform, action_id: str, owner: str, due_on: str) -> None:
    await ok(platform, "reviews", "raise-action", {
        "action_id": action_id, "title": "Audit attendance at strategy meetings", "owner_agency_id": owner, "due_on": due_on,
        "source_type": "assurance-event", "source_id": "thematic-1", "raised_by": "business unit",
    })


async def propose(platform: RunningPlatform, event_id: str, agency: str) -> None:
    await ok(platform, "events", "propose", {
        "assurance_event_id": event_id, "activity_type": "agency-specific-assurance-event",
        "title": "Agency specific assurance event", "agency_id": agency,
    })


async def watchers_at(platform: RunningPlatform, moment: datetime) -> None:
    assert isinstance(platform.clock, ManualClock)
    platform.clock.set(moment)
    for service in ("section11", "reviews", "events"):
        await platform.wired[service].watcher.tick()


async def delivered(platform: RunningPlatform) -> None:
    """The notifier has applied every event the stores hold, and the postman (when there is
    one) has tried every message due now."""
    told = platform.wired["reporting"].notifications

    async def caught_up() -> bool:
        return not any((await told.notifier.behind()).values())

    await eventually(caught_up, timeout=60, what="the notifier to catch up with the stores")
    if told.postman is not None:
        await told.postman.tick()


def by_recipient(received: list[EmailMessage]) -> dict[str, list[EmailMessage]]:
    out: dict[str, list[EmailMessage]] = defaultdict(list)
    for message in received:
        out[str(message["To"])].append(message)
    return out


async def messages_of(platform: RunningPlatform, account_id: str) -> list[Any]:
    return await platform.pool.fetch(
        "SELECT * FROM reporting_people.messages WHERE account_id = $1 ORDER BY subject", account_id
    )


async def test_a_reminder_an_overdue_action_and_an_endorsement_reach_the_right_people(
    emailing: RunningPlatform, mail: SmtpServer
) -> None:
    platform = emailing
    await mail.start()
    lead = await make_person(platform, Role.AGENCY_LEAD, POLICE, name="Police lead (invented)")
    other_lead = await make_person(platform, Role.AGENCY_LEAD, HOUSING, name="Housing lead (invented)")
    council = await make_person(platform, Role.PARTNER, COUNCIL, name="Council partner (invented)")
    police_partner = await make_person(platform, Role.PARTNER, POLICE, name="Police partner (invented)")
    others = [await make_person(platform, role) for role in (Role.BUSINESS_UNIT, Role.SCRUTINEER, Role.BOARD_MEMBER)]

    assert (await platform.open_cycle(due_on="2026-11-30"))["status"] == "accepted"
    await raise_action(platform, "act-7", POLICE, "2026-11-20")
    await propose(platform, "ase-police-2026", POLICE)  # the police partner is recused
    await watchers_at(platform, datetime(2026, 11, 23, 10, tzinfo=UTC))  # a week before the return is due; the action overdue
    await delivered(platform)

    mails = by_recipient(mail.received())
    subjects = {to: sorted(str(m["Subject"]) for m in got) for to, got in mails.items()}
    assert subjects == {
        lead.email: [f"{NAME}: Action due 20 November 2026: act-7 (Humberside Police)",
                     f"{NAME}: Action overdue: act-7 (Humberside Police)",
                     f"{NAME}: Section 11 return due 30 November 2026: Humberside Police"],
        other_lead.email: [f"{NAME}: Section 11 return due 30 November 2026: North Lincolnshire Council housing"],
        council.email: [f"{NAME}: Endorsement awaited: Agency specific assurance event for Humberside Police"],
    }, "another agency's lead, the recused partner, the business unit, the scrutineer and a board member are told nothing of these"
    assert police_partner.email not in mails and not any(p.email in mails for p in others)

    # each email is its message: the id (the idempotency key) is its Message-ID, the link the front door's address
    rows = {row["subject"]: row for row in await messages_of(platform, lead.account_id)}
    reminder = next(m for m in mails[lead.email] if "Section 11" in str(m["Subject"]))
    row = rows["Section 11 return due 30 November 2026: Humberside Police"]
    assert row["state"] == "sent" and row["attempts"] == 1
    assert (
        reminder["Message-ID"]
        == f"<{message_id(row['event_id'], lead.account_id)}@scrutiny.test>"
        == f"<{row['message_id']}@scrutiny.test>"
    )
    assert f"{BASE}{P}/return/{POLICE}" in reminder.get_content()
    endorse = mails[council.email][0].get_content()
    assert f"{BASE}{P}/do/events/endorse?assurance_event_id=ase-police-2026" in endorse

    # nothing is sent twice: another send, another day
    await platform.wired["reporting"].notifications.postman.tick()
    await watchers_at(platform, datetime(2026, 11, 24, 10, tzinfo=UTC))
    await delivered(platform)
    assert len(mail.received()) == 5


async def test_a_server_that_is_down_then_up_gets_the_message_exactly_once(
    emailing: RunningPlatform, mail: SmtpServer, clock: ManualClock
) -> None:
    platform = emailing
    postman = platform.wired["reporting"].notifications.postman
    council = await make_person(platform, Role.PARTNER, COUNCIL)
    await propose(platform, "ase-emas-2026", EMAS)
    await delivered(platform)
    [row] = await messages_of(platform, council.account_id)
    assert (row["state"], row["attempts"]) == ("queued", 1)
    assert row["last_error"].startswith("server not reached") and row["next_attempt_at"] == clock.now() + timedelta(minutes=1)

    await mail.start()
    await postman.tick()
    assert mail.received() == [], "not before its back-off"
    clock.advance(timedelta(minutes=1))
    await postman.tick()
    [sent] = mail.received()
    assert sent["To"] == council.email
    for _ in range(3):
        clock.advance(timedelta(hours=7))
        await postman.tick()
    assert len(mail.received()) == 1
    [row] = await messages_of(platform, council.account_id)
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 2, None)


@pytest.mark.parametrize("mail", [1], indirect=True)  # the server refuses each address once
async def test_a_server_that_refuses_is_tried_again_and_delivers_once(
    emailing: RunningPlatform, mail: SmtpServer, clock: ManualClock
) -> None:
    platform = emailing
    postman = platform.wired["reporting"].notifications.postman
    await mail.start()
    council = await make_person(platform, Role.PARTNER, COUNCIL)
    await propose(platform, "ase-emas-2026", EMAS)
    await delivered(platform)
    [row] = await messages_of(platform, council.account_id)
    assert (row["state"], row["attempts"], row["last_error"]) == ("queued", 1, "recipient refused (550)")
    assert mail.received() == []
    clock.advance(timedelta(seconds=59))
    await postman.tick()
    assert mail.received() == []
    clock.advance(timedelta(seconds=1))
    await postman.tick()
    clock.advance(timedelta(days=1))
    await postman.tick()
    assert [m["To"] for m in mail.received()] == [council.email]
    [row] = await messages_of(platform, council.account_id)
    assert (row["state"], row["attempts"]) == ("sent", 2)


async def test_the_daily_digest_is_one_email_with_the_day_s_messages(
    emailing: RunningPlatform, mail: SmtpServer, clock: ManualClock
) -> None:
    platform = emailing
    postman = platform.wired["reporting"].notifications.postman
    await mail.start()
    digest = await make_person(platform, Role.AGENCY_LEAD, POLICE, name="Digest reader (invented)")
    at_once = await make_person(platform, Role.AGENCY_LEAD, POLICE, name="Inbox zero (invented)")
    client = await client_for(platform, digest)
    try:
        page = await client.get("/account")
        assert "How do you want your emails?" in page.text
        chosen = await client.post("/account/notifications", data={"csrf": csrf_of(page.text), "delivery": "digest"})
        assert chosen.status_code == 303
        page = await client.get(chosen.headers["location"])
        assert "Your choice is saved" in page.text
        assert re.search(r'value="digest"[^>]*checked', page.text)
    finally:
        await client.aclose()

    assert (await platform.open_cycle(due_on="2026-11-30"))["status"] == "accepted"
    await raise_action(platform, "act-7", POLICE, "2026-11-20")
    await watchers_at(platform, datetime(2026, 11, 23, 10, tzinfo=UTC))
    await delivered(platform)
    assert [m["To"] for m in mail.received()] == [at_once.email] * 3, "the digest reader's wait for 17:00"
    assert [(r["digest"], r["state"]) for r in await messages_of(platform, digest.account_id)] == [(True, "queued")] * 3

    clock.set(datetime(2026, 11, 23, 16, 59, tzinfo=UTC))
    await postman.tick()
    assert len(mail.received()) == 3
    clock.set(datetime(2026, 11, 23, 17, 5, tzinfo=UTC))
    await postman.tick()
    await postman.tick()
    [letter] = by_recipient(mail.received())[digest.email]
    assert letter["Subject"] == "Your daily digest, 23 November 2026: 3 things"
    text = letter.get_content()
    for subject in ("Action due 20 November 2026: act-7", "Action overdue: act-7", "Section 11 return due 30 November 2026"):
        assert subject in text
    assert f"{BASE}{P}/return/{POLICE}" in text
    assert {r["state"] for r in await messages_of(platform, digest.account_id)} == {"sent"}
    clock.set(datetime(2026, 11, 24, 18, tzinfo=UTC))  # the next day: nothing new, no email
    await postman.tick()
    assert len(mail.received()) == 4


async def test_without_smtp_the_inbox_keeps_them_and_the_business_unit_sees_the_outbox(platform: RunningPlatform) -> None:
    assert platform.wired["reporting"].notifications.postman is None
    lead = await make_person(platform, Role.AGENCY_LEAD, POLICE, name="Police lead (invented)")
    other_lead = await make_person(platform, Role.AGENCY_LEAD, HOUSING)
    bu = await make_person(platform, Role.BUSINESS_UNIT)
    await raise_action(platform, "act-7", POLICE, "2026-11-20")
    await watchers_at(platform, datetime(2026, 11, 23, 10, tzinfo=UTC))
    await delivered(platform)
    assert [(r["kind"], r["state"], r["attempts"]) for r in await messages_of(platform, lead.account_id)] == [
        ("ActionReminderSent", "queued", 0), ("ActionOverdue", "queued", 0)]

    clients: list[httpx.AsyncClient] = []
    try:
        for person in (lead, other_lead, bu):
            clients.append(await client_for(platform, person))
        mine, theirs, business_unit = clients
        inbox = await mine.get("/inbox")
        assert inbox.status_code == 200
        assert "This platform sends no email" in inbox.text and inbox.text.count(">New<") == 2
        assert "Action overdue: act-7 (Humberside Police)" in inbox.text
        assert 'href="/inbox"' in (await mine.get("/")).text, "the navigation links every person's messages"
        ids = re.findall(r'href="/inbox/([0-9a-f-]{36})"', inbox.text)
        assert len(ids) == 2
        opened = await mine.get(f"/inbox/{ids[0]}")
        assert opened.status_code == 200
        assert f'href="{P}/do/reviews/update-action?action_id=act-7"' in opened.text
        assert (await mine.get("/inbox")).text.count(">New<") == 1, "marked read when opened"

        assert (await theirs.get(f"/inbox/{ids[1]}")).status_code == 404, "another person's message is not found"
        assert (await theirs.get(f"/inbox/{uuid4()}")).status_code == 404
        assert "You have no messages" in (await theirs.get("/inbox")).text

        outbox = await business_unit.get(f"{P}/outbox")
        assert outbox.status_code == 200
        assert "Police lead (invented)" in outbox.text and outbox.text.count("Kept (no email server)") == 2
        assert f'href="{P}/outbox"' in (await business_unit.get("/inbox")).text
        assert (await mine.get(f"{P}/outbox")).status_code == 404
    finally:
        for client in clients:
            await client.aclose()
    assert not await platform.count("SELECT count(*) FROM reporting_people.messages WHERE state <> 'queued'")
    accounts = platform.wired["reporting"].accounts
    await accounts.erase(await accounts.by_id(lead.account_id), "business-unit")
    assert not await platform.count("SELECT count(*) FROM reporting_people.messages WHERE account_id = $1", lead.account_id)


async def test_no_message_carries_a_case_reference_or_a_child_s_words(
    emailing: RunningPlatform, mail: SmtpServer
) -> None:
    platform = emailing
    await mail.start()
    lead = await make_person(platform, Role.AGENCY_LEAD, POLICE)
    bu = await make_person(platform, Role.BUSINESS_UNIT)
    child = ("case-7f3a", "Jayden", "Okafor")
    incident = "si-2026-07"

    async def reviews(command: str, body: dict[str, Any]) -> None:
        await ok(platform, "reviews", command, body)

    await watchers_at(platform, datetime(2026, 12, 18, 10, tzinfo=UTC))
    await reviews("record-serious-incident", {"incident_id": incident, "case_ref": "case-7f3a", "child_looked_after": False,
                                              "recorded_by": "Business unit (invented)", "aware_on": "2026-12-17",
                                              "panel_notified_on": "2026-12-18"})
    await reviews("request-information", {"incident_id": incident, "information_request_id": "ir-police", "agency_id": POLICE,
                                          "requested": "Chronology of contacts with Jayden Okafor (invented), case-7f3a"})
    await watchers_at(platform, london(2026, 12, 30, 9))  # the request overdue
    await watchers_at(platform, london(2027, 1, 11, 10))
    await reviews("decide-rapid-review", {"incident_id": incident, "outcome": "local-cspr", "rationale": "What happened to Jayden",
                                          "decided_on": "2027-01-11", "decided_by": "Safeguarding partners"})
    await reviews("commission-review", {"review_id": "cspr-2027-01", "review_type": "cspr", "incident_id": incident,
                                        "author": "Independent reviewer (invented)", "commissioned_on": "2027-01-11",
                                        "terms_of_reference": "How agencies shared information about Jayden Okafor"})
    await watchers_at(platform, london(2027, 6, 13, 9))  # slipping
    await watchers_at(platform, london(2027, 7, 12, 9))  # slipped
    await delivered(platform)

    kinds = {r["kind"] for r in await platform.pool.fetch("SELECT kind FROM reporting_people.messages")}
    assert kinds == {"AgencyInformationRequested", "AgencyInformationOverdue", "ReviewSlippageWarned", "ReviewSlipped"}
    received = by_recipient(mail.received())
    assert len(received[lead.email]) == 2 and len(received[bu.email]) == 2
    texts = [f"{m['Subject']}\n{m.get_content()}" for m in mail.received()]
    texts += [f"{r['subject']}\n{r['body']}\n{r['link']}" for r in await platform.pool.fetch("SELECT * FROM reporting_people.messages")]
    for text in texts:
        assert not any(word in text for word in child), text
