"""Assurance events read models."""

import json

import asyncpg

from shared.catalogue.events import AssuranceEventConcluded
from shared.envelope import Envelope
from shared.projections import Projection


class AssuranceEventsProjection(Projection):
    name = "assurance_events"

    def tables(self) -> list[str]:
        return ["assurance_events"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.assurance_events (
            partnership_id text NOT NULL, assurance_event_id text NOT NULL,
            activity_type text NOT NULL, title text NOT NULL, held_on date NOT NULL,
            agency_id text, theme text, strengths jsonb NOT NULL, areas_for_development jsonb NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, assurance_event_id));
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        if isinstance(envelope.event, AssuranceEventConcluded):
            ev = envelope.event
            await conn.execute(
                f"INSERT INTO {schema}.assurance_events VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                envelope.partnership_id,
                ev.assurance_event_id,
                ev.activity_type,
                ev.title,
                ev.held_on,
                ev.agency_id,
                ev.theme,
                json.dumps(ev.strengths),
                json.dumps(ev.areas_for_development),
                envelope.event_id,
                envelope.position,
            )
