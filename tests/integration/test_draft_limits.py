"""Drafts cannot make an agency's return expensive (security review, finding 5): 100 drafts
of 100 KB once made that agency's every command take 343 ms, as each read and folded the
whole stream. Now a return holds at most MAX_DRAFTS drafts, each of bounded text, and a
command on a long stream reads only what was appended since the store last read it."""

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


async def _fetched(platform: RunningPlatform, agency: str, answers: dict[str, Any]) -> int:
    """Events the section11 process fetched from its store to answer one draft."""
    store = platform.wired["section11"].handlers.store
    before = store.stream_events_fetched
    reply = await platform.command("section11", "save-draft", _draft(agency, answers), agency=agency)
    assert reply["status"] == "accepted", reply
    return store.stream_events_fetched - before


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
    """Counted, not timed (speed is measured in bench/): a draft on a return of 90 drafts of
    100 KB fetches from the database what one on a return of 1 draft does, the events
    appended since the stream was last read, not the whole stream again."""
    await platform.open_cycle()
    big = _big_answers(platform, 100_000)
    for _ in range(MAX_DRAFTS - 10):  # the finding's 100 drafts of 100 KB, less ten
        await _fetched(platform, LONG, big)
    await _fetched(platform, SHORT, big)
    long = [await _fetched(platform, LONG, big) for _ in range(3)]
    short = [await _fetched(platform, SHORT, big) for _ in range(3)]
    # Before the store kept what it had read, each draft on the long return fetched all of it.
    assert long == short and max(long) <= 2, (long, short)
