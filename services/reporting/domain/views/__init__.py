"""What the dashboard and the board pack show, one module per area (pure)."""

from .actions import ActionRow, ActionTracker, build_tracker
from .assurance_events import ConcludedEventRow
from .dashboard import Dashboard, Overview
from .reviews import ReviewsView
from .section11 import (
    AmendmentRow,
    CallInRow,
    Cell,
    ConfidenceGapRow,
    HeatMap,
    HeatMapRow,
    RatingRow,
    ReturnRow,
    RiskFlagRow,
    Section11View,
    WorkshopRow,
    build_heatmap,
)

__all__ = [
    "AmendmentRow",
    "CallInRow",
    "ConfidenceGapRow",
    "ReturnRow",
    "Section11View",
    "WorkshopRow",
    "ActionRow",
    "ActionTracker",
    "ReviewsView",
    "build_tracker",
    "Cell",
    "ConcludedEventRow",
    "Dashboard",
    "HeatMap",
    "HeatMapRow",
    "Overview",
    "RatingRow",
    "RiskFlagRow",
    "build_heatmap",
]
