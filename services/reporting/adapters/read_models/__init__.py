"""The read side's facade: the areas' queries (adapters/areas/<area>/queries.py) assembled
into the views the pages render (the dashboard here; the board pack, an agency's page, the
reports, the planner and an event's detail in this package's other modules)."""

from datetime import date, datetime

import asyncpg

from services.reporting.adapters.areas.assurance_events import queries as assurance_events
from services.reporting.adapters.areas.performance import queries as performance
from services.reporting.adapters.areas.reporting_records import queries as own_records
from services.reporting.adapters.areas.reviews import actions_queries as actions
from services.reporting.adapters.areas.reviews import queries as reviews
from services.reporting.adapters.areas.scrutiny import queries as scrutiny_queries
from services.reporting.adapters.areas.section11 import queries as section11
from services.reporting.adapters.kept_views import VIEWS
from services.reporting.domain.views import (
    Dashboard,
    build_heatmap,
    build_tracker,
)
from services.reporting.domain.views.dashboard import build_overview
from services.reporting.domain.views.framework import framework_view
from services.reporting.domain.views.planner import PlannerView
from shared.profiles.schema import FrameworkProfile

from . import planner

PARTS = frozenset({"actions", "action-history", "reviews", "assurance", "planner", "calendar", "performance", "scrutiny"})
"""The dashboard's parts beyond its Section 11 figures, each read by its own queries
("action-history": each action's history with the actions, for the pages that list it)."""
AREA_PARTS: dict[str, frozenset[str]] = {
    "section11": frozenset(),
    "risk-flags": frozenset(),
    "reviews": frozenset({"reviews"}),
    "actions": frozenset({"actions", "action-history"}),
    "assurance": frozenset({"assurance"}),
    "planner": frozenset({"planner"}),
    "performance": frozenset({"performance"}),
}
"""What each area's page (dashboard_pages.AREAS) shows beyond the Section 11 figures: its
template's `d.` fields. An area page reads only these, not the whole dashboard again (the
overview's open actions are counted only where the actions are read: the actions page)."""
READER_PARTS: dict[str, frozenset[str]] = {
    "overview": frozenset({"actions", "performance", "scrutiny"}),
    "work": frozenset({"actions", "assurance", "reviews"}),
}
"""The same for the other readers of the dashboard: the overview's page (its tiles count the
actions; it shows the performance series and the scrutiny panel, and links to the rest), and
people's work (the home page's next steps and the business unit's tasks: actions, milestones,
endorsements, information requests and review clocks)."""


class ReadModels:
    def __init__(self, pool: asyncpg.Pool, schema: str = "reporting") -> None:
        self._pool = pool
        self._schema = schema

    async def dashboard(self, profile: FrameworkProfile, as_of: datetime, area: str | None = None) -> Dashboard:
        """Every area's view (the overview), or with `area` (a key of AREA_PARTS or READER_PARTS)
        only what that area's page shows: the Section 11 figures the overview counts, and its own part. The parts
        an area's page does not show are left empty, not read."""
        parts = PARTS if area is None else AREA_PARTS[area] if area in AREA_PARTS else READER_PARTS[area]
        return await VIEWS.view(
            self._pool, self._schema, profile, ("dashboard", parts), as_of,
            lambda: self._dashboard(profile, as_of, parts),
        )

    async def _dashboard(self, profile: FrameworkProfile, as_of: datetime, parts: frozenset[str]) -> Dashboard:
        s, p = self._schema, profile.id
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            ratings = await section11.ratings(conn, s, p)
            flags = await section11.open_risk_flags(conn, s, p)
            submissions, submitted = await section11.submission_counts(conn, s, p)
            s11 = await section11.view(conn, s, p)
            if "action-history" in parts:
                action_rows = await actions.actions(conn, s, p)
            else:
                action_rows = await actions.action_links(conn, s, p) if "actions" in parts else []
            reviews_view = await reviews.view(conn, s, p, as_of) if "reviews" in parts else None
            concluded = await assurance_events.concluded(conn, s, p)
            assurance = await assurance_events.view(conn, s, profile) if "assurance" in parts else None
            planner_view = await planner.view(conn, s, profile, as_of.date()) if "planner" in parts else None
            rolling = await own_records.rolling_reports(conn, s, p) if "calendar" in parts else []
            calendar = await own_records.meetings(conn, s, p) if "calendar" in parts else []
            performance_view = await performance.view(conn, s, profile) if "performance" in parts else None
            workspace = await scrutiny_queries.workspace(conn, s, profile, as_of) if "scrutiny" in parts else None
        overview = build_overview(
            len(profile.agencies), submitted, submissions, len(flags), action_rows, len(concluded)
        )
        return Dashboard(
            partnership_id=p,
            partnership_name=profile.name,
            as_of=as_of,
            overview=overview,
            heatmap=build_heatmap(profile, ratings, s11.returns),
            section11=s11,
            risk_flags=flags,
            actions=action_rows,
            action_tracker=build_tracker(action_rows, as_of, profile.actions.reminder_days_before) if "actions" in parts else None,
            reviews=reviews_view,
            concluded_events=concluded,
            assurance=assurance,
            planner=planner_view,
            performance=performance_view,
            framework=framework_view(profile),
            rolling_reports=rolling,
            report_names={r.id: r.name for r in profile.reporting.rolling_reports},
            scrutiny=workspace,
            meetings=calendar,
            group_names={g.id: g.name for g in profile.groups},
            agency_names={a.id: a.name for a in profile.agencies},
            domain_names={d.id: d.name for d in profile.section11.domains},
            standard_names={x.id: x.text for x in profile.section11.standards},
        )

    async def planner(self, profile: FrameworkProfile, start: str, months: int, as_of: date) -> PlannerView:
        """The planner of any period, from the assurance events' lifecycle read model."""
        async with self._pool.acquire() as conn:
            return await planner.view(conn, self._schema, profile, as_of, start, months)

    async def counts(self) -> dict[str, int]:
        """Row counts per read-model table (for crash tests and operators)."""
        s = self._schema
        return {
            "submissions": await self._pool.fetchval(f"SELECT count(*) FROM {s}.s11_submissions"),
            "risk_flags": await self._pool.fetchval(f"SELECT count(*) FROM {s}.s11_risk_flags"),
            "actions": await self._pool.fetchval(f"SELECT count(*) FROM {s}.actions"),
            "assurance_events": await self._pool.fetchval(f"SELECT count(*) FROM {s}.assurance_events"),
        }
