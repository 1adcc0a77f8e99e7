"""Section 11 queries: ratings, returns, risk flags, confidence gaps, call-ins, workshops, amendments."""

import asyncpg

from services.reporting.domain.views import (
    AmendmentRow,
    CallInRow,
    ConfidenceGapRow,
    RatingRow,
    ReturnRow,
    RiskFlagRow,
    Section11View,
    WorkshopRow,
)


def _id(value: object) -> str | None:
    return str(value) if value is not None else None


async def ratings(conn: asyncpg.Connection, s: str, partnership: str) -> list[RatingRow]:
    return [
        RatingRow(
            r["agency_id"], r["cycle_id"], r["domain_id"], r["self_rating"], r["moderated_rating"],
            r["moderation_rationale"], str(r["event_id"]), r["position"], _id(r["moderated_event_id"]),
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.s11_ratings WHERE partnership_id = $1", partnership)
    ]


async def returns(conn: asyncpg.Connection, s: str, partnership: str) -> list[ReturnRow]:
    return [
        ReturnRow(
            r["agency_id"], r["cycle_id"], r["due_on"], r["status"], r["submitted_at"], r["reminders"],
            r["amendments"], str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_returns WHERE partnership_id = $1 ORDER BY cycle_id, due_on, agency_id", partnership
        )
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


async def view(conn: asyncpg.Connection, s: str, partnership: str) -> Section11View:
    gaps = [
        ConfidenceGapRow(
            r["agency_id"], r["cycle_id"], r["domain_id"], r["self_rating"], r["agree_percent"], r["reason"],
            str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_confidence_gaps WHERE partnership_id = $1 ORDER BY position", partnership
        )
    ]
    call_ins = [
        CallInRow(r["agency_id"], r["cycle_id"], r["domain_id"], r["rating"], r["reason"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(f"SELECT * FROM {s}.s11_call_ins WHERE partnership_id = $1 ORDER BY position", partnership)
    ]
    workshops = [
        WorkshopRow(
            r["cycle_id"], r["workshop_id"], r["domain_id"], r["purpose"], list(r["agency_ids"]), r["hold_by"], str(r["event_id"])
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.s11_workshops WHERE partnership_id = $1 ORDER BY position", partnership)
    ]
    amendments = [
        AmendmentRow(
            r["agency_id"], r["cycle_id"], list(r["standards"]), r["reason"], r["amended_at"], str(r["event_id"]), r["position"]
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_amendments WHERE partnership_id = $1 ORDER BY position", partnership
        )
    ]
    return Section11View(await returns(conn, s, partnership), gaps, call_ins, workshops, amendments)
