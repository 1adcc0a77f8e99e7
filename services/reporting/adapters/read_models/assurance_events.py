"""Assurance events queries."""

import json

import asyncpg

from services.reporting.domain.views import ConcludedEventRow


async def concluded(conn: asyncpg.Connection, s: str, partnership: str) -> list[ConcludedEventRow]:
    return [
        ConcludedEventRow(
            r["assurance_event_id"], r["activity_type"], r["title"], r["held_on"], r["agency_id"],
            json.loads(r["strengths"]), json.loads(r["areas_for_development"]), str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.assurance_events WHERE partnership_id = $1 ORDER BY held_on", partnership
        )
    ]
