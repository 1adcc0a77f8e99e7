"""Review queries: clocks with their history, information requests, audit gradings and
concerns, the impact log; assembled into the reviews view. The reports read the clocks
and the impact log too (`clocks`, `impact`)."""

import json
from collections import defaultdict
from datetime import datetime

import asyncpg

from services.reporting.domain.views.actions import HistoryEntry
from services.reporting.domain.views.reviews import (
    ConcernRow,
    GradingRow,
    ImpactRow,
    InformationRequestRow,
    ReviewClockRow,
    ReviewsView,
    build_reviews_view,
)


def _belongs(kind: str, event_type: str) -> bool:
    """An incident's stream holds two clocks: its notification events go with the one, the rest with the other."""
    notification = event_type.startswith("SeriousIncident")
    return notification if kind == "notification" else not notification or kind != "rapid-review"


def clock_row(r: asyncpg.Record, history: list[HistoryEntry] | None = None) -> ReviewClockRow:
    """The one row of review_clocks (with the clock's history when the page shows it)."""
    return ReviewClockRow(
        r["kind"], r["review_id"], r["title"], r["case_ref"], r["starts_on"], r["due_on"], r["unit"], r["status"],
        r["outcome"], r["late"], r["closed_on"], r["change_reason"], str(r["event_id"]), r["position"],
        r["last_event_type"], str(r["last_event_id"]), r["last_position"], history or [],
    )


async def view(conn: asyncpg.Connection, s: str, partnership: str, as_of: datetime) -> ReviewsView:
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    for h in await conn.fetch(f"SELECT * FROM {s}.review_history WHERE partnership_id = $1 ORDER BY position", partnership):
        history[h["stream_id"]].append(
            HistoryEntry(h["event_type"], h["occurred_at"], h["actor"], h["detail"], str(h["event_id"]), h["position"])
        )
    clocks = [
        clock_row(r, [h for h in history.get(r["stream_id"], []) if _belongs(r["kind"], h.event_type)])
        for r in await conn.fetch(f"SELECT * FROM {s}.review_clocks WHERE partnership_id = $1", partnership)
    ]
    requests = [
        InformationRequestRow(
            r["incident_id"], r["information_request_id"], r["agency_id"], r["due_on"], r["status"], r["late"],
            str(r["event_id"]), r["position"], str(r["last_event_id"]),
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.information_requests WHERE partnership_id = $1 ORDER BY due_on, information_request_id", partnership
        )
    ]
    gradings = [
        GradingRow(r["audit_id"], r["case_ref"], r["agency_id"], r["grade"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(f"SELECT * FROM {s}.audit_gradings WHERE partnership_id = $1 ORDER BY position", partnership)
    ]
    concerns = [
        ConcernRow(
            r["audit_id"], r["case_ref"], r["raised_by_agency_id"], r["escalated_to"], r["occurred_at"], str(r["event_id"]), r["position"]
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.safeguarding_concerns WHERE partnership_id = $1 ORDER BY position", partnership)
    ]
    return build_reviews_view(clocks, requests, gradings, concerns, await impact(conn, s, partnership), as_of)


async def impact(conn: asyncpg.Connection, s: str, partnership: str) -> list[ImpactRow]:
    return [
        ImpactRow(
            r["impact_id"], r["recorded_on"], r["difference"], r["evidence"], json.loads(r["links"]), str(r["event_id"]), r["position"]
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.impact_log WHERE partnership_id = $1 ORDER BY recorded_on, impact_id", partnership)
    ]


async def clocks(conn: asyncpg.Connection, s: str, partnership: str) -> list[ReviewClockRow]:
    return [
        clock_row(r)
        for r in await conn.fetch(
            f"SELECT * FROM {s}.review_clocks WHERE partnership_id = $1 ORDER BY starts_on, kind, review_id", partnership
        )
    ]
