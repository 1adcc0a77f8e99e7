"""Action tracker read models."""

import asyncpg

from shared.catalogue.reviews import ActionOverdue, ActionRaised
from shared.envelope import Envelope
from shared.projections import Projection


class ActionsProjection(Projection):
    name = "actions"

    def tables(self) -> list[str]:
        return ["actions"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.actions (
            partnership_id text NOT NULL, action_id text NOT NULL, title text NOT NULL,
            owner_agency_id text NOT NULL, due_on date NOT NULL, status text NOT NULL,
            source_type text NOT NULL, source_id text NOT NULL, raised_at timestamptz NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            overdue_at timestamptz, overdue_event_id uuid, overdue_position bigint,
            PRIMARY KEY (partnership_id, action_id));
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e = envelope
        match e.event:
            case ActionRaised() as a:
                await conn.execute(
                    f"INSERT INTO {schema}.actions (partnership_id, action_id, title, owner_agency_id,"
                    " due_on, status, source_type, source_id, raised_at, event_id, position)"
                    " VALUES ($1,$2,$3,$4,$5,'open',$6,$7,$8,$9,$10)",
                    e.partnership_id,
                    a.action_id,
                    a.title,
                    a.owner_agency_id,
                    a.due_on,
                    a.source_type,
                    a.source_id,
                    e.occurred_at,
                    e.event_id,
                    e.position,
                )
            case ActionOverdue() as o:
                await conn.execute(
                    f"UPDATE {schema}.actions SET status = 'overdue', overdue_at = $3,"
                    " overdue_event_id = $4, overdue_position = $5"
                    " WHERE partnership_id = $1 AND action_id = $2",
                    e.partnership_id,
                    o.action_id,
                    e.occurred_at,
                    e.event_id,
                    e.position,
                )
