"""The partnership's risk register (pure): each open risk with its inherent, current and
target ratings on the 5 x 5 matrix, its owner and review date (flagged once past), then
the risks closed; highest current score first. Every figure names its event."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shared.london import LONDON
from shared.profiles.schema import FrameworkProfile

from .report_rows import RiskRow

# The bands of a score (likelihood x impact), as the NHS's 5 x 5 risk matrix draws them.
BANDS = ((15, "Extreme", "red"), (8, "High", "amber"), (4, "Moderate", "yellow"), (1, "Low", "green"))


def band(score: int) -> tuple[str, str]:
    """(name, style) of a score's band."""
    return next((name, css) for floor, name, css in BANDS if score >= floor)


@dataclass(frozen=True)
class Score:
    likelihood: int
    impact: int

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return band(self.score)[0]

    @property
    def css(self) -> str:
        return band(self.score)[1]


@dataclass(frozen=True)
class RiskLine:
    row: RiskRow
    owner_name: str
    inherent: Score
    current: Score
    target: Score
    review_overdue: bool
    at_target: bool


@dataclass(frozen=True)
class RiskRegister:
    partnership_id: str
    partnership_name: str
    as_of: datetime
    open: list[RiskLine]
    closed: list[RiskLine]

    @property
    def reviews_overdue(self) -> int:
        return sum(1 for r in self.open if r.review_overdue)

    def in_band(self, name: str) -> int:
        return sum(1 for r in self.open if r.current.band == name)


def build_risk_register(profile: FrameworkProfile, risks: Sequence[RiskRow], as_of: datetime) -> RiskRegister:
    today: date = as_of.astimezone(LONDON).date()
    owners = {g.id: g.name for g in profile.groups} | {p.id: p.name for p in profile.statutory_partners}
    owners |= {a.id: a.name for a in profile.agencies}
    lines = []
    for r in risks:
        current, target = Score(*r.current), Score(*r.target)
        lines.append(
            RiskLine(
                r, owners.get(r.owner, r.owner), Score(*r.inherent), current, target,
                r.status == "open" and r.review_on < today, current.score <= target.score,
            )
        )
    ordered = sorted(lines, key=lambda x: (-x.current.score, -x.inherent.score, x.row.risk_id))
    return RiskRegister(
        profile.id, profile.name, as_of,
        [x for x in ordered if x.row.status == "open"],
        sorted((x for x in ordered if x.row.status != "open"), key=lambda x: (x.row.closed_on or date.min, x.row.risk_id)),
    )
