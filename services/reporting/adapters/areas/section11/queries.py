"""Section 11 queries: ratings, returns, risk flags, confidence gaps, call-ins, workshops,
amendments; an agency's every risk flag and survey (its page); the flags and gaps as of a
day (the board pack)."""

from datetime import datetime

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
from services.reporting.domain.views.agency import SurveyRow


def _id(value: object) -> str | None:
    return str(value) if value is not None else None


def gap_row(r: asyncpg.Record) -> ConfidenceGapRow:
    return ConfidenceGapRow(
        r["agency_id"], r["domain_id"], r["self_rating"], r["agree_percent"], r["reason"], r["flagged_at"],
        str(r["event_id"]), r["position"], r["cycle_id"],
    )


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


def risk_flag_row(r: asyncpg.Record, as_of: datetime | None = None) -> RiskFlagRow:
    """The one row of s11_risk_flags; as of a moment, a clearing recorded after it is not there yet."""
    cleared = r["cleared_at"] is not None and (as_of is None or r["cleared_at"] <= as_of)
    return RiskFlagRow(
        r["agency_id"], r["domain_id"], r["rating"], r["reason"], r["raised_at"], str(r["event_id"]), r["position"],
        r["cleared_at"] if cleared else None, r["cycle_id"],
        _id(r["cleared_event_id"]) if cleared else None, r["cleared_position"] if cleared else None,
    )


async def open_risk_flags(conn: asyncpg.Connection, s: str, partnership: str) -> list[RiskFlagRow]:
    return [
        risk_flag_row(r)
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
        gap_row(r)
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


async def agency_risk_flags(conn: asyncpg.Connection, s: str, partnership: str, agency_id: str) -> list[RiskFlagRow]:
    return [
        risk_flag_row(r)
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_risk_flags WHERE partnership_id = $1 AND agency_id = $2 ORDER BY position",
            partnership, agency_id,
        )
    ]


async def agency_surveys(conn: asyncpg.Connection, s: str, partnership: str, agency_id: str) -> list[SurveyRow]:
    return [
        SurveyRow(
            r["agency_id"], r["cycle_id"], r["survey_id"], r["statement"], r["domain_id"], r["agree_percent"],
            r["respondents"], str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_surveys WHERE partnership_id = $1 AND agency_id = $2 ORDER BY position",
            partnership, agency_id,
        )
    ]


async def risk_flags_raised(conn: asyncpg.Connection, s: str, partnership: str, as_of: datetime) -> list[RiskFlagRow]:
    """Every flag raised by `as_of`, with its clearing if it came by then."""
    return [
        risk_flag_row(r, as_of)
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_risk_flags WHERE partnership_id = $1 AND raised_at <= $2"
            " ORDER BY raised_at, agency_id, domain_id",
            partnership, as_of,
        )
    ]


async def confidence_gaps_flagged(conn: asyncpg.Connection, s: str, partnership: str, as_of: datetime) -> list[ConfidenceGapRow]:
    return [
        gap_row(r)
        for r in await conn.fetch(
            f"SELECT * FROM {s}.s11_confidence_gaps WHERE partnership_id = $1 AND flagged_at <= $2 ORDER BY position",
            partnership, as_of,
        )
    ]
