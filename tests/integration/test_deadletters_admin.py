"""`scrutiny deadletters`: list, show and replay parked messages through the real platform."""

import asyncio
import json
import os
import sys
from dataclasses import replace
from typing import Any
from uuid import uuid4

import nats
import pytest
from nats.js.api import DiscardPolicy

from shared.messaging.deadletter_admin import DeadLetterAdmin, Filter
from shared.messaging.deadletters import CODE_HEADER, SERVICE_HEADER, SUBJECT_HEADER
from shared.messaging.streams import (
    DEAD_LETTER_MAX_AGE_SECONDS,
    DEAD_LETTER_MAX_BYTES,
    ensure_streams,
    stream_configs,
)
from shared.messaging.subjects import Subjects
from tests.support import backends
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

AGENCY = "humberside-police"


def submission(platform: RunningPlatform, agency: str = AGENCY) -> dict[str, Any]:
    from tests.support.returns import answers

    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    return {
        "request_id": str(uuid4()), "agency_id": agency, "cycle_id": CYCLE,
        "answers": answers(profile), "submitted_by": "Safeguarding lead (invented)",
    }


async def stored(platform: RunningPlatform) -> int:
    return await platform.count("SELECT count(*) FROM section11.events WHERE event_type = 'SubmissionReceived'")


async def parked_count(platform: RunningPlatform) -> int:
    admin = DeadLetterAdmin(platform.nc, platform.subjects)
    return len(await admin.list())


async def test_a_return_sent_before_its_cycle_opened_is_replayed_once_the_cycle_is(platform: RunningPlatform) -> None:
    admin = DeadLetterAdmin(platform.nc, platform.subjects)
    subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, AGENCY)
    early = submission(platform)
    refused = await platform.request(subject, early)
    assert refused["error"]["code"] == "unknown_cycle"
    not_json = await platform.request(subject, b"{not json")
    assert not_json["error"]["code"] == "invalid_json"

    [cycle_letter, json_letter] = await admin.list()
    assert (cycle_letter.service, cycle_letter.code, cycle_letter.original_subject) == ("section11", "unknown_cycle", subject)
    assert cycle_letter.partnership == PARTNERSHIP and cycle_letter.status == "parked"
    assert json.loads(cycle_letter.data) == early
    assert "has not been opened" in cycle_letter.reason

    # Not fixed yet: the replay is refused again, reported and recorded, and not parked twice.
    [still] = await admin.replay([cycle_letter])
    assert (still.outcome, still.code) == ("refused", "unknown_cycle")
    assert await parked_count(platform) == 2

    assert (await platform.open_cycle())["status"] == "accepted"
    [again] = await admin.list(Filter(code="unknown_cycle"))
    assert again.status == "parked (replay refused: unknown_cycle)"
    [result] = await admin.replay([again])
    assert result.outcome == "accepted" and result.done
    first_events = result.reply["events"]
    assert [e["event_type"] for e in first_events] == ["SubmissionReceived"]
    assert await stored(platform) == 1

    # Replayed: skipped by default; replaying again anyway is answered with the same events.
    [replayed] = await admin.list(Filter(code="unknown_cycle"))
    assert replayed.replayed and replayed.status == "replayed"
    assert await admin.replay([replayed]) == []
    assert await admin.list(Filter(include_replayed=False)) == [json_letter]
    [twice] = await admin.replay([replayed], again=True)
    assert twice.outcome == "accepted" and twice.reply["events"] == first_events
    assert await stored(platform) == 1
    assert [r.outcome for r in (await admin.show(replayed.sequence)).replays] == ["refused", "accepted", "accepted"]

    # Malformed JSON stays malformed: refused again, still parked.
    [bad] = await admin.replay([json_letter])
    assert (bad.outcome, bad.code) == ("refused", "invalid_json")
    assert not (await admin.show(json_letter.sequence)).replayed


async def test_list_filters_by_service_code_and_partnership_and_show_has_headers_and_bytes(platform: RunningPlatform) -> None:
    admin = DeadLetterAdmin(platform.nc, platform.subjects)
    await platform.open_cycle()
    await platform.submit(AGENCY, {"culture-and-challenge": 9})  # rating_off_scale
    await platform.request(platform.subjects.operator_command("reviews", "raise-action", PARTNERSHIP), b"[]")
    other = "somerset"  # a partnership this platform does not serve
    await platform.request(platform.subjects.operator_command("section11", "open-cycle", other), b"not json at all")

    every = await admin.list()
    assert [(d.service, d.code, d.partnership) for d in every] == [
        ("section11", "rating_off_scale", PARTNERSHIP),
        ("reviews", "invalid_json", PARTNERSHIP),
        ("section11", "invalid_json", other),
    ]
    assert [d.code for d in await admin.list(Filter(service="section11"))] == ["rating_off_scale", "invalid_json"]
    assert [d.service for d in await admin.list(Filter(code="invalid_json"))] == ["reviews", "section11"]
    assert [d.code for d in await admin.list(Filter(partnership=PARTNERSHIP, service="section11"))] == ["rating_off_scale"]
    assert await admin.list(Filter(service="events")) == []

    shown = await admin.show(every[0].sequence)
    assert shown.headers[CODE_HEADER] == "rating_off_scale"
    assert shown.headers[SERVICE_HEADER] == "section11"
    assert shown.headers[SUBJECT_HEADER].endswith(f".cmd.section11.submit.{AGENCY}")
    assert json.loads(shown.pretty())["agency_id"] == AGENCY
    assert shown.pretty().startswith("{\n  ")
    assert (await admin.show(every[2].sequence)).pretty() == "not json at all"
    with pytest.raises(KeyError):
        await admin.show(9999)


async def test_the_command_line_lists_shows_and_replays(platform: RunningPlatform) -> None:
    subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, AGENCY)
    early = submission(platform)
    await platform.request(subject, early)
    await platform.request(subject, b"\xff\xfe not utf-8")

    # Through the installed `scrutiny` command once: the sub-command is registered.
    listed = json.loads(await scrutiny_process(platform, "deadletters", "list", "--json"))
    assert [(d["service"], d["code"], d["status"]) for d in listed] == [
        ("section11", "unknown_cycle", "parked"), ("section11", "invalid_json", "parked"),
    ]
    table = await scrutiny(platform, "list", "--code", "unknown_cycle")
    assert "unknown_cycle" in table and "invalid_json" not in table
    shown = await scrutiny(platform, "show", str(listed[0]["sequence"]))
    assert f'"agency_id": "{AGENCY}"' in shown and "Scrutiny-Error-Code: unknown_cycle" in shown
    assert "\\xff\\xfe" in await scrutiny(platform, "show", str(listed[1]["sequence"]))
    await scrutiny(platform, "show", "999", expect=1)
    await scrutiny(platform, "replay", expect=2)  # nothing named: refused

    await platform.open_cycle()
    replayed = json.loads(await scrutiny(platform, "replay", "--all", "--json", expect=1))
    assert [(r["sequence"], r["outcome"]) for r in replayed] == [
        (listed[0]["sequence"], "accepted"), (listed[1]["sequence"], "refused"),
    ]
    assert await stored(platform) == 1
    pending = json.loads(await scrutiny(platform, "list", "--pending", "--json"))
    assert [d["sequence"] for d in pending] == [listed[1]["sequence"]]
    again = await scrutiny(platform, "replay", str(listed[0]["sequence"]), "--again")
    assert "1 of 1 replayed" in again
    assert await stored(platform) == 1


def _env(platform: RunningPlatform) -> dict[str, str]:
    return {"SCRUTINY_NATS_URL": platform.settings.nats_url or "",
            "SCRUTINY_NAMESPACE": platform.settings.namespace, "COLUMNS": "250"}


async def scrutiny(platform: RunningPlatform, *args: str, expect: int = 0) -> str:
    """`scrutiny deadletters ARGS` in this process (its own event loop, in a worker thread)."""
    from typer.testing import CliRunner

    from services.cli.deadletters import app

    result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=_env(platform))
    assert result.exit_code == expect, result.output
    return result.output


async def scrutiny_process(platform: RunningPlatform, *args: str) -> str:
    """The real `scrutiny` command as a process; returns what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli.main", *args, env=dict(os.environ) | _env(platform),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_dead_letters_are_bounded_and_listed_in_pages_whatever_their_size(platform: RunningPlatform) -> None:
    """Security review, finding 6: the stream keeps 90 days and at most 1 GiB (oldest dropped
    first), and the operator's list reads 160 letters of 500 KiB each (80 MB, more than the
    client's 64 MB of pending bytes) a page at a time. (Larger ones no longer reach a service:
    the embedded server refuses messages over 512 KiB.)"""
    info = await platform.nc.jetstream().stream_info(platform.subjects.deadletter_stream)
    assert (info.config.max_age, info.config.max_bytes) == (DEAD_LETTER_MAX_AGE_SECONDS, DEAD_LETTER_MAX_BYTES)
    assert info.config.discard == DiscardPolicy.OLD
    subject = platform.subjects.agency_command("section11", "submit", PARTNERSHIP, AGENCY)
    big = b"x" * (500 * 1024)
    replies = []
    for _ in range(4):  # 40 at a time: within the agency's share of requests in flight
        replies += await asyncio.gather(*(platform.request(subject, big) for _ in range(40)))
    assert {r["error"]["code"] for r in replies} == {"too_large"}
    letters = await DeadLetterAdmin(platform.nc, platform.subjects).list(Filter(code="too_large"))
    assert len(letters) == 160 and {len(d.data) for d in letters} == {len(big)}


async def test_a_dead_letter_stream_of_an_earlier_release_takes_the_limits_and_an_operators_own_are_kept(nats_url: str) -> None:
    subjects = Subjects(backends.new_namespace())
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        unbounded = next(c for c in stream_configs(subjects) if c.name == subjects.deadletter_stream)
        await js.add_stream(replace(unbounded, max_age=None, max_bytes=None, discard=None))
        await ensure_streams(js, subjects)
        info = await js.stream_info(subjects.deadletter_stream)
        assert (info.config.max_age, info.config.max_bytes) == (DEAD_LETTER_MAX_AGE_SECONDS, DEAD_LETTER_MAX_BYTES)

        await js.update_stream(replace(info.config, max_age=2 * DEAD_LETTER_MAX_AGE_SECONDS))  # the operator's choice
        await ensure_streams(js, subjects)
        assert (await js.stream_info(subjects.deadletter_stream)).config.max_age == 2 * DEAD_LETTER_MAX_AGE_SECONDS
    finally:
        await backends.delete_streams(nats_url, subjects.namespace)
        await nc.close()
