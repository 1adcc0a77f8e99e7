"""Performance data's queries: every indicator's values and the early warnings raised, read
back as the view's rows (`ValueRow`, `WarningRow`, declared with the view in
domain/views/performance.py, which must not import an adapter). Every row names the event behind it."""

import json
from datetime import datetime

import asyncpg

from services.reporting.domain.views.performance import (
    PerformanceView,
    ValueRow,
    WarningRow,
    build_performance,
)
from shared.profiles.schema import FrameworkProfile


async def values(conn: asyncpg.Connection, s: str, partnership: str) -> list[ValueRow]:
    return [
        ValueRow(
            x["indicator_id"], x["period"], x["period_start"], x["value"], x["previous_value"], x["supplied_by"],
            x["recorded_at"], str(x["event_id"]), x["position"],
        )
        for x in await conn.fetch(
            f"SELECT * FROM {s}.indicator_values WHERE partnership_id = $1 ORDER BY indicator_id, period_start", partnership
        )
    ]


async def warnings(conn: asyncpg.Connection, s: str, partnership: str, as_of: datetime | None = None) -> list[WarningRow]:
    return [
        WarningRow(
            x["indicator_id"], x["indicator_name"], x["supplied_by"], x["period"], x["value"], x["reason"], x["threshold"],
            x["declining_periods"], tuple((period, value) for period, value in json.loads(x["series"])), x["raised_to"],
            x["raised_at"], str(x["event_id"]), x["position"],
        )
        for x in await conn.fetch(
            f"SELECT * FROM {s}.indicator_warnings WHERE partnership_id = $1 AND ($2::timestamptz IS NULL OR raised_at <= $2)"
            " ORDER BY position",
            partnership, as_of,
        )
    ]


async def view(conn: asyncpg.Connection, s: str, profile: FrameworkProfile) -> PerformanceView:
    """Every indicator's series and every warning, of the profile's partnership."""
    return build_performance(profile, await values(conn, s, profile.id), await warnings(conn, s, profile.id))
