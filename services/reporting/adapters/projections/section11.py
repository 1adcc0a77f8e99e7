"""Section 11 read models: submissions, latest ratings and signatures-of-risk flags."""

import asyncpg

from shared.catalogue.section11 import RiskCleared, RiskFlagged, SubmissionReceived
from shared.envelope import Envelope
from shared.projections import Projection


class Section11Projection(Projection):
    """Latest self-assessed rating per agency and domain, submissions, and risk flags."""

    name = "section11"

    def tables(self) -> list[str]:
        return ["s11_submissions", "s11_ratings", "s11_risk_flags"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.s11_submissions (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            agency_id text NOT NULL, cycle_id text NOT NULL, submission_id text NOT NULL,
            submitted_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.s11_ratings (
            partnership_id text NOT NULL, agency_id text NOT NULL, domain_id text NOT NULL,
            cycle_id text NOT NULL, rating integer NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL, recorded_at timestamptz NOT NULL,
            PRIMARY KEY (partnership_id, agency_id, domain_id));
        CREATE TABLE IF NOT EXISTS {schema}.s11_risk_flags (
            partnership_id text NOT NULL, agency_id text NOT NULL, domain_id text NOT NULL,
            cycle_id text NOT NULL, rating integer NOT NULL, reason text NOT NULL,
            open boolean NOT NULL, raised_at timestamptz NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            cleared_event_id uuid, cleared_position bigint,
            PRIMARY KEY (partnership_id, agency_id, domain_id, event_id));
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e, p = envelope, envelope.partnership_id
        match e.event:
            case SubmissionReceived() as sub:
                await conn.execute(
                    f"INSERT INTO {schema}.s11_submissions VALUES ($1,$2,$3,$4,$5,$6,$7)",
                    e.event_id,
                    e.position,
                    p,
                    sub.agency_id,
                    sub.cycle_id,
                    sub.submission_id,
                    e.occurred_at,
                )
                await conn.execute(
                    f"INSERT INTO {schema}.s11_ratings"
                    " SELECT $1, $2, domain, $3, rating, $4, $5, $6"
                    " FROM unnest($7::text[], $8::int[]) AS r(domain, rating)"
                    " ON CONFLICT (partnership_id, agency_id, domain_id) DO UPDATE SET"
                    " cycle_id = excluded.cycle_id, rating = excluded.rating,"
                    " event_id = excluded.event_id, position = excluded.position,"
                    " recorded_at = excluded.recorded_at",
                    p,
                    sub.agency_id,
                    sub.cycle_id,
                    e.event_id,
                    e.position,
                    e.recorded_at,
                    list(sub.domain_ratings),
                    list(sub.domain_ratings.values()),
                )
            case RiskFlagged() as flag:
                await conn.execute(
                    f"INSERT INTO {schema}.s11_risk_flags"
                    " (partnership_id, agency_id, domain_id, cycle_id, rating, reason, open, raised_at, event_id, position)"
                    " VALUES ($1,$2,$3,$4,$5,$6,true,$7,$8,$9)",
                    p,
                    flag.agency_id,
                    flag.domain_id,
                    flag.cycle_id,
                    flag.rating,
                    flag.reason,
                    e.occurred_at,
                    e.event_id,
                    e.position,
                )
            case RiskCleared() as cleared:
                await conn.execute(
                    f"UPDATE {schema}.s11_risk_flags SET open = false, cleared_event_id = $4,"
                    " cleared_position = $5 WHERE partnership_id = $1 AND agency_id = $2"
                    " AND domain_id = $3 AND open",
                    p,
                    cleared.agency_id,
                    cleared.domain_id,
                    e.event_id,
                    e.position,
                )
