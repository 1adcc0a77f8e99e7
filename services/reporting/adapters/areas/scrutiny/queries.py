"""Queries behind the scrutineer's workspace, its panel on the dashboard and an agency's
page, and the scrutineer's annual report (views in domain/views/scrutiny.py)."""

import json
from datetime import date, datetime
from typing import Any

import asyncpg

from services.reporting.domain.views.scrutiny import (
    AnswerRow,
    AppointmentRow,
    ChallengeRow,
    ConflictRow,
    RecommendationRow,
    ReportSignOff,
    ResponseRow,
    Workspace,
)
from shared.catalogue.scrutiny import BUSINESS_UNIT
from shared.profiles.schema import FrameworkProfile


def _json(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _on(text: str) -> date:
    return date.fromisoformat(text)


async def _exists(conn: asyncpg.Connection, s: str) -> bool:
    return await conn.fetchval("SELECT to_regclass($1)", f"{s}.scrutiny_challenges") is not None


async def workspace(conn: asyncpg.Connection, s: str, profile: FrameworkProfile, as_of: datetime) -> Workspace:
    """Everything of the workspace (an as-of schema built before it existed: nothing)."""
    p = profile.id
    if not await _exists(conn, s):
        return Workspace(p, profile.name, as_of)
    names = {a.id: a.name for a in profile.agencies} | {BUSINESS_UNIT: "The business unit"}
    appointments = [
        AppointmentRow(r["scrutineer_id"], r["name"], r["appointment_id"], r["activity_id"], r["activity_name"], r["starts_on"],
                       r["ends_on"], r["ended_on"], r["end_reason"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(f"SELECT * FROM {s}.scrutiny_appointments WHERE partnership_id = $1"
                                  " ORDER BY starts_on, scrutineer_id, appointment_id", p)
    ]
    conflicts = [
        ConflictRow(r["scrutineer_id"], r["conflict_id"], r["interest_in"], r["interest_in_name"], r["description"],
                    r["declared_on"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(f"SELECT * FROM {s}.scrutiny_conflicts WHERE partnership_id = $1 ORDER BY position", p)
    ]
    challenges = [
        ChallengeRow(
            r["challenge_id"], r["scrutineer_id"], r["record_kind"], r["record_id"], r["record_event_id"], r["put_to"],
            names.get(r["put_to"], r["put_to"]), r["text"], r["raised_on"], r["answer_by"], r["status"], r["outcome"],
            r["closed_on"], r["close_note"],
            [AnswerRow(a["answer"], a["answered_by"], _on(a["answered_on"]), a["documents"], a["event_id"], a["position"])
             for a in _json(r["answers"])],
            str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.scrutiny_challenges WHERE partnership_id = $1 ORDER BY raised_on, position", p)
    ]
    recommendations = [
        RecommendationRow(
            r["recommendation_id"], r["scrutineer_id"], r["made_to"], r["made_to_name"], r["text"], r["record_kind"],
            r["record_id"], r["made_on"], r["respond_by"],
            [ResponseRow(x["response"], _on(x["responded_on"]), x["documents"], x["event_id"], x["position"])
             for x in _json(r["responses"])],
            r["acted_upon"], r["judged_on"], r["judge_note"], str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.scrutiny_recommendations WHERE partnership_id = $1 ORDER BY made_on, position", p)
    ]
    reports = [
        ReportSignOff(r["year"], r["scrutineer_id"], r["summary"], r["signed_off_on"], r["published_on"], r["link"],
                      str(r["event_id"]), r["position"])
        for r in await conn.fetch(f"SELECT * FROM {s}.scrutineer_reports WHERE partnership_id = $1 ORDER BY year", p)
    ]
    return Workspace(p, profile.name, as_of, appointments, conflicts, challenges, recommendations, reports)


async def read_workspace(pool: asyncpg.Pool, s: str, profile: FrameworkProfile, as_of: datetime) -> Workspace:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await workspace(conn, s, profile, as_of)
