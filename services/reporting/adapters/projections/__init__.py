"""The reporting read models, one module per area; each row names the event
(id and store position) behind it."""

from services.reporting.adapters.read_models.performance import PerformanceProjection
from shared.projections import Projection

from .actions import ActionsProjection
from .assurance_events import AssuranceEventsProjection
from .reporting_records import ReportingRecordsProjection
from .reports import ReportsProjection
from .reviews import ReviewsProjection
from .scrutiny import ScrutinyProjection
from .section11 import Section11Projection

__all__ = [
    "ActionsProjection",
    "AssuranceEventsProjection",
    "PerformanceProjection",
    "ReportingRecordsProjection",
    "ReportsProjection",
    "ReviewsProjection",
    "ScrutinyProjection",
    "Section11Projection",
    "all_projections",
]


def all_projections() -> list[Projection]:
    return [
        Section11Projection(), AssuranceEventsProjection(), ActionsProjection(), ReviewsProjection(),
        ReportsProjection(), ReportingRecordsProjection(), PerformanceProjection(), ScrutinyProjection(),
    ]
