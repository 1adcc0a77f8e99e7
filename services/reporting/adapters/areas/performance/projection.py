"""Performance data's tables and the projection that fills them from reporting's own records
(`IndicatorValueRecorded`, `IndicatorEarlyWarningRaised`): each indicator's value per
period (the latest recorded) and every early warning. Every row names the event behind it."""

import json

import asyncpg

from shared.catalogue import reporting as r
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.projection import event_types
from shared.projections.rows import Rows


class PerformanceProjection(Projection):
    name = "performance"
    folds = True
    append_only = frozenset({"indicator_warnings"})
    reads = event_types(r.IndicatorValueRecorded, r.IndicatorEarlyWarningRaised)

    def tables(self) -> list[str]:
        return ["indicator_values", "indicator_warnings"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.indicator_values (
            partnership_id text NOT NULL, indicator_id text NOT NULL, period text NOT NULL, period_start date NOT NULL,
            value double precision NOT NULL, previous_value double precision, supplied_by text NOT NULL,
            recorded_at timestamptz NOT NULL, event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, indicator_id, period));
        CREATE TABLE IF NOT EXISTS {schema}.indicator_warnings (
            event_id uuid PRIMARY KEY, partnership_id text NOT NULL, indicator_id text NOT NULL, indicator_name text NOT NULL,
            supplied_by text NOT NULL, period text NOT NULL, value double precision NOT NULL, reason text NOT NULL,
            threshold double precision, declining_periods integer, series jsonb NOT NULL, raised_to text,
            raised_at timestamptz NOT NULL, position bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS indicator_warnings_partnership ON {schema}.indicator_warnings (partnership_id, position);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e, s, p = envelope.event, schema, envelope.partnership_id
        match e:
            case r.IndicatorValueRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.indicator_values VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
                    " ON CONFLICT (partnership_id, indicator_id, period) DO UPDATE SET value = excluded.value,"
                    " previous_value = excluded.previous_value, recorded_at = excluded.recorded_at,"
                    " event_id = excluded.event_id, position = excluded.position"
                    f" WHERE {s}.indicator_values.position < excluded.position",
                    p, e.indicator_id, e.period, e.period_start, e.value, e.previous_value, e.agency_id,
                    envelope.occurred_at, envelope.event_id, envelope.position,
                )
            case r.IndicatorEarlyWarningRaised():
                await conn.execute(
                    f"INSERT INTO {s}.indicator_warnings VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
                    " ON CONFLICT DO NOTHING",
                    envelope.event_id, p, e.indicator_id, e.indicator_name, e.agency_id, e.period, e.value, e.reason,
                    e.threshold, e.declining_periods, json.dumps(e.series), e.raised_to, envelope.occurred_at, envelope.position,
                )


    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild (shared.projections.rows)."""
        e, p = envelope.event, envelope.partnership_id
        match e:
            case r.IndicatorValueRecorded():
                key = (p, e.indicator_id, e.period)
                row = rows.get("indicator_values", *key)
                changed = {"value": e.value, "previous_value": e.previous_value, "recorded_at": envelope.occurred_at,
                           "event_id": envelope.event_id, "position": envelope.position}
                if row is None:
                    rows.insert("indicator_values", partnership_id=p, indicator_id=e.indicator_id, period=e.period,
                                period_start=e.period_start, supplied_by=e.agency_id, **changed)
                elif row["position"] < envelope.position:
                    rows.set("indicator_values", key, **changed)
            case r.IndicatorEarlyWarningRaised():
                rows.insert(
                    "indicator_warnings", event_id=envelope.event_id, partnership_id=p, indicator_id=e.indicator_id,
                    indicator_name=e.indicator_name, supplied_by=e.agency_id, period=e.period, value=e.value, reason=e.reason,
                    threshold=e.threshold, declining_periods=e.declining_periods, series=e.series, raised_to=e.raised_to,
                    raised_at=envelope.occurred_at, position=envelope.position,
                )
