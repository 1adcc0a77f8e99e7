"""Assurance events queries: concluded events with their findings, those in progress,
their preparation milestones."""

import json

import asyncpg

from services.reporting.domain.views.assurance_events import (
    AssuranceView,
    ConcludedEventRow,
    LifecycleRow,
    MilestoneRow,
)
from shared.profiles.schema import FrameworkProfile


async def concluded(conn: asyncpg.Connection, s: str, partnership: str) -> list[ConcludedEventRow]:
    return [
        ConcludedEventRow(
            r["assurance_event_id"], r["activity_type"], r["title"], r["held_on"], r["agency_id"],
            json.loads(r["strengths"]), json.loads(r["areas_for_development"]), str(r["event_id"]), r["position"],
            theme=r["theme"], actions=json.loads(r["actions"]), reports_to=r["reports_to"],
            distribution=json.loads(r["distribution"]), outcome=r["outcome"], star_rating=r["star_rating"],
            figures=json.loads(r["figures"]),
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.assurance_events WHERE partnership_id = $1 ORDER BY held_on, assurance_event_id", partnership
        )
    ]


def lifecycle_row(r: asyncpg.Record) -> LifecycleRow:
    endorsed = set(json.loads(r["endorsed_by"]))
    return LifecycleRow(
        r["assurance_event_id"], r["activity_type"], r["title"], r["agency_id"], r["theme"], r["status"],
        r["planned_for"], r["scheduled_on"], r["held_on"],
        [p for p in json.loads(r["endorsers"]) if p not in endorsed], str(r["event_id"]), r["position"],
        first_scheduled_on=r["first_scheduled_on"], star_rating=r["star_rating"],
    )


async def lifecycle(conn: asyncpg.Connection, s: str, partnership: str) -> list[LifecycleRow]:
    return [
        lifecycle_row(r)
        for r in await conn.fetch(
            f"SELECT * FROM {s}.assurance_lifecycle WHERE partnership_id = $1"
            " ORDER BY coalesce(held_on, scheduled_on), assurance_event_id",
            partnership,
        )
    ]


async def milestones(conn: asyncpg.Connection, s: str, partnership: str) -> list[MilestoneRow]:
    return [
        MilestoneRow(
            r["assurance_event_id"], r["title"], r["agency_id"], r["milestone_id"], r["name"], r["responsible"],
            r["due_on"], r["status"], r["met_on"], r["missed_at"],
            str(r["missed_event_id"] or r["event_id"]), r["missed_position"] or r["position"],
        )
        for r in await conn.fetch(
            f"SELECT m.*, l.title, l.agency_id FROM {s}.assurance_milestones m"
            f" JOIN {s}.assurance_lifecycle l USING (partnership_id, assurance_event_id)"
            " WHERE m.partnership_id = $1 ORDER BY m.due_on, m.assurance_event_id, m.milestone_id",
            partnership,
        )
    ]


async def view(conn: asyncpg.Connection, s: str, profile: FrameworkProfile) -> AssuranceView:
    rows = await lifecycle(conn, s, profile.id)
    return AssuranceView(
        in_progress=[r for r in rows if r.status not in ("concluded", "cancelled")],
        milestones=await milestones(conn, s, profile.id),
        activity_names={a.id: a.name for a in profile.activities},
    )
