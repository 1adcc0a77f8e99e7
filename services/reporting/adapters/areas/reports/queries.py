"""The reports' own queries: every record (assurance event, review, audit round, Section 11
cycle) with its theme, findings and dates, and the facts recorded within them, read back
as the rows the tiered, thematic and yearly reports are built from (domain/views/report_rows.py)."""

import json

import asyncpg

from services.reporting.domain.views.report_rows import FactRow, RecordRow


async def records(conn: asyncpg.Connection, s: str, partnership: str) -> list[RecordRow]:
    return [
        RecordRow(
            r["kind"], r["record_id"], r["activity_type"], r["title"], r["theme"], json.loads(r["themes"]), r["status"],
            r["on_date"], r["ended_on"], str(r["event_id"]), r["position"], str(r["first_event_id"]), r["first_position"],
            agency_id=r["agency_id"], link=r["link"], strengths=json.loads(r["strengths"]), areas=json.loads(r["areas"]),
            findings=json.loads(r["findings"]), figures=json.loads(r["figures"]),
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.report_records WHERE partnership_id = $1 ORDER BY kind, record_id", partnership
        )
    ]


async def facts(conn: asyncpg.Connection, s: str, partnership: str) -> list[FactRow]:
    return [
        FactRow(r["kind"], r["record_id"], r["fact"], r["on_date"], r["detail"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(
            f"SELECT * FROM {s}.report_facts WHERE partnership_id = $1 ORDER BY position, fact", partnership
        )
    ]


