"""The demo: a realistic year of one partnership, played through the platform's NATS
interfaces exactly as its business unit and agencies would use them, then the board pack.

Everything comes from the partnership's framework profile (its agencies, Section 11
standards and scale, activities and planner, review timescales, groups) and from a seed:
the same seed, profile and end date play the same year, and every request id is derived
from them and the step, so playing it again on the same platform stores nothing twice.

The chapters: Section 11 (`section11`), the assurance events of the planner
(`assurance`, `lifecycle`) and every other activity at its cadence (`activities`), serious incidents, reviews and audits (`reviews`), the action
plan and the impact log (`actions`), the agencies' performance data (`indicators`). `story` holds the year's dates and seeded choices,
`client` the conversation with the platform."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import nats

from services.platform.demo import actions, activities, assurance, indicators, reviews, section11
from services.platform.demo.actions import ActionFacts
from services.platform.demo.activities import ActivityFacts
from services.platform.demo.assurance import AssuranceFacts
from services.platform.demo.client import DemoRefused, Platform
from services.platform.demo.indicators import IndicatorFacts
from services.platform.demo.reviews import ReviewFacts
from services.platform.demo.section11 import Section11Facts
from services.platform.demo.story import Progress, Story, plural
from services.reporting.adapters.pages import write_board_pack
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.domain.views.board_pack_schedule import default_group
from services.reporting.domain.views.dashboard import Overview
from shared import london
from shared.clock import Clock
from shared.messaging.subjects import Subjects
from shared.profiles.schema import FrameworkProfile

__all__ = ["CHAPTERS", "DemoRefused", "DemoResult", "play", "today"]

CHAPTERS = ("Section 11", "Assurance events", "Reviews and audits", "Action plan", "Performance data", "Board pack")
Chapter = Callable[[int, str], None]
"""Called as each chapter starts: its index in CHAPTERS and its name."""


@dataclass(frozen=True)
class DemoResult:
    partnership_id: str
    until: date
    board_pack: Path
    board_pack_pdf: Path
    group_id: str
    requests: int
    section11: Section11Facts
    assurance: AssuranceFacts
    reviews: ReviewFacts
    actions: ActionFacts
    activities: ActivityFacts
    indicators: IndicatorFacts = field(default_factory=IndicatorFacts)
    headline: Overview | None = None
    """The headline figures as reporting counts them (the pages', the pack's and the narration's)."""
    pdf_note: str = ""
    """Why the board pack PDF is not tagged for screen readers, if it is not."""


def figures_line(o: Overview) -> str:
    """The narration's figures: read from reporting (domain/views/figures.py), never counted by the story."""
    return (
        f"The records now show {plural(o.open_actions, 'open action')} ({o.overdue_actions} overdue, "
        f"{o.awaiting_sign_off} awaiting sign-off), {plural(o.open_risk_flags, 'open risk flag')} and "
        f"{o.agencies_submitted} of {plural(o.agencies_total, 'agency', 'agencies')} returned"
    )


def today(clock: Clock) -> date:
    return london.today(clock)


async def play(
    nats_url: str,
    database_url: str,
    subjects: Subjects,
    profile: FrameworkProfile,
    clock: Clock,
    out_dir: Path,
    *,
    seed: int = 2026,
    until: date | None = None,
    progress: Progress = lambda _line: None,
    chapter: Chapter = lambda _index, _name: None,
) -> DemoResult:
    """Play the twelve months ending on `until` (default today) for `profile`, wait for
    reporting to project it all, and write the board pack of the partnership's board
    (or executive) meeting on the end date, as HTML and PDF, into `out_dir`."""
    now = today(clock)
    until = until or now
    if until > now:
        raise ValueError(f"the year must end by today ({now.isoformat()}); the services refuse facts dated after it")
    nc = await nats.connect(nats_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        platform = Platform(nc, pool, subjects, profile, clock, seed)
        story = Story(platform, until, now, progress)
        chapter(0, CHAPTERS[0])
        s11 = await section11.play(story)
        chapter(1, CHAPTERS[1])
        events = await assurance.play(story, s11)
        others = await activities.play(story)
        chapter(2, CHAPTERS[2])
        reviewed = await reviews.play(story)
        chapter(3, CHAPTERS[3])
        acted = await actions.play(story, reviewed)
        chapter(4, CHAPTERS[4])
        figures = await indicators.play(story)
        chapter(5, CHAPTERS[5])
        await platform.projected()
        progress(f"Reporting has projected every record ({platform.sent} requests sent)")
        group = default_group(profile)
        pack = await BoardPackReadModels(pool, "reporting").board_pack(profile, group, until, clock.now())
        progress(figures_line(pack.overview))
        files = await asyncio.to_thread(write_board_pack, pack, out_dir)
        if files.pdf_note:
            progress(files.pdf_note)
        return DemoResult(
            profile.id, until, files.html, files.pdf, group, platform.sent, s11, events, reviewed, acted, others, figures,
            headline=pack.overview, pdf_note=files.pdf_note,
        )
    finally:
        await pool.close()
        await nc.close()
