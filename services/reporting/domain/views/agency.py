"""Everything about one agency, for the dashboard's drill-down (pure).

Built from the same rows as the dashboard's areas, kept to the agency: its returns
cycle by cycle (status, self and moderated rating per domain, amendments), risk flags
open and cleared, practitioner surveys and confidence gaps, call-ins, peer challenge
workshops it was put in, the assurance events about it, the actions it owns with
their history, the information asked of it and its case file audit gradings. Every
row keeps the event (id and store position) behind it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.profiles.schema import FrameworkProfile

from . import figures
from .actions import ActionRow, ActionTracker, TrackedAction, build_tracker
from .assurance_events import ConcludedEventRow, LifecycleRow, MilestoneRow
from .heat_scale import tones
from .performance import PerformanceView
from .reviews import ConcernRow, GradingRow, InformationRequestRow
from .section11 import (
    AmendmentRow,
    CallInRow,
    ConfidenceGapRow,
    RatingRow,
    ReturnRow,
    RiskFlagRow,
    WorkshopRow,
    gap_words,
)


@dataclass(frozen=True)
class SurveyRow:
    agency_id: str
    cycle_id: str
    survey_id: str
    statement: str
    domain_id: str | None
    agree_percent: float
    respondents: int
    event_id: str
    position: int


@dataclass(frozen=True)
class DomainRating:
    """One domain of one return: the self-score, the panel's, the one the partnership goes by."""

    domain_id: str
    domain_name: str
    rating: RatingRow | None
    label: str = "no rating"
    rag: str = "none"

    @property
    def gap_words(self) -> str:
        """Self minus moderated, in words ("self-assessed one level higher than moderated")."""
        if self.rating is None or self.rating.moderated_rating is None:
            return ""
        return gap_words(self.rating.self_rating - self.rating.moderated_rating)

    @property
    def effective(self) -> int | None:
        if self.rating is None:
            return None
        return self.rating.moderated_rating if self.rating.moderated_rating is not None else self.rating.self_rating

    @property
    def gap(self) -> int | None:
        if self.rating is None or self.rating.moderated_rating is None:
            return None
        return self.rating.self_rating - self.rating.moderated_rating


@dataclass(frozen=True)
class CycleReturn:
    cycle_id: str
    ret: ReturnRow | None
    ratings: list[DomainRating]
    amendments: list[AmendmentRow] = field(default_factory=list)


@dataclass(frozen=True)
class AgencyView:
    partnership_id: str
    partnership_name: str
    agency_id: str
    agency_name: str
    category: str
    as_of: datetime
    notes: str = ""
    """What the profile notes about the agency (its `notes`)."""
    cycles: list[CycleReturn] = field(default_factory=list)
    risk_flags: list[RiskFlagRow] = field(default_factory=list)
    surveys: list[SurveyRow] = field(default_factory=list)
    confidence_gaps: list[ConfidenceGapRow] = field(default_factory=list)
    call_ins: list[CallInRow] = field(default_factory=list)
    workshops: list[WorkshopRow] = field(default_factory=list)
    assurance: list[LifecycleRow] = field(default_factory=list)
    concluded: list[ConcludedEventRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    actions: ActionTracker | None = None
    information_requests: list[InformationRequestRow] = field(default_factory=list)
    gradings: list[GradingRow] = field(default_factory=list)
    concerns: list[ConcernRow] = field(default_factory=list)
    performance: PerformanceView | None = None
    """The performance indicators this agency supplies, with their series and early warnings."""
    statutory_partner: str | None = None
    part_of: str | None = None
    agency_names: dict[str, str] = field(default_factory=dict)
    domain_names: dict[str, str] = field(default_factory=dict)
    activity_names: dict[str, str] = field(default_factory=dict)
    rating_labels: dict[int, str] = field(default_factory=dict)
    standard_names: dict[str, str] = field(default_factory=dict)
    tones: dict[int, str] = field(default_factory=dict)  # each rating's heat-map tone (heat_scale)

    @property
    def open_risk_flags(self) -> int:
        return sum(1 for f in self.risk_flags if f.open)

    @property
    def open_actions(self) -> int:
        """The agency's open actions, counted as the partnership's are (figures.py)."""
        return figures.open_actions([t.row for t in self.tracked_actions])

    @property
    def overdue_actions(self) -> int:
        return figures.overdue_actions([t.row for t in self.tracked_actions])

    @property
    def tracked_actions(self) -> list[TrackedAction]:
        """The agency's actions, the most pressing first (the tracker's buckets in order)."""
        if self.actions is None:
            return []
        order = ["overdue", "due soon", "awaiting sign-off", "open", "signed off"]
        return [item for bucket in order for item in self.actions.buckets.get(bucket, [])]


@dataclass(frozen=True)
class AgencyRows:
    """The partnership's rows, as the read models hold them; `build_agency_view` keeps one agency's."""

    returns: list[ReturnRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    amendments: list[AmendmentRow] = field(default_factory=list)
    risk_flags: list[RiskFlagRow] = field(default_factory=list)
    surveys: list[SurveyRow] = field(default_factory=list)
    confidence_gaps: list[ConfidenceGapRow] = field(default_factory=list)
    call_ins: list[CallInRow] = field(default_factory=list)
    workshops: list[WorkshopRow] = field(default_factory=list)
    lifecycle: list[LifecycleRow] = field(default_factory=list)
    concluded: list[ConcludedEventRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    information_requests: list[InformationRequestRow] = field(default_factory=list)
    gradings: list[GradingRow] = field(default_factory=list)
    concerns: list[ConcernRow] = field(default_factory=list)
    performance: PerformanceView | None = None


def _cycles(profile: FrameworkProfile, agency_id: str, rows: AgencyRows) -> list[CycleReturn]:
    """The agency's cycles, the latest (by store position) first, each domain of the profile in order."""
    levels = {level.value: level for level in profile.section11.rating_scale.levels}
    returns = {r.cycle_id: r for r in rows.returns if r.agency_id == agency_id}
    ratings = [r for r in rows.ratings if r.agency_id == agency_id]
    latest: dict[str, int] = {}
    for cycle_id, position in [(r.cycle_id, r.position) for r in returns.values()] + [(r.cycle_id, r.position) for r in ratings]:
        latest[cycle_id] = max(latest.get(cycle_id, 0), position)
    cycles = []
    for cycle_id in sorted(latest, key=lambda c: latest[c], reverse=True):
        by_domain = {r.domain_id: r for r in ratings if r.cycle_id == cycle_id}
        domain_ratings = []
        for domain in profile.section11.domains:
            row = by_domain.get(domain.id)
            if row is None:
                domain_ratings.append(DomainRating(domain.id, domain.name, None))
                continue
            effective = row.moderated_rating if row.moderated_rating is not None else row.self_rating
            level = levels.get(effective)
            domain_ratings.append(
                DomainRating(domain.id, domain.name, row, level.label if level else str(effective), level.rag if level else "none")
            )
        amendments = [a for a in rows.amendments if a.agency_id == agency_id and a.cycle_id == cycle_id]
        cycles.append(CycleReturn(cycle_id, returns.get(cycle_id), domain_ratings, amendments))
    return cycles


def build_agency_view(
    profile: FrameworkProfile, agency_id: str, rows: AgencyRows, as_of: datetime, today: date | None = None
) -> AgencyView:
    """One agency's page. Raises KeyError for an agency the profile does not name."""
    agency = next((a for a in profile.agencies if a.id == agency_id), None)
    if agency is None:
        raise KeyError(agency_id)

    def mine(other: str | None) -> bool:
        return other == agency_id

    owned = [a for a in rows.actions if mine(a.owner_agency_id)]
    about = {e.assurance_event_id for e in rows.lifecycle if mine(e.agency_id)} | {
        e.assurance_event_id for e in rows.concluded if mine(e.agency_id)
    }
    return AgencyView(
        partnership_id=profile.id,
        partnership_name=profile.name,
        agency_id=agency.id,
        agency_name=agency.name,
        category=agency.category,
        as_of=as_of,
        notes=agency.notes,
        statutory_partner=agency.statutory_partner,
        part_of=agency.part_of,
        cycles=_cycles(profile, agency_id, rows),
        risk_flags=[f for f in rows.risk_flags if mine(f.agency_id)],
        surveys=[s for s in rows.surveys if mine(s.agency_id)],
        confidence_gaps=[g for g in rows.confidence_gaps if mine(g.agency_id)],
        call_ins=[c for c in rows.call_ins if mine(c.agency_id)],
        workshops=[w for w in rows.workshops if agency_id in w.agency_ids],
        assurance=[e for e in rows.lifecycle if e.assurance_event_id in about],
        concluded=[e for e in rows.concluded if e.assurance_event_id in about],
        milestones=[m for m in rows.milestones if m.assurance_event_id in about],
        actions=build_tracker(owned, as_of, profile.actions.reminder_days_before, today),
        information_requests=[q for q in rows.information_requests if mine(q.agency_id)],
        gradings=[g for g in rows.gradings if mine(g.agency_id)],
        concerns=[c for c in rows.concerns if mine(c.raised_by_agency_id) or mine(c.escalated_to)],
        performance=rows.performance.of_agency(agency_id) if rows.performance else None,
        agency_names={a.id: a.name for a in profile.agencies},
        domain_names={d.id: d.name for d in profile.section11.domains},
        activity_names={a.id: a.name for a in profile.activities},
        rating_labels={lv.value: lv.label for lv in profile.section11.rating_scale.levels},
        standard_names={x.id: x.text for x in profile.section11.standards},
        tones={value: tone.name for value, tone in tones(profile).items()},
    )
