"""The partnership's risk register (pure): each open risk with its inherent, current and
target ratings on the profile's risk matrix (5 x 5 by default), its owner and review date
(flagged once past), then the risks closed; highest current score first. Every figure
names its event."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.london import LONDON
from shared.profiles.scales import RiskMatrix
from shared.profiles.schema import FrameworkProfile

from .figures import counts
from .report_rows import RiskRow

FIVE_BY_FIVE = RiskMatrix()
"""The matrix unless the profile sets its own: the NHS's 5 x 5, banded low, moderate, high, extreme."""


def band(score: int, matrix: RiskMatrix = FIVE_BY_FIVE) -> tuple[str, str]:
    """(name, style) of a score's band."""
    found = matrix.band(score)
    return found.name, found.colour


@dataclass(frozen=True)
class Score:
    likelihood: int
    impact: int
    matrix: RiskMatrix = field(default=FIVE_BY_FIVE, compare=False, repr=False)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return band(self.score, self.matrix)[0]

    @property
    def css(self) -> str:
        return band(self.score, self.matrix)[1]


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

    counts = staticmethod(counts)
    """What a figure counts, in one sentence (the register is not the Section 11 risk flags)."""

    @property
    def reviews_overdue(self) -> int:
        return sum(1 for r in self.open if r.review_overdue)

    def in_band(self, name: str) -> int:
        return sum(1 for r in self.open if r.current.band == name)


def build_risk_register(profile: FrameworkProfile, risks: Sequence[RiskRow], as_of: datetime) -> RiskRegister:
    today: date = as_of.astimezone(LONDON).date()
    owners = {g.id: g.name for g in profile.groups} | {p.id: p.name for p in profile.statutory_partners}
    owners |= {a.id: a.name for a in profile.agencies}
    matrix = profile.reporting.risk_matrix
    lines = []
    for r in risks:
        current, target = Score(*r.current, matrix), Score(*r.target, matrix)
        lines.append(
            RiskLine(
                r, owners.get(r.owner, r.owner), Score(*r.inherent, matrix), current, target,
                r.status == "open" and r.review_on < today, current.score <= target.score,
            )
        )
    ordered = sorted(lines, key=lambda x: (-x.current.score, -x.inherent.score, x.row.risk_id))
    return RiskRegister(
        profile.id, profile.name, as_of,
        [x for x in ordered if x.row.status == "open"],
        sorted((x for x in ordered if x.row.status != "open"), key=lambda x: (x.row.closed_on or date.min, x.row.risk_id)),
    )
