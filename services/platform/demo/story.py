"""The year the demo plays: its dates, its seeded choices, and what each chapter leaves
for the next (the actions agreed, the facts to report).

The year is the twelve months ending on the end date (`until`, default today). Every
step is sent on its own day of that year, with the platform's clock on that day
(`services.platform.demo.clock`): the services judge some things by their clock (a
Section 11 return is late if it arrives after its due date; an action is overdue once its
day has gone; a reminder goes out at nine), and the deadline watchers raise each deadline
the story lets pass on its day. Each chapter says on which day each of its steps happens
(`Platform.ask(..., on=day)`), its days never going back; a strand of the story with
days of its own runs as a strand of its own (`Story.strand`)."""

import random
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from services.platform.demo.client import Platform
from shared.calendar import WorkingDayCalendar, add_months
from shared.profiles.schema import Agency, FrameworkProfile

T = TypeVar("T")

Progress = Callable[[str], None]

CASE_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"
DEFAULT_THEMES = (
    "Neglect", "Child exploitation", "Domestic abuse", "The voice of the child", "Online harm",
    "Children missing from home", "Early help", "Transition to adulthood",
)
PARTNER_TITLES = {
    "local_authority": "Director of Children's Services (invented)",
    "icb": "Designated nurse for safeguarding children (invented)",
    "police": "Detective superintendent, public protection (invented)",
}
BUSINESS_UNIT = "Partnership business unit manager (invented)"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """"1 agency", "3 agencies"."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


@dataclass(frozen=True)
class ActionSource:
    """Something that agreed an action: the action plan plays it out in the last chapter."""

    key: str
    title: str
    owner_agency_id: str
    source_type: str
    source_id: str
    agreed_on: date


@dataclass
class Story:
    platform: Platform
    until: date
    today: date
    progress: Progress = lambda _line: None
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)
    action_sources: list[ActionSource] = field(default_factory=list)
    used_cases: set[str] = field(default_factory=set)
    on_agreed: Callable[[ActionSource], None] = lambda _source: None
    """Called as each action is agreed (the action plan plays it from its day)."""

    def agree(self, source: ActionSource) -> None:
        """An action agreed on `source.agreed_on` (today on the demo's clock, or later)."""
        self.action_sources.append(source)
        self.on_agreed(source)

    def strand(self, day: date, steps: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Play `steps` as a strand of its own from `day`, beside the others, in date order."""

        async def run() -> None:
            await steps()

        self.platform.timeline.spawn(day, run)

    @property
    def profile(self) -> FrameworkProfile:
        return self.platform.profile

    @property
    def seed(self) -> int:
        return self.platform.seed

    @property
    def starts(self) -> date:
        return self.until - timedelta(days=364)

    def rng(self, chapter: str) -> random.Random:
        """Each chapter its own seeded generator: a change in one leaves the others alone."""
        return random.Random(f"{self.seed}/{self.profile.id}/{chapter}")

    # -- dates ------------------------------------------------------------------------

    def working_on_or_before(self, day: date) -> date:
        while not self.calendar.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_on_or_after(self, day: date) -> date:
        return self.calendar.next_working_day(day)

    def back(self, days: int) -> date:
        """A working day `days` before the end date (never before the year starts)."""
        return self.working_on_or_after(max(self.starts, self.working_on_or_before(self.until - timedelta(days=days))))

    def ahead(self, days: int) -> date:
        """A working day `days` after today (a deadline still to come)."""
        return self.working_on_or_after(self.today + timedelta(days=days))

    def at_most_until(self, day: date) -> date:
        return min(day, self.until)

    def month(self, offset: int = 0) -> str:
        """The end date's month plus `offset` months, as YYYY-MM."""
        moved = add_months(self.until.replace(day=1), offset)
        return f"{moved.year:04d}-{moved.month:02d}"

    def day_in(self, month: str, rng: random.Random) -> date:
        """A working day in the month, not after the end date."""
        first = date(int(month[:4]), int(month[5:]), 1)
        day = self.working_on_or_after(first + timedelta(days=rng.randint(6, 22)))
        return self.working_on_or_before(min(day, self.until))

    def board_meetings(self) -> list[date]:
        """The days the group that signs actions off met this year (every six weeks, the last a week ago)."""
        return [self.back(7 + 42 * n) for n in range(5, -1, -1)]

    # -- who --------------------------------------------------------------------------

    def agencies(self) -> list[Agency]:
        return list(self.profile.agencies)

    def agency_of_partner(self, role: str) -> Agency:
        """The agency that is (or is the children's service of) the statutory partner in this role."""
        partner = self.profile.partner(role)  # type: ignore[arg-type]
        services = [a for a in self.profile.agencies if a.part_of == partner.id and "child" in a.id]
        if services:
            return services[0]
        return next(a for a in self.profile.agencies if a.statutory_partner == partner.id)

    def lead_agencies(self) -> list[Agency]:
        """Children's social care, health and police: who sits on most panels and audits."""
        return [self.agency_of_partner(role) for role in ("local_authority", "icb", "police")]

    def partner_title(self, partner_id: str) -> str:
        role = next(p.role for p in self.profile.statutory_partners if p.id == partner_id)
        return PARTNER_TITLES[role]

    def themes(self) -> list[str]:
        named = [t.name for t in self.profile.reporting.themes if t.status == "current"]
        return named + [t for t in DEFAULT_THEMES if t not in named]

    def case_ref(self, rng: random.Random) -> str:
        """A pseudonymous case reference, never used twice in the partnership's year."""
        while True:
            ref = "case-" + "".join(rng.choice(CASE_LETTERS) for _ in range(5))
            if ref not in self.used_cases:
                self.used_cases.add(ref)
                return ref

    def pick(self, rng: random.Random, items: Sequence[T], count: int) -> list[T]:
        return rng.sample(list(items), min(count, len(items)))
