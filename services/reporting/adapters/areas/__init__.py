"""The reporting read models, one module per area; each row names the event
(id and store position) behind it."""

from shared.projections import Projection

from .assurance_events.projection import AssuranceEventsProjection
from .performance.queries import PerformanceProjection
from .reporting_records.projection import ReportingRecordsProjection
from .reports.projection import ReportsProjection
from .reviews.actions_projection import ActionsProjection
from .reviews.projection import ReviewsProjection
from .scrutiny.projection import ScrutinyProjection
from .section11.projection import Section11Projection

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
