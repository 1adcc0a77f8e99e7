"""Queries over the reporting schema, returning the views the pages render."""

import json
from datetime import datetime

import asyncpg

from services.reporting.domain.views import (
    ActionRow,
    ConcludedEventRow,
    Dashboard,
    Overview,
    RatingRow,
    RiskFlagRow,
    build_heatmap,
)
from shared.profiles.schema import FrameworkProfile


class ReadModels:
    def __init__(self, pool: asyncpg.Pool, schema: str = "reporting") -> None:
        self._pool = pool
        self._schema = schema

    async def dashboard(self, profile: FrameworkProfile, as_of: datetime) -> Dashboard:
        s, p = self._schema, profile.id
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            ratings = [
                RatingRow(r["agency_id"], r["domain_id"], r["rating"], str(r["event_id"]), r["position"])
                for r in await conn.fetch(f"SELECT * FROM {s}.s11_ratings WHERE partnership_id = $1", p)
            ]
            flags = [
                RiskFlagRow(r["agency_id"], r["domain_id"], r["rating"], r["reason"], r["raised_at"], str(r["event_id"]), r["position"])
                for r in await conn.fetch(
                    f"SELECT * FROM {s}.s11_risk_flags WHERE partnership_id = $1 AND open ORDER BY raised_at, agency_id, domain_id", p
                )
            ]
            actions = [
                ActionRow(
                    r["action_id"], r["title"], r["owner_agency_id"], r["due_on"], r["status"],
                    f"{r['source_type']}: {r['source_id']}", str(r["event_id"]), r["position"],
                    str(r["overdue_event_id"]) if r["overdue_event_id"] else None,
                )
                for r in await conn.fetch(f"SELECT * FROM {s}.actions WHERE partnership_id = $1 ORDER BY due_on, action_id", p)
            ]
            concluded = [
                ConcludedEventRow(
                    r["assurance_event_id"], r["activity_type"], r["title"], r["held_on"], r["agency_id"],
                    json.loads(r["strengths"]), json.loads(r["areas_for_development"]), str(r["event_id"]), r["position"],
                )
                for r in await conn.fetch(f"SELECT * FROM {s}.assurance_events WHERE partnership_id = $1 ORDER BY held_on", p)
            ]
            submissions = await conn.fetchval(f"SELECT count(*) FROM {s}.s11_submissions WHERE partnership_id = $1", p)
            submitted = await conn.fetchval(
                f"SELECT count(DISTINCT agency_id) FROM {s}.s11_submissions WHERE partnership_id = $1", p
            )
        overview = Overview(
            agencies_total=len(profile.agencies),
            agencies_submitted=submitted,
            submissions=submissions,
            open_risk_flags=len(flags),
            open_actions=sum(1 for a in actions if a.status == "open"),
            overdue_actions=sum(1 for a in actions if a.status == "overdue"),
            concluded_events=len(concluded),
        )
        return Dashboard(
            partnership_id=p,
            partnership_name=profile.name,
            as_of=as_of,
            overview=overview,
            heatmap=build_heatmap(profile, ratings),
            risk_flags=flags,
            actions=actions,
            concluded_events=concluded,
            agency_names={a.id: a.name for a in profile.agencies},
            domain_names={d.id: d.name for d in profile.section11.domains},
        )

    async def counts(self) -> dict[str, int]:
        """Row counts per read-model table (for crash tests and operators)."""
        s = self._schema
        return {
            "submissions": await self._pool.fetchval(f"SELECT count(*) FROM {s}.s11_submissions"),
            "risk_flags": await self._pool.fetchval(f"SELECT count(*) FROM {s}.s11_risk_flags"),
            "actions": await self._pool.fetchval(f"SELECT count(*) FROM {s}.actions"),
            "assurance_events": await self._pool.fetchval(f"SELECT count(*) FROM {s}.assurance_events"),
        }
