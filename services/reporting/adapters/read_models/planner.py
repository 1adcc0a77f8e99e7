"""The planner's queries: each assurance event's lifecycle row as the facts the planner
is built from (each naming the event id and position of its latest change)."""

from datetime import date

import asyncpg

from services.reporting.domain.views.planner import PlannerView, build_planner_view
from shared.planner import EventFacts
from shared.profiles.schema import FrameworkProfile


async def facts(conn: asyncpg.Connection, s: str, partnership: str) -> list[EventFacts]:
    return [
        EventFacts(
            assurance_event_id=r["assurance_event_id"], activity_type=r["activity_type"], title=r["title"],
            status=r["status"], agency_id=r["agency_id"], planned_for=r["planned_for"],
            first_scheduled_on=r["first_scheduled_on"], scheduled_on=r["scheduled_on"], held_on=r["held_on"],
            event_id=str(r["event_id"]), position=r["position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.assurance_lifecycle WHERE partnership_id = $1 ORDER BY assurance_event_id", partnership
        )
    ]


async def view(
    conn: asyncpg.Connection, s: str, profile: FrameworkProfile, as_of: date,
    start: str | None = None, months: int | None = None,
) -> PlannerView:
    return build_planner_view(profile, await facts(conn, s, profile.id), as_of, start, months)
