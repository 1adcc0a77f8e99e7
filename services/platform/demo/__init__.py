"""The demo: a realistic year of one partnership, played through the platform's NATS
interfaces exactly as its business unit and agencies would use them, then the board pack.

Everything comes from the partnership's framework profile (its agencies, Section 11
standards and scale, activities and planner, review timescales, groups) and from a seed:
the same seed, profile and end date play the same year, and every request id is derived
from them and the step, so playing it again on the same platform stores nothing twice.

The year is played on the platform's clock (`clock`): the services run on the moment the
demo holds them at, and the demo moves it through the year, so that each fact is
recorded on the day it happens and each deadline is raised on its day; the dashboard
as of any past day of the year shows the partnership as it stood then. The chapters,
Section 11 (`section11`), the assurance events of the planner (`assurance`,
`lifecycle`) and every other activity at its cadence (`activities`), serious
incidents, reviews and audits (`reviews`), the action plan and the impact log
(`actions`), the agencies' performance data (`indicators`), the independent scrutineer's
work (`scrutiny`), the calendar of meetings (`meetings`), each say on which day each step happens, and their steps are played in
date order. `story` holds the year's dates and seeded choices, `client` the
conversation with the platform. The year ends by now; the platform's clock is then
handed back to the wall clock."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import nats

from services.platform.demo import (
    actions,
    activities,
    assurance,
    indicators,
    meetings,
    reviews,
    scrutiny,
    section11,
)
from services.platform.demo.actions import ActionFacts
from services.platform.demo.activities import ActivityFacts
from services.platform.demo.assurance import AssuranceFacts
from services.platform.demo.client import DemoRefused, Platform
from services.platform.demo.clock import (
    DemoClock,
    NotOnTheDemoClock,
    Quiet,
    Timeline,
    move_through,
    step_target,
)
from services.platform.demo.indicators import IndicatorFacts
from services.platform.demo.meetings import MeetingFacts
from services.platform.demo.reviews import ReviewFacts
from services.platform.demo.scrutiny import ScrutinyFacts
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

__all__ = ["CHAPTERS", "DemoRefused", "DemoResult", "NotOnTheDemoClock", "play", "play_years", "today", "year_starts"]

CHAPTERS = ("The year, day by day", "Board pack")
Chapter = Callable[[int, str], None]
"""Called as each part starts: its index in CHAPTERS and its name."""


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
    scrutiny: ScrutinyFacts = field(default_factory=ScrutinyFacts)
    meetings: MeetingFacts = field(default_factory=MeetingFacts)


def figures_line(o: Overview) -> str:
    """The narration's figures: read from reporting (domain/views/figures.py), never counted by the story."""
    return (
        f"The records now show {plural(o.open_actions, 'open action')} ({o.overdue_actions} overdue, "
        f"{o.awaiting_sign_off} awaiting sign-off), {plural(o.open_risk_flags, 'open risk flag')} and "
        f"{o.agencies_submitted} of {plural(o.agencies_total, 'agency', 'agencies')} returned"
    )


def today(clock: Clock) -> date:
    return london.today(clock)


def year_starts(until: date) -> datetime:
    """Where the platform's clock starts for the year ending on `until`: the first moment of its first day."""
    return london.start_of_day(until - timedelta(days=364))


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
    (or executive) meeting on the end date, as HTML and PDF, into `out_dir`.

    The platform's services must follow the demo's clock, held at `year_starts(until)`
    (`Platform(settings, demo_from=...)`, or SCRUTINY_DEMO_CLOCK and the clock's bucket
    set by hand); `clock` is the wall clock the year ends by, and hands back to."""
    results = await play_years(
        nats_url, database_url, subjects, [profile], clock, out_dir, seed=seed, until=until, progress=progress, chapter=chapter,
    )
    return results[0]


async def play_years(
    nats_url: str,
    database_url: str,
    subjects: Subjects,
    profiles: list[FrameworkProfile],
    clock: Clock,
    out_dir: Path,
    *,
    seed: int = 2026,
    until: date | None = None,
    progress: Progress = lambda _line: None,
    chapter: Chapter = lambda _index, _name: None,
) -> list[DemoResult]:
    """The same year of several partnerships served by one platform, played side by side
    in date order (the platform's clock moves for all of them); each one's board pack is
    written into `out_dir`/<partnership> (into `out_dir` itself for one partnership)."""
    now = today(clock)
    until = until or now
    if until > now:
        raise ValueError(f"the year must end by today ({now.isoformat()}); the services refuse facts dated after it")
    nc = await nats.connect(nats_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        demo_clock = DemoClock(nc, subjects, clock)
        await demo_clock.start()
        first = until - timedelta(days=364)
        if not demo_clock.held or london.local_day(demo_clock.now()) > first:
            raise NotOnTheDemoClock(
                f"the platform's clock is not held at the start of the year ({year_starts(until).isoformat()}): "
                "start the platform for the demo (services.platform.supervisor.Platform(demo_from=...))"
            )
        quiet = Quiet(nc, pool, subjects)
        timeline = Timeline(first, lambda day: _advance(demo_clock, quiet, day, progress))
        years = []
        for profile in profiles:
            platform = Platform(nc, pool, subjects, profile, demo_clock, seed, timeline, quiet)
            said = progress if len(profiles) == 1 else (lambda line, p=profile.id: progress(f"{p}: {line}"))
            years.append(_Year(Story(platform, until, now, said)))
        for year in years:
            year.begin()
        chapter(0, CHAPTERS[0])
        await timeline.run()
        await move_through(demo_clock, quiet, clock.now())
        await demo_clock.move_to(None)  # the year is over: the platform is back on the wall clock
        chapter(1, CHAPTERS[1])
        results = []
        for year in years:
            await year.story.platform.projected()
            story = year.story
            story.progress(actions.summary(year.acted))
            story.progress(f"Reporting has projected every record ({story.platform.sent} requests sent)")
            profile = story.profile
            group = default_group(profile)
            pack = await BoardPackReadModels(pool, "reporting").board_pack(profile, group, until, clock.now())
            story.progress(figures_line(pack.overview))
            into = out_dir if len(profiles) == 1 else out_dir / profile.id
            files = await asyncio.to_thread(write_board_pack, pack, into)
            results.append(DemoResult(
                profile.id, until, files.html, files.pdf, group, story.platform.sent,
                year.s11, year.events, year.reviewed, year.acted, year.others, year.figures,
                headline=pack.overview, pdf_note=files.pdf_note, scrutiny=year.scrutinised, meetings=year.met,
            ))
        return results
    finally:
        await pool.close()
        await nc.close()


async def _advance(clock: DemoClock, quiet: Quiet, day: date, progress: Progress) -> None:
    if day.month != london.local_day(clock.now()).month:
        progress(f"{day:%B %Y}")
    await move_through(clock, quiet, step_target(clock, day))


@dataclass
class _Year:
    """One partnership's year: its story and what each chapter leaves."""

    story: Story
    s11: Section11Facts = field(default_factory=Section11Facts)
    events: AssuranceFacts = field(default_factory=AssuranceFacts)
    reviewed: ReviewFacts = field(default_factory=ReviewFacts)
    acted: ActionFacts = field(default_factory=ActionFacts)
    others: ActivityFacts = field(default_factory=ActivityFacts)
    figures: IndicatorFacts = field(default_factory=IndicatorFacts)
    scrutinised: ScrutinyFacts = field(default_factory=ScrutinyFacts)
    met: MeetingFacts = field(default_factory=MeetingFacts)

    def begin(self) -> None:
        """Every chapter's first strand, from the first day of the year."""
        story = self.story
        actions.play(story, self.acted, self.reviewed)

        async def section11_then_call_in() -> None:
            self.s11 = await section11.play(story)
            await assurance.call_in(story, self.s11, self.events)

        story.strand(story.starts, section11_then_call_in)
        story.strand(story.starts, lambda: assurance.play(story, self.events))
        story.strand(story.starts, lambda: reviews.play(story, self.reviewed))
        story.strand(story.starts, lambda: activities.play(story, self.others))
        story.strand(story.starts, lambda: indicators.play(story, self.figures))
        scrutiny.play(story, self.scrutinised)
        meetings.play(story, self.met)
