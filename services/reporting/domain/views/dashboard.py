"""The whole dashboard: the overview tiles and every area's view (pure)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from . import figures
from .actions import ActionRow, ActionTracker
from .assurance_events import AssuranceView, ConcludedEventRow
from .board_pack_schedule import MeetingRow, RollingRecord
from .framework import FrameworkView
from .performance import PerformanceView
from .planner import PlannerView
from .reviews import ReviewsView
from .scrutiny import Workspace
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

    counts = staticmethod(figures.counts)
    """What a figure counts, in one sentence, for the pages: `d.overview.counts("open-risk-flags")`."""


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
    performance: PerformanceView | None = None
    framework: FrameworkView | None = None
    rolling_reports: list[RollingRecord] = field(default_factory=list)
    """Scheduled reports recorded presented or missed (issue 16 item 3), latest due month first."""
    report_names: dict[str, str] = field(default_factory=dict)
    scrutiny: Workspace | None = None
    """The independent scrutineer's workspace: open challenges, recommendations acted upon."""
    meetings: list[MeetingRow] = field(default_factory=list)
    """The partnership's calendar of meetings, latest first (issue 16 item 4)."""
    group_names: dict[str, str] = field(default_factory=dict)
    standard_names: dict[str, str] = field(default_factory=dict)

    @property
    def rating_labels(self) -> dict[int, str]:
        """Each rating's word in the profile's scale (3 -> "Good")."""
        return {value: label for value, label, _ in self.heatmap.scale}


def build_overview(
    agencies_total: int, agencies_submitted: int, submissions: int, open_risk_flags: int,
    actions: Sequence[ActionRow], concluded_events: int,
) -> Overview:
    """The headline figures, counted as `figures.py` defines them."""
    return Overview(
        agencies_total=agencies_total,
        agencies_submitted=agencies_submitted,
        submissions=submissions,
        open_risk_flags=open_risk_flags,
        open_actions=figures.open_actions(actions),
        overdue_actions=figures.overdue_actions(actions),
        concluded_events=concluded_events,
        awaiting_sign_off=figures.awaiting_sign_off(actions),
    )
