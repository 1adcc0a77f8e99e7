"""The whole dashboard: the overview tiles and every area's view (pure)."""

from dataclasses import dataclass, field
from datetime import datetime

from .actions import ActionRow, ActionTracker
from .assurance_events import AssuranceView, ConcludedEventRow
from .planner import PlannerView
from .reviews import ReviewsView
from .section11 import HeatMap, RiskFlagRow, Section11View


@dataclass(frozen=True)
class Overview:
    agencies_total: int
    agencies_submitted: int
    submissions: int
    open_risk_flags: int
    open_actions: int
    overdue_actions: int
    concluded_events: int
    awaiting_sign_off: int = 0
    """The headline figures, each counted by its function in `figures.py` (see its definitions)."""


@dataclass(frozen=True)
class Dashboard:
    partnership_id: str
    partnership_name: str
    as_of: datetime
    overview: Overview
    heatmap: HeatMap
    risk_flags: list[RiskFlagRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    concluded_events: list[ConcludedEventRow] = field(default_factory=list)
    agency_names: dict[str, str] = field(default_factory=dict)
    domain_names: dict[str, str] = field(default_factory=dict)
    section11: Section11View = field(default_factory=Section11View)
    action_tracker: ActionTracker | None = None
    reviews: ReviewsView | None = None
    assurance: AssuranceView | None = None
    planner: PlannerView | None = None
