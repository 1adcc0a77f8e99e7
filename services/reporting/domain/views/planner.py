"""The annual planner as the dashboard and board pack show it: month by month, what was
planned, what was held, what slipped; and the cadence commitments (pure).

The planner itself is the assurance events service's pure function of the profile,
the period and the events' state (`shared.planner`): one rule, shown
the same way by the service's planner query and by these pages."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from shared.planner import (
    Commitment,
    EventFacts,
    Planner,
    PlannerMonth,
    build_planner,
    planner_year,
)
from shared.profiles.schema import FrameworkProfile

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def month_name(month: str) -> str:
    return f"{MONTHS[int(month[5:]) - 1]} {month[:4]}"


@dataclass(frozen=True)
class PlannerView:
    planner: Planner
    agency_names: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{month_name(self.planner.start)} to {month_name(self.planner.end)}"

    @property
    def months(self) -> list[PlannerMonth]:
        return self.planner.months

    @property
    def commitments(self) -> list[Commitment]:
        return self.planner.commitments

    @property
    def slipped(self) -> int:
        return sum(len(m.slipped) for m in self.planner.months)

    @property
    def held(self) -> int:
        return sum(len(m.held) for m in self.planner.months)

    @property
    def missed(self) -> int:
        return sum(1 for m in self.planner.months for s in m.planned if s.status == "missed")

    @property
    def due(self) -> int:
        return sum(1 for m in self.planner.months for s in m.planned if s.status == "due")

    @property
    def planned(self) -> int:
        return sum(len(m.planned) for m in self.planner.months)

    def name(self, month: str) -> str:
        return month_name(month)


def build_planner_view(
    profile: FrameworkProfile,
    facts: Sequence[EventFacts],
    as_of: date,
    start: str | None = None,
    months: int | None = None,
    other_held: Sequence[tuple[str, date]] | None = None,
) -> PlannerView:
    """The planner of a period (by default the planner year `as_of` falls in); `other_held`:
    what the services other than the events service did (`shared.planner.build_planner`)."""
    if start is None or months is None:
        start, months = planner_year(profile, as_of)
    planner = build_planner(profile, start, months, facts, as_of, other_held)
    return PlannerView(planner, {a.id: a.name for a in profile.agencies})
