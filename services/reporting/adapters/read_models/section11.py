"""Section 11 queries: latest ratings and open risk flags."""

import asyncpg

from services.reporting.domain.views import RatingRow, RiskFlagRow


async def ratings(conn: asyncpg.Connection, s: str, partnership: str) -> list[RatingRow]:
    return [
        RatingRow(r["agency_id"], r["domain_id"], r["rating"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(f"SELECT * FROM {s}.s11_ratings WHERE partnership_id = $1", partnership)
    ]


async def open_risk_flags(conn: asyncpg.Connection, s: str, partnership: str) -> list[RiskFlagRow]:
    return [
        RiskFlagRow(r["agency_id"], r["domain_id"], r["rating"], r["reason"], r["raised_at"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_risk_flags WHERE partnership_id = $1 AND open ORDER BY raised_at, agency_id, domain_id",
            partnership,
        )
    ]


async def submission_counts(conn: asyncpg.Connection, s: str, partnership: str) -> tuple[int, int]:
    """(returns received, distinct agencies that returned)."""
    row = await conn.fetchrow(
        f"SELECT count(*) AS n, count(DISTINCT agency_id) AS agencies FROM {s}.s11_submissions WHERE partnership_id = $1",
        partnership,
    )
    return row["n"], row["agencies"]
