"""Queries over reporting's own records: indicator ratings with the evidence they cite,
each yearly report's year with the steps of its sign-off, the risk register with each
risk's history, the scheduled reports presented or missed, and the calendar of meetings."""

import json
from collections import defaultdict
from datetime import date

import asyncpg

from services.reporting.domain.views.board_pack_schedule import MeetingRow, RollingRecord
from services.reporting.domain.views.report_rows import (
    CitedRow,
    IndicatorRatingRow,
    RiskRow,
    StepRow,
    YearlyReportRow,
)
from shared.profiles.schema import FrameworkProfile


async def ratings(conn: asyncpg.Connection, s: str, partnership: str) -> list[IndicatorRatingRow]:
    return [
        IndicatorRatingRow(
            r["indicator_id"],
            r["tier_id"],
            r["rating"],
            r["previous_rating"],
            r["rationale"],
            [
                CitedRow(c["kind"], c["record_id"], c["event_id"], c["event_type"], c["position"], c.get("note", ""))
                for c in json.loads(r["evidence"])
            ],
            r["rated_on"],
            r["rated_by"],
            str(r["event_id"]),
            r["position"],
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.indicator_ratings WHERE partnership_id = $1 ORDER BY position", partnership)
    ]


def _ids(profile: FrameworkProfile, report_id: str) -> list[str]:
    """The ids a report's rows may carry: its own, and "" for the profile's first (begun when a
    profile had one yearly report)."""
    first = profile.reporting.yearly_report
    return [report_id, ""] if first is not None and first.id == report_id else [report_id]


async def yearly_report(
    conn: asyncpg.Connection, s: str, profile: FrameworkProfile, report_id: str, year: int
) -> YearlyReportRow | None:
    r = await conn.fetchrow(
        f"SELECT * FROM {s}.yearly_reports WHERE partnership_id = $1 AND year = $2 AND report_id = ANY($3::text[])"
        " ORDER BY report_id DESC LIMIT 1",
        profile.id, year, _ids(profile, report_id),
    )
    if r is None:
        return None
    steps = [
        StepRow(x["step"], x["version"], x["by_whom"], x["on_date"], x["text"], x["group_id"], str(x["event_id"]), x["position"])
        for x in await conn.fetch(
            f"SELECT * FROM {s}.yearly_report_steps WHERE partnership_id = $1 AND year = $2 AND report_id = $3 ORDER BY position",
            profile.id, year, r["report_id"],
        )
    ]
    return _yearly_row(r, steps, report_id)


def _yearly_row(r: asyncpg.Record, steps: list[StepRow], report_id: str) -> YearlyReportRow:
    return YearlyReportRow(
        r["year"], r["name"], r["period_start"], r["period_end"], r["version"], r["status"], r["summary"], r["compiled_by"],
        r["scrutineer"], r["scrutineer_before_publication"], r["comments_to"], json.loads(r["sign_off_by"]),
        json.loads(r["signed"]), r["publish"], r["publication"], r["published_on"], r["link"], str(r["event_id"]),
        r["position"], steps, report_id,
    )


async def yearly_reports(conn: asyncpg.Connection, s: str, profile: FrameworkProfile) -> list[YearlyReportRow]:
    """Every yearly report's every year (without its steps), oldest first, each naming its report."""
    first = profile.reporting.yearly_report
    return [
        _yearly_row(r, [], r["report_id"] or (first.id if first else ""))
        for r in await conn.fetch(
            f"SELECT * FROM {s}.yearly_reports WHERE partnership_id = $1 ORDER BY year, report_id", profile.id
        )
    ]


def _rating(value: str) -> tuple[int, int]:
    rating = json.loads(value)
    return rating["likelihood"], rating["impact"]


async def risks(conn: asyncpg.Connection, s: str, partnership: str) -> list[RiskRow]:
    history: dict[str, list[tuple[str, object, str, str, int]]] = defaultdict(list)
    for h in await conn.fetch(f"SELECT * FROM {s}.risk_history WHERE partnership_id = $1 ORDER BY position", partnership):
        history[h["risk_id"]].append((h["event_type"], h["on_date"], h["detail"], str(h["event_id"]), h["position"]))
    return [
        RiskRow(
            r["risk_id"], r["title"], r["description"], r["owner"], r["owner_role"], _rating(r["inherent"]),
            _rating(r["current"]), _rating(r["target"]), json.loads(r["controls"]), r["recorded_on"], r["review_on"],
            r["assessed_on"], r["status"], r["closed_on"], r["close_reason"], str(r["event_id"]), r["position"],
            str(r["last_event_id"]), r["last_position"], history.get(r["risk_id"], []),  # type: ignore[arg-type]
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.risks WHERE partnership_id = $1 ORDER BY risk_id", partnership)
    ]




async def rolling_reports(conn: asyncpg.Connection, s: str, partnership: str) -> list[RollingRecord]:
    """Scheduled reports recorded presented or missed, the latest due month first."""
    return [
        RollingRecord(
            r["report_id"], r["due_month"], r["group_id"], r["status"], r["presented_on"], r["presented_by"] or "",
            r["meeting"] or "", r["assurance_level"], r["reason"] or "", str(r["event_id"]), r["position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.rolling_report_records WHERE partnership_id = $1 ORDER BY due_month DESC, report_id, group_id",
            partnership,
        )
    ]


async def meetings(conn: asyncpg.Connection, s: str, partnership: str) -> list[MeetingRow]:
    """The partnership's calendar of meetings, the latest first."""
    return [
        meeting_row(r)
        for r in await conn.fetch(
            f"SELECT * FROM {s}.meetings WHERE partnership_id = $1 ORDER BY meets_on DESC, meeting_id", partnership
        )
    ]


def meeting_row(r: asyncpg.Record) -> MeetingRow:
    return MeetingRow(
        r["meeting_id"], r["group_id"], r["meets_on"], r["status"], r["held_on"], json.loads(r["decisions"]),
        json.loads(r["minutes"])["name"] if r["minutes"] else "", str(r["event_id"]), r["position"],
    )


async def meeting(conn: asyncpg.Connection, s: str, partnership: str, meeting_id: str) -> MeetingRow | None:
    """One meeting on the calendar; None when there is no such meeting."""
    r = await conn.fetchrow(f"SELECT * FROM {s}.meetings WHERE partnership_id = $1 AND meeting_id = $2", partnership, meeting_id)
    return meeting_row(r) if r is not None else None


async def meeting_days(conn: asyncpg.Connection, s: str, partnership: str, group_id: str) -> list[date]:
    """The days a group's meetings were held, or are to meet (the board pack's previous meeting)."""
    return [
        r["day"] for r in await conn.fetch(
            f"SELECT coalesce(held_on, meets_on) AS day FROM {s}.meetings WHERE partnership_id = $1 AND group_id = $2",
            partnership, group_id,
        )
    ]
