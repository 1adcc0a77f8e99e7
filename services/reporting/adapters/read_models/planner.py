"""The planner's queries: each assurance event's (and every other activity's) lifecycle
row as the facts the planner is built from (each naming the event id and position of its
latest change), and what the other services did, as reporting projects their events: a
Section 11 cycle closed, an audit round concluded, a review signed off, a yearly report
published. So the planner shows every activity's slots held, slipped, missed or due."""

from datetime import date

import asyncpg

from services.reporting.domain.views.planner import PlannerView, build_planner_view
from shared.planner import EventFacts
from shared.profiles.activities import review_activities
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


def _first(profile: FrameworkProfile, kind: str) -> str | None:
    """The activity of a kind another service runs: the one with a cadence, else the first."""
    of_kind = [a for a in profile.activities if a.kind == kind]
    timed = [a for a in of_kind if not a.cadence.as_required]
    chosen = (timed or of_kind or [None])[0]
    return chosen.id if chosen is not None else None


async def other_held(conn: asyncpg.Connection, s: str, profile: FrameworkProfile) -> list[tuple[str, date]]:
    """(activity id, day) of what the other services did: cycles closed, audit rounds
    concluded, reviews signed off or published, yearly reports published."""
    held: list[tuple[str, date]] = []
    records = await conn.fetch(
        f"SELECT kind, activity_type, ended_on FROM {s}.report_records"
        " WHERE partnership_id = $1 AND kind IN ('s11-cycle', 'audit-round', 'review') AND ended_on IS NOT NULL"
        " AND status IN ('closed', 'concluded', 'signed-off', 'published')",
        profile.id,
    )
    section11, audits, reviews = _first(profile, "section11"), _first(profile, "multi_agency_audit"), review_activities(profile.activities)
    for r in records:
        activity = {"s11-cycle": section11, "audit-round": audits}.get(r["kind"]) or reviews.get(r["activity_type"] or "")
        if activity is not None:
            held.append((activity, r["ended_on"]))
    for r in await conn.fetch(
        f"SELECT report_id, published_on FROM {s}.yearly_reports WHERE partnership_id = $1 AND published_on IS NOT NULL", profile.id
    ):
        report = profile.reporting.yearly(r["report_id"] or None)
        if report is not None and report.activity is not None:
            held.append((report.activity, r["published_on"]))
    return sorted(held)


async def view(
    conn: asyncpg.Connection, s: str, profile: FrameworkProfile, as_of: date,
    start: str | None = None, months: int | None = None,
) -> PlannerView:
    return build_planner_view(
        profile, await facts(conn, s, profile.id), as_of, start, months, await other_held(conn, s, profile)
    )
