"""The pages of a demo-like year speak plain English: North Lincolnshire's demo year played
through the platform, then every page of the dashboard and its reports reached by following
links from the overview (as a business-unit person signed in), and on none of them, outside
the evidence pages (`/event/…`, where ids and hashes are the point), does the text a person
reads or hears (the visually hidden text included) hold an event's UUID, "position N", an
event type's CamelCase name, or an id of the profile (an agency's, a domain's, a standard's,
an activity's, a grade's slug) where its name belongs."""

import html as html_lib
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import nats
import pytest

from services.platform import demo
from shared.catalogue.registry import registered_event_types
from shared.clock import ManualClock
from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.runtime.demo_clock import clock_bucket, write_moment
from tests.support import platform as support
from tests.support.dashboard import fetch
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform

pytestmark = pytest.mark.integration

UNTIL = date(2026, 11, 20)
P = f"/p/{PARTNERSHIP}"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOT_WALKED = ("/event/", "/export/", "format=", "/do/", "/documents/", "/board-pack", "/return/", "/people", "/tasks",
              "/evidence", "/outbox")


@pytest.fixture
async def demo_platform(nats_url: str, database: str, namespace: str) -> AsyncIterator[RunningPlatform]:
    """The platform on the demo's clock from the start of the year (as test_demo_profiles.py
    starts it), its own clock at noon on the end date."""
    settings = support.test_settings(nats_url, database, namespace).model_copy(
        update={"deadline_interval_seconds": 0.5, "demo_clock": True}
    )
    nc = await nats.connect(nats_url)
    try:
        await write_moment(await clock_bucket(nc.jetstream(), Subjects(namespace)), demo.year_starts(UNTIL))
    finally:
        await nc.close()
    clock = ManualClock(datetime(UNTIL.year, UNTIL.month, UNTIL.day, 12, 0, tzinfo=UTC))
    async with running_platform(settings, clock) as running:
        yield running


def readable(page: str) -> str:
    """What a person reads or hears: the body's text, tags, styles and scripts gone."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def profile_slugs() -> set[str]:
    """The profile's ids a record may carry, those with a hyphen (a one-word id is a word too)."""
    profile = load_builtin(PARTNERSHIP)
    ids = {a.id for a in profile.agencies} | {d.id for d in profile.section11.domains}
    ids |= {s.id for s in profile.section11.standards} | {a.id for a in profile.activities}
    ids |= {g.id for g in profile.reviews.audit_grades} | {g.id for g in profile.groups}
    return {i for i in ids if "-" in i}


async def test_no_page_of_a_demo_year_shows_ids_slugs_or_type_names(demo_platform: RunningPlatform, tmp_path: Path) -> None:
    platform = demo_platform
    await demo.play_years(
        platform.settings.nats_url or "", platform.settings.database_url, platform.subjects, [load_builtin(PARTNERSHIP)],
        platform.clock, tmp_path, seed=7, until=UNTIL,
    )
    slugs = profile_slugs()
    type_names = set(registered_event_types())
    seen: set[str] = set()
    queue = [P, f"{P}?as_of=2026-09-30", f"{P}/reports/yearly/2026"]
    problems: list[str] = []
    while queue and len(seen) < 120:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        answer = await fetch(platform, path)
        assert answer.status == 200, (path, answer.status, answer.body[:300])
        text = readable(answer.body)
        problems += [f"{path}: an event id {m}" for m in UUID.findall(text)[:3]]
        problems += [f"{path}: {m!r}" for m in re.findall(r"position \d+", text)[:3]]
        for what, pattern in [(f"the id {s!r}", rf"(?<![\w-]){re.escape(s)}(?![\w-])") for s in sorted(slugs)] + [
            (f"the type name {t!r}", rf"\b{t}\b") for t in sorted(type_names)
        ]:
            if found := re.search(pattern, text):
                problems.append(f"{path}: {what} in “{' '.join(text[max(0, found.start() - 80):found.end() + 40].split())}”")
        for href in re.findall(r'href="([^"#]+)', answer.body):
            href = html_lib.unescape(href)
            if href.startswith(P) and not any(part in href for part in NOT_WALKED) and href not in seen:
                queue.append(href)
    assert len(seen) >= 20, sorted(seen)  # the overview, every area, every agency, the reports
    assert {f"{P}/section11", f"{P}/actions", f"{P}/planner", f"{P}/risks", f"{P}/reports/tiered"} <= seen
    assert not problems, "machine language on the pages:\n" + "\n".join(problems)
