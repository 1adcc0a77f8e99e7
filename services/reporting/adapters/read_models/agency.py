"""One agency's drill-down: the dashboard's own queries (so the figures agree with it),
plus every risk flag with its clearing and the practitioner surveys (the Section 11 area's
queries), in one snapshot."""

from datetime import datetime

import asyncpg

from services.reporting.adapters.areas.assurance_events import queries as assurance_events
from services.reporting.adapters.areas.performance import queries as performance
from services.reporting.adapters.areas.reviews import actions_queries as actions
from services.reporting.adapters.areas.reviews import queries as reviews
from services.reporting.adapters.areas.section11 import queries as section11
from services.reporting.adapters.kept_views import VIEWS
from services.reporting.domain.views.agency import (
    AgencyRows,
    AgencyView,
    build_agency_view,
)
from shared.profiles.schema import FrameworkProfile


async def agency_view(
    pool: asyncpg.Pool, schema: str, profile: FrameworkProfile, agency_id: str, as_of: datetime
) -> AgencyView:
    """Raises KeyError when the profile names no such agency."""
    if agency_id not in {a.id for a in profile.agencies}:
        raise KeyError(agency_id)
    return await VIEWS.view(
        pool, schema, profile, ("agency", agency_id), as_of,
        lambda: _agency_view(pool, schema, profile, agency_id, as_of),
    )


async def _agency_view(pool: asyncpg.Pool, schema: str, profile: FrameworkProfile, agency_id: str, as_of: datetime) -> AgencyView:
    s, p = schema, profile.id
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        s11 = await section11.view(conn, s, p)
        review_view = await reviews.view(conn, s, p, as_of)
        rows = AgencyRows(
            returns=s11.returns,
            ratings=await section11.ratings(conn, s, p),
            amendments=s11.amendments,
            risk_flags=await section11.agency_risk_flags(conn, s, p, agency_id),
            surveys=await section11.agency_surveys(conn, s, p, agency_id),
            confidence_gaps=s11.confidence_gaps,
            call_ins=s11.call_ins,
            workshops=s11.workshops,
            lifecycle=await assurance_events.lifecycle(conn, s, p),
            concluded=await assurance_events.concluded(conn, s, p),
            milestones=await assurance_events.milestones(conn, s, p),
            actions=await actions.actions(conn, s, p, owner=agency_id),  # the page shows the agency's own
            information_requests=review_view.information_requests,
            gradings=review_view.gradings,
            concerns=review_view.concerns,
            performance=await performance.view(conn, s, profile),
        )
    return build_agency_view(profile, agency_id, rows, as_of)
