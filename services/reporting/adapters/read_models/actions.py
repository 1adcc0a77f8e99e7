"""Action tracker queries."""

import asyncpg

from services.reporting.domain.views import ActionRow


async def actions(conn: asyncpg.Connection, s: str, partnership: str) -> list[ActionRow]:
    return [
        ActionRow(
            r["action_id"], r["title"], r["owner_agency_id"], r["due_on"], r["status"],
            f"{r['source_type']}: {r['source_id']}", str(r["event_id"]), r["position"],
            str(r["overdue_event_id"]) if r["overdue_event_id"] else None,
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.actions WHERE partnership_id = $1 ORDER BY due_on, action_id", partnership
        )
    ]
