"""Commands sent for a signed-in person (the `Scrutiny-Person` header, shared/messaging/on_behalf.py),
through the real platform on real NATS and PostgreSQL: what they cause records the person's
account id as the actor; a header that was forged, or signed for another subject or another
body, is refused and parked; and without the header nothing changes."""

import json
from typing import Any
from uuid import uuid4

import pytest

from shared.messaging.deadletter_admin import DeadLetterAdmin
from shared.messaging.on_behalf import PERSON_HEADER, person_secret, sign
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform
from tests.support.returns import answers

pytestmark = pytest.mark.integration

AGENCY = "nlc-housing"
ACCOUNT = "acct-1"


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, default=str).encode()


async def _send(platform: RunningPlatform, subject: str, data: bytes, header: str | None = None) -> dict[str, Any]:
    headers = {PERSON_HEADER: header} if header is not None else None
    reply = await platform.nc.request(subject, data, timeout=10, headers=headers)
    return json.loads(reply.data)


async def _actors(platform: RunningPlatform, reply: dict[str, Any]) -> set[str]:
    """The actor stored on each event the reply names, read back from section11's store."""
    assert reply["status"] == "accepted", reply
    ids = [e["event_id"] for e in reply["events"]]
    assert ids
    rows = await platform.pool.fetch("SELECT actor FROM section11.events WHERE event_id = ANY($1::uuid[])", ids)
    assert len(rows) == len(ids)
    return {row["actor"] for row in rows}


def _open_cycle(platform: RunningPlatform, cycle_id: str = CYCLE) -> tuple[str, bytes]:
    subject = platform.subjects.operator_command("section11", "open-cycle", PARTNERSHIP)
    body = {"request_id": str(uuid4()), "cycle_id": cycle_id, "opened_on": platform.clock.now().date().isoformat()}
    return subject, _encode(body)


def _submit(platform: RunningPlatform, agency_id: str = AGENCY) -> tuple[str, bytes]:
    subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, AGENCY)
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    body = {
        "request_id": str(uuid4()), "agency_id": agency_id, "cycle_id": CYCLE,
        "answers": answers(profile, None, 3), "submitted_by": "Safeguarding lead (invented)",
    }
    return subject, _encode(body)


async def _secret(platform: RunningPlatform) -> bytes:
    """What the web front door reads: the same secret every service loaded at start."""
    secret = await person_secret(platform.pool)
    assert {host.person_secret for host in platform.hosts.values()} == {secret}
    return secret


async def test_a_business_unit_command_sent_for_a_person_records_the_person(platform: RunningPlatform) -> None:
    secret = await _secret(platform)
    subject, data = _open_cycle(platform)
    reply = await _send(platform, subject, data, sign(secret, ACCOUNT, subject, data))
    assert await _actors(platform, reply) == {"person:acct-1"}
    # Sent again (the front door retrying), the same request is answered with the same events.
    again = await _send(platform, subject, data, sign(secret, ACCOUNT, subject, data))
    assert again == reply


async def test_an_agencys_command_sent_for_a_person_records_the_person_and_still_pins_the_agency(
    platform: RunningPlatform,
) -> None:
    secret = await _secret(platform)
    subject, data = _open_cycle(platform)
    assert (await _send(platform, subject, data))["status"] == "accepted"

    subject, data = _submit(platform)
    reply = await _send(platform, subject, data, sign(secret, ACCOUNT, subject, data))
    assert await _actors(platform, reply) == {"person:acct-1"}

    # The payload's agency must still be the subject's, however well the header is signed.
    subject, data = _submit(platform, agency_id="humberside-police")
    reply = await _send(platform, subject, data, sign(secret, ACCOUNT, subject, data))
    assert reply["status"] == "refused"
    assert (reply["error"]["code"], reply["error"]["field"]) == ("identity_mismatch", "agency_id")


async def test_a_forged_or_moved_header_is_refused_and_parked(platform: RunningPlatform) -> None:
    secret = await _secret(platform)
    subject, data = _open_cycle(platform)
    assert (await _send(platform, subject, data))["status"] == "accepted"
    submit, submitted = _submit(platform)
    open_next, opening = _open_cycle(platform, "2027-28")

    forged = sign(bytes(16), ACCOUNT, submit, submitted)  # the right recipe, not the installation's secret
    tampered = forged.partition(".")[0] + "." + sign(secret, ACCOUNT, submit, submitted).partition(".")[2][::-1]
    for_other_subject = sign(secret, ACCOUNT, open_next, submitted)  # the business unit's subject
    for_other_body = sign(secret, ACCOUNT, submit, opening)
    for_other_account = "acct-2." + sign(secret, ACCOUNT, submit, submitted).partition(".")[2]
    attempts = [
        (submit, submitted, forged),
        (submit, submitted, tampered),
        (submit, submitted, for_other_subject),
        (submit, submitted, for_other_body),
        (submit, submitted, for_other_account),
        (submit, submitted, "acct-1"),
        (submit, submitted, ""),
        (open_next, opening, sign(secret, ACCOUNT, submit, opening)),  # on the business unit's subject too
    ]
    for subject, data, header in attempts:
        reply = await _send(platform, subject, data, header)
        assert reply == {
            "status": "refused",
            "error": {
                "code": "person_not_verified", "field": None,
                "message": "the person this request names could not be verified",
            },
        }, header

    # Nothing of them recorded; each parked with its original subject and bytes.
    assert await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'") == 0
    assert await platform.count("SELECT count(*) FROM section11.events WHERE actor LIKE 'person:%'") == 0
    parked = await DeadLetterAdmin(platform.nc, platform.subjects).list()
    assert sorted((d.original_subject, d.data, d.code) for d in parked) == sorted(
        (subject, data, "person_not_verified") for subject, data, _ in attempts
    )

    # The same bytes, signed for this subject and this body, are accepted.
    reply = await _send(platform, submit, submitted, sign(secret, ACCOUNT, submit, submitted))
    assert await _actors(platform, reply) == {"person:acct-1"}


async def test_without_the_header_the_actor_is_the_sender_as_before(platform: RunningPlatform) -> None:
    subject, data = _open_cycle(platform)
    assert await _actors(platform, await _send(platform, subject, data)) == {"business-unit"}
    subject, data = _submit(platform)
    assert await _actors(platform, await _send(platform, subject, data)) == {f"agency:{AGENCY}"}
