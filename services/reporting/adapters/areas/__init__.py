"""The reporting read models, one package per area (section11, assurance_events, reviews with
actions, reports, reporting_records, scrutiny, performance), each holding its tables, its
projection and its queries; each row names the event (id and store position) behind it.
`all_projections()` is the one list the runner, the rebuild and the as-of service apply.
The read side is entered through the facade in adapters/read_models/."""

from shared.projections import Projection

from .assurance_events.projection import AssuranceEventsProjection
from .performance.projection import PerformanceProjection
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
