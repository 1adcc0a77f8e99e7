"""Poison commands through the real platform: each is answered (code, and the field at
fault) and parked with its reason and original bytes, while good commands sent at the
same time are all accepted."""

import asyncio
import json
from typing import Any
from uuid import uuid4

import pytest

from shared.messaging.deadletter_admin import DeadLetterAdmin, Filter
from shared.messaging.gateway import MAX_PAYLOAD_BYTES
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

AGENCY = "humberside-police"


def action(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "request_id": str(uuid4()), "action_id": f"act-{n}", "title": f"Action {n}",
        "owner_agency_id": AGENCY, "due_on": "2027-01-29", "source_type": "other",
        "source_id": "poison-test", "raised_by": "business unit",
    } | changes


async def raise_action(platform: RunningPlatform, body: dict[str, Any] | bytes) -> dict[str, Any]:
    return await platform.request(platform.subjects.operator_command("reviews", "raise-action", PARTNERSHIP), body)


async def test_malformed_and_oversize_commands_are_answered_and_parked_while_the_rest_flow(platform: RunningPlatform) -> None:
    submit = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, AGENCY)
    big = json.dumps(action(0, title="x" * (MAX_PAYLOAD_BYTES + 1))).encode()
    poison: list[tuple[str, bytes, str, str | None]] = [  # subject, bytes, code, field
        (submit, b"{not json", "invalid_json", None),
        (submit, b"\xff\xfe\x00", "invalid_json", None),
        (submit, b'["a", "list"]', "invalid_json", None),
        (submit, b"[" * 100_000, "invalid_json", None),
        (submit, b'{"request_id": 7}', "invalid_field", "request_id"),
        (submit, json.dumps({"request_id": str(uuid4()), "agency_id": AGENCY, "cycle_id": "2026-27",
                             "submitted_by": "x", "answers": {}, "horoscope": "Leo"}).encode(), "invalid_field", "horoscope"),
        (platform.subjects.operator_command("reviews", "raise-action", PARTNERSHIP), big, "too_large", None),
        (platform.subjects.operator_command("reviews", "raise-action", PARTNERSHIP),
         json.dumps(action(0, title="nul \u0000 inside")).encode(), "invalid_field", "title"),
    ]
    good = [action(n) for n in range(1, 121)]

    replies = await asyncio.gather(
        *(platform.request(subject, data) for subject, data, _, _ in poison),
        *(raise_action(platform, body) for body in good),
    )
    answered = replies[: len(poison)]
    assert [(r["status"], r["error"]["code"], r["error"]["field"]) for r in answered] == [
        ("refused", code, field) for _, _, code, field in poison
    ]
    assert all(r["status"] == "accepted" for r in replies[len(poison):])
    assert await platform.count("SELECT count(*) FROM reviews.events WHERE event_type = 'ActionRaised'") == len(good)

    parked = await DeadLetterAdmin(platform.nc, platform.subjects).list()
    assert sorted((d.original_subject, d.data, d.code) for d in parked) == sorted(
        (subject, data, code) for subject, data, code, _ in poison
    )
    [too_large] = [d for d in parked if d.code == "too_large"]
    assert f"the limit is {MAX_PAYLOAD_BYTES}" in too_large.reason and len(too_large.data) > MAX_PAYLOAD_BYTES


FAULT = """
CREATE FUNCTION reviews.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.payload->>'title' = 'poison' THEN RAISE EXCEPTION 'a fault in the store for this payload'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_poison BEFORE INSERT ON reviews.events FOR EACH ROW EXECUTE FUNCTION reviews.refuse_poison();
"""


async def test_a_handler_that_raises_is_answered_parked_and_replayed_once_fixed_and_others_flow(
    platform: RunningPlatform,
) -> None:
    # A fault the handler cannot foresee: PostgreSQL fails every append carrying this payload.
    await platform.pool.execute(FAULT)
    poisoned = action(0, title="poison")
    good = [action(n) for n in range(1, 201)]
    replies = await asyncio.gather(*(raise_action(platform, body) for body in [*good[:100], poisoned, *good[100:]]))
    failed = replies[100]
    assert failed["status"] == "refused" and failed["error"]["code"] == "internal_error"
    assert "kept for an operator to replay" in failed["error"]["message"]
    assert "store" not in failed["error"]["message"]  # no internals in the answer
    # The append that failed did not take the good ones committed in the same batch down with it.
    assert [r["status"] for r in replies[:100] + replies[101:]] == ["accepted"] * len(good)
    assert await platform.count("SELECT count(*) FROM reviews.events WHERE event_type = 'ActionRaised'") == len(good)

    admin = DeadLetterAdmin(platform.nc, platform.subjects)
    [letter] = await admin.list()
    assert (letter.service, letter.code) == ("reviews", "handler_failed")
    assert "a fault in the store for this payload" in letter.reason
    assert json.loads(letter.data) == poisoned

    await platform.pool.execute("DROP TRIGGER refuse_poison ON reviews.events")
    [replayed] = await admin.replay(await admin.list(Filter(code="handler_failed")))
    assert replayed.outcome == "accepted"
    assert await platform.count("SELECT count(*) FROM reviews.events WHERE payload->>'title' = 'poison'") == 1
