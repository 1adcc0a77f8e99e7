"""Drafts cannot make an agency's return expensive (security review, finding 5): 100 drafts
of 100 KB once made that agency's every command take 343 ms, as each read and folded the
whole stream. Now a return holds at most MAX_DRAFTS drafts, each of bounded text, and a
command on a long stream reads only what was appended since the store last read it."""

import statistics
import time
from typing import Any

import pytest

from services.section11.domain.submissions import MAX_DRAFTS
from tests.support.platform import CYCLE, PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

LONG, SHORT = "humberside-police", "nlc-housing"


def _draft(agency: str, answers: dict[str, Any]) -> dict[str, Any]:
    return {"agency_id": agency, "cycle_id": CYCLE, "answers": answers, "saved_by": "Safeguarding lead (invented)"}


def _big_answers(platform: RunningPlatform, size: int) -> dict[str, Any]:
    """About `size` characters of narrative and evidence over the profile's standards."""
    standards = [s.id for s in platform.hosts["section11"].partnerships.profile(PARTNERSHIP).section11.standards]
    answers: dict[str, Any] = {}
    left = size
    for standard in standards:
        if left <= 0:
            break
        evidence = [f"evidence {i} " + "e" * 280 for i in range(min(30, max(0, (left - 4000) // 300)))]
        answers[standard] = {"rating": 3, "narrative": "n" * min(4000, left), "evidence": evidence}
        left -= min(4000, left) + sum(len(e) for e in evidence)
    return answers


async def _timed(platform: RunningPlatform, agency: str, answers: dict[str, Any]) -> float:
    started = time.perf_counter()
    reply = await platform.command("section11", "save-draft", _draft(agency, answers), agency=agency)
    assert reply["status"] == "accepted", reply
    return time.perf_counter() - started


async def test_a_return_holds_at_most_its_drafts_and_says_so(platform: RunningPlatform) -> None:
    await platform.open_cycle()
    for _ in range(MAX_DRAFTS):
        reply = await platform.command("section11", "save-draft", _draft(LONG, {}), agency=LONG)
        assert reply["status"] == "accepted", reply
    refused = await platform.command("section11", "save-draft", _draft(LONG, {}), agency=LONG)
    assert refused["status"] == "refused" and refused["error"]["code"] == "too_many_drafts", refused
    assert str(MAX_DRAFTS) in refused["error"]["message"] and refused["error"]["field"] == "answers"
    other = await platform.command("section11", "save-draft", _draft(SHORT, {}), agency=SHORT)
    assert other["status"] == "accepted"
    # The agency can still submit the return its drafts built.
    assert (await platform.submit(LONG))["status"] == "accepted"


async def test_a_long_stream_of_drafts_costs_what_a_short_one_does(platform: RunningPlatform) -> None:
    await platform.open_cycle()
    big = _big_answers(platform, 100_000)
    for _ in range(MAX_DRAFTS - 10):  # the finding's 100 drafts of 100 KB, less the 7 timed below
        await _timed(platform, LONG, big)
    await _timed(platform, SHORT, big)
    long = statistics.median([await _timed(platform, LONG, big) for _ in range(7)])
    short = statistics.median([await _timed(platform, SHORT, big) for _ in range(7)])
    # Before the store kept what it had read: 3 times the short stream's cost here (and growing with the stream).
    assert long < 1.5 * short + 0.005, (long, short)
