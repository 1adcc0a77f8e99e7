"""Action tracker queries: every action with the events behind it and its history, and each
action as the reports link it to its source (`action_links`)."""

from collections import defaultdict

import asyncpg

from services.reporting.domain.views.actions import ActionRow, HistoryEntry


def _id(value: object) -> str | None:
    return str(value) if value else None


async def actions(conn: asyncpg.Connection, s: str, partnership: str, owner: str | None = None) -> list[ActionRow]:
    """The partnership's actions with their histories; with `owner`, only that agency's (its page)."""
    owned = "" if owner is None else " AND owner_agency_id = $2"
    args = (partnership,) if owner is None else (partnership, owner)
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    for h in await conn.fetch(
        f"SELECT * FROM {s}.action_history WHERE partnership_id = $1"
        + ("" if owner is None else f" AND action_id IN (SELECT action_id FROM {s}.actions WHERE partnership_id = $1{owned})")
        + " ORDER BY position",
        *args,
    ):
        history[h["action_id"]].append(
            HistoryEntry(h["event_type"], h["occurred_at"], h["actor"], h["detail"], str(h["event_id"]), h["position"])
        )
    return [
        action_row(r, history.get(r["action_id"], []))
        for r in await conn.fetch(
            f"SELECT *, (raised_at AT TIME ZONE 'Europe/London')::date AS raised_on FROM {s}.actions"
            f" WHERE partnership_id = $1{owned} ORDER BY due_on, action_id",
            *args,
        )
    ]


def action_row(r: asyncpg.Record, history: list[HistoryEntry] | None = None) -> ActionRow:
    """The one row of the actions table (with its history when the page shows it)."""
    return ActionRow(
        r["action_id"], r["title"], r["owner_agency_id"], r["due_on"], r["status"],
        f"{r['source_type']}: {r['source_id']}", str(r["event_id"]), r["position"],
        _id(r["overdue_event_id"]),
        reminded_event_id=_id(r["reminded_event_id"]),
        completed_event_id=_id(r["completed_event_id"]),
        signed_off_event_id=_id(r["signed_off_event_id"]),
        last_event_id=_id(r["last_event_id"]),
        last_position=r["last_position"],
        progress_updates=r["progress_updates"],
        percent_complete=r["percent_complete"],
        rejections=r["rejections"],
        history=history or [],
        source_type=r["source_type"],
        source_id=r["source_id"],
        raised_on=r["raised_on"],
        signed_off_on=r["signed_off_on"],
    )


async def action_links(conn: asyncpg.Connection, s: str, partnership: str) -> list[ActionRow]:
    """The action plan without each action's history (the reports link actions, not their updates)."""
    return [
        action_row(r)
        for r in await conn.fetch(
            f"SELECT *, (raised_at AT TIME ZONE 'Europe/London')::date AS raised_on FROM {s}.actions"
            " WHERE partnership_id = $1 ORDER BY due_on, action_id",
            partnership,
        )
    ]
