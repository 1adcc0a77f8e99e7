"""What the dashboard and the board pack show, one module per area (pure)."""

from .actions import ActionRow
from .assurance_events import ConcludedEventRow
from .dashboard import Dashboard, Overview
from .section11 import Cell, HeatMap, HeatMapRow, RatingRow, RiskFlagRow, build_heatmap

__all__ = [
    "ActionRow",
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
