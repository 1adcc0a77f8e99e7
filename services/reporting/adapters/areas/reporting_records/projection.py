"""The reporting service's own records as read models: every indicator rating with the
evidence it cites, each yearly report's year with the steps of its sign-off, and the risk
register with each risk's history. Every row names the event behind it.

A yearly report's rows are keyed by its report id as its events carry it: "" for one
begun when a profile had one yearly report (its first; the read models say which).

Over 300 lines: the live path (`apply`, SQL per event) and a rebuild's (`fold`, rows in
memory, `shared.projections.rows`) side by side, so one reading shows they do the same."""

import json

import asyncpg

from shared.catalogue import reporting as r
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.projection import event_types
from shared.projections.rows import Rows

_STEPS = {
    r.YearlyReportDrafted: "drafted",
    r.ScrutineerCommented: "scrutineer-commented",
    r.ScrutineerSignedOff: "scrutineer-signed-off",
    r.PartnersSignedOff: "partners-signed-off",
    r.YearlyReportPublished: "published",
}


def _rating(rating: r.RiskRating) -> str:
    return f"{rating.likelihood}x{rating.impact}={rating.score}"


class ReportingRecordsProjection(Projection):
    name = "reporting_records"
    folds = True
    append_only = frozenset({"indicator_ratings", "yearly_report_steps", "risk_history"})
    reads = event_types(
        r.IndicatorRated, r.MeetingHeld, r.MeetingScheduled, r.PartnersSignedOff, r.RiskClosed, r.RiskReassessed, r.RiskRecorded,
        r.RollingReportMissed, r.RollingReportPresented, r.ScrutineerCommented, r.ScrutineerSignedOff, r.YearlyReportDrafted,
        r.YearlyReportPublished,
    )

    def tables(self) -> list[str]:
        return ["indicator_ratings", "yearly_reports", "yearly_report_steps", "risks", "risk_history", "rolling_report_records", "meetings"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.indicator_ratings (
            event_id uuid PRIMARY KEY, partnership_id text NOT NULL, indicator_id text NOT NULL, tier_id text NOT NULL,
            indicator_text text NOT NULL, rating text NOT NULL, previous_rating text, rationale text NOT NULL,
            evidence jsonb NOT NULL, rated_on date NOT NULL, rated_by text NOT NULL, position bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS indicator_ratings_indicator ON {schema}.indicator_ratings (partnership_id, indicator_id, position);
        CREATE TABLE IF NOT EXISTS {schema}.yearly_reports (
            partnership_id text NOT NULL, report_id text NOT NULL DEFAULT '', year integer NOT NULL, name text NOT NULL,
            period_start date NOT NULL, period_end date NOT NULL, version integer NOT NULL, status text NOT NULL,
            summary text NOT NULL, compiled_by text NOT NULL, drafted_on date NOT NULL,
            scrutineer text NOT NULL, scrutineer_before_publication boolean NOT NULL, comments_to text,
            sign_off_by jsonb NOT NULL, signed jsonb NOT NULL DEFAULT '[]', publish boolean NOT NULL,
            publication text NOT NULL, published_on date, link text,
            first_event_id uuid NOT NULL, first_position bigint NOT NULL, event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, report_id, year));
        CREATE TABLE IF NOT EXISTS {schema}.yearly_report_steps (
            event_id uuid PRIMARY KEY, partnership_id text NOT NULL, year integer NOT NULL, step text NOT NULL,
            version integer NOT NULL, by_whom text NOT NULL, on_date date NOT NULL, text text NOT NULL DEFAULT '',
            group_id text, position bigint NOT NULL, report_id text NOT NULL DEFAULT '');
        ALTER TABLE {schema}.yearly_reports ADD COLUMN IF NOT EXISTS report_id text NOT NULL DEFAULT '';
        ALTER TABLE {schema}.yearly_report_steps ADD COLUMN IF NOT EXISTS report_id text NOT NULL DEFAULT '';
        DO $$ BEGIN
            IF NOT EXISTS (
                SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = '{schema}.yearly_reports'::regclass AND i.indisprimary AND a.attname = 'report_id'
            ) THEN
                ALTER TABLE {schema}.yearly_reports DROP CONSTRAINT yearly_reports_pkey,
                    ADD PRIMARY KEY (partnership_id, report_id, year);
            END IF;
        END $$;
        CREATE TABLE IF NOT EXISTS {schema}.risks (
            partnership_id text NOT NULL, risk_id text NOT NULL, title text NOT NULL, description text NOT NULL,
            owner text NOT NULL, owner_role text NOT NULL, inherent jsonb NOT NULL, current jsonb NOT NULL,
            target jsonb NOT NULL, controls jsonb NOT NULL, recorded_on date NOT NULL, review_on date NOT NULL,
            assessed_on date NOT NULL, status text NOT NULL, closed_on date, close_reason text,
            event_id uuid NOT NULL, position bigint NOT NULL, last_event_id uuid NOT NULL, last_position bigint NOT NULL,
            PRIMARY KEY (partnership_id, risk_id));
        CREATE TABLE IF NOT EXISTS {schema}.risk_history (
            event_id uuid PRIMARY KEY, partnership_id text NOT NULL, risk_id text NOT NULL, event_type text NOT NULL,
            on_date date NOT NULL, detail text NOT NULL, position bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.rolling_report_records (
            partnership_id text NOT NULL, report_id text NOT NULL, due_month text NOT NULL, group_id text NOT NULL,
            status text NOT NULL, presented_on date, presented_by text, meeting text, assurance_level text,
            key_messages jsonb NOT NULL DEFAULT '[]', reason text, document jsonb,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, report_id, due_month, group_id));
        CREATE TABLE IF NOT EXISTS {schema}.meetings (
            partnership_id text NOT NULL, meeting_id text NOT NULL, group_id text NOT NULL, meets_on date NOT NULL,
            status text NOT NULL, held_on date, decisions jsonb NOT NULL DEFAULT '[]', minutes jsonb,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, meeting_id));
        -- The pages read these by partnership: without an index each read scans every partnership's rows.
        CREATE INDEX IF NOT EXISTS risk_history_partnership ON {schema}.risk_history (partnership_id, position);
        CREATE INDEX IF NOT EXISTS yearly_report_steps_partnership ON {schema}.yearly_report_steps (partnership_id, position);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e, s, p = envelope.event, schema, envelope.partnership_id
        match e:
            case r.IndicatorRated():
                await conn.execute(
                    f"INSERT INTO {s}.indicator_ratings VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
                    envelope.event_id, p, e.indicator_id, e.tier_id, e.indicator_text, e.rating, e.previous_rating,
                    e.rationale, json.dumps([c.model_dump() for c in e.evidence]), e.rated_on, e.rated_by, envelope.position,
                )
            case (
                r.YearlyReportDrafted()
                | r.ScrutineerCommented()
                | r.ScrutineerSignedOff()
                | r.PartnersSignedOff()
                | r.YearlyReportPublished()
            ):
                await self._yearly(conn, s, envelope)
            case r.RiskRecorded() | r.RiskReassessed() | r.RiskClosed():
                await self._risk(conn, s, envelope)
            case r.RollingReportPresented():
                await conn.execute(
                    f"INSERT INTO {s}.rolling_report_records (partnership_id, report_id, due_month, group_id, status,"
                    " presented_on, presented_by, meeting, assurance_level, key_messages, document, event_id, position)"
                    " VALUES ($1,$2,$3,$4,'presented',$5,$6,$7,$8,$9,$10,$11,$12)"
                    " ON CONFLICT (partnership_id, report_id, due_month, group_id) DO UPDATE SET status = 'presented',"
                    " presented_on = excluded.presented_on, presented_by = excluded.presented_by, meeting = excluded.meeting,"
                    " assurance_level = excluded.assurance_level, key_messages = excluded.key_messages,"
                    " document = excluded.document, event_id = excluded.event_id, position = excluded.position",
                    p, e.report_id, e.due_month, e.group_id, e.presented_on, e.presented_by, e.meeting, e.assurance_level,
                    json.dumps(e.key_messages), json.dumps(e.document.model_dump()) if e.document else None,
                    envelope.event_id, envelope.position,
                )
            case r.MeetingScheduled():
                await conn.execute(
                    f"INSERT INTO {s}.meetings (partnership_id, meeting_id, group_id, meets_on, status, event_id, position)"
                    " VALUES ($1,$2,$3,$4,'scheduled',$5,$6) ON CONFLICT DO NOTHING",
                    p, e.meeting_id, e.group_id, e.meets_on, envelope.event_id, envelope.position,
                )
            case r.MeetingHeld():
                await conn.execute(
                    f"UPDATE {s}.meetings SET status = 'held', held_on = $3, decisions = $4, minutes = $5, event_id = $6,"
                    " position = $7 WHERE partnership_id = $1 AND meeting_id = $2",
                    p, e.meeting_id, e.held_on, json.dumps(e.decisions),
                    json.dumps(e.minutes.model_dump()) if e.minutes else None, envelope.event_id, envelope.position,
                )
            case r.RollingReportMissed():
                await conn.execute(
                    f"INSERT INTO {s}.rolling_report_records (partnership_id, report_id, due_month, group_id, status, reason,"
                    " event_id, position) VALUES ($1,$2,$3,$4,'missed',$5,$6,$7) ON CONFLICT DO NOTHING",
                    p, e.report_id, e.due_month, e.group_id, e.reason, envelope.event_id, envelope.position,
                )

    async def _yearly(self, conn: asyncpg.Connection, s: str, envelope: Envelope) -> None:
        e, p = envelope.event, envelope.partnership_id
        key = (p, e.year, e.report_id, envelope.event_id, envelope.position)  # type: ignore[attr-defined]
        where = " WHERE partnership_id = $1 AND year = $2 AND report_id = $3"
        latest = f"UPDATE {s}.yearly_reports SET event_id = $4, position = $5"
        match e:
            case r.YearlyReportDrafted() as d:
                await conn.execute(
                    f"INSERT INTO {s}.yearly_reports (partnership_id, year, report_id, name, period_start, period_end, version,"
                    " status, summary, compiled_by, drafted_on, scrutineer, scrutineer_before_publication, comments_to,"
                    " sign_off_by, publish, publication, first_event_id, first_position, event_id, position)"
                    " VALUES ($1,$2,$3,$6,$7,$8,$9,'drafted',$10,$11,$12,$13,$14,$15,$16,$17,$18,$4,$5,$4,$5)"
                    " ON CONFLICT (partnership_id, report_id, year) DO UPDATE SET name = excluded.name, version = excluded.version,"
                    " status = 'drafted', summary = excluded.summary, compiled_by = excluded.compiled_by,"
                    " drafted_on = excluded.drafted_on, scrutineer = excluded.scrutineer,"
                    " scrutineer_before_publication = excluded.scrutineer_before_publication,"
                    " comments_to = excluded.comments_to, sign_off_by = excluded.sign_off_by, publish = excluded.publish,"
                    " publication = excluded.publication, event_id = excluded.event_id, position = excluded.position",
                    *key, d.name, d.period_start, d.period_end, d.version, d.summary, d.compiled_by, d.drafted_on,
                    d.scrutineer, d.scrutineer_before_publication, d.scrutineer_comments_to, json.dumps(d.sign_off_by),
                    d.publish, d.publication,
                )
                await self._step(conn, s, envelope, d.version, d.compiled_by, d.drafted_on, d.summary)
            case r.ScrutineerCommented() as c:
                await conn.execute(f"{latest}, status = 'scrutineer-commented'{where}", *key)
                await self._step(conn, s, envelope, c.version, c.commented_by, c.commented_on, c.comments, c.comments_to)
            case r.ScrutineerSignedOff() as o:
                await conn.execute(f"{latest}, status = 'scrutineer-signed-off'{where}", *key)
                await self._step(conn, s, envelope, o.version, o.signed_off_by, o.signed_off_on)
            case r.PartnersSignedOff() as o:
                await conn.execute(
                    f"{latest}, status = CASE WHEN $7 THEN 'signed-off' ELSE 'partners-signing-off' END,"
                    f" signed = signed || $6::jsonb{where}",
                    *key, json.dumps([o.group_id]), not o.outstanding,
                )
                await self._step(conn, s, envelope, o.version, ", ".join(o.signatories), o.signed_off_on, "", o.group_id)
            case r.YearlyReportPublished() as pub:
                await conn.execute(f"{latest}, status = 'published', published_on = $6, link = $7{where}", *key, pub.published_on, pub.link)
                await self._step(conn, s, envelope, pub.version, pub.publication or "", pub.published_on, pub.link or "")

    async def _step(
        self, conn: asyncpg.Connection, s: str, envelope: Envelope, version: int, by_whom: str, on: object,
        text: str = "", group_id: str | None = None,
    ) -> None:
        await conn.execute(
            f"INSERT INTO {s}.yearly_report_steps (event_id, partnership_id, year, step, version, by_whom, on_date, text,"
            " group_id, position, report_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING",
            envelope.event_id, envelope.partnership_id, envelope.event.year, _STEPS[type(envelope.event)],  # type: ignore[attr-defined]
            version, by_whom, on, text, group_id, envelope.position, envelope.event.report_id,  # type: ignore[attr-defined]
        )

    async def _risk(self, conn: asyncpg.Connection, s: str, envelope: Envelope) -> None:
        e, p = envelope.event, envelope.partnership_id
        key = (p, e.risk_id, envelope.event_id, envelope.position)  # type: ignore[attr-defined]
        where = " WHERE partnership_id = $1 AND risk_id = $2"
        latest = f"UPDATE {s}.risks SET last_event_id = $3, last_position = $4"
        match e:
            case r.RiskRecorded() as x:
                await conn.execute(
                    f"INSERT INTO {s}.risks VALUES ($1,$2,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$13,'open',NULL,NULL,$3,$4,$3,$4)"
                    " ON CONFLICT DO NOTHING",
                    *key, x.title, x.description, x.owner, x.owner_role, x.inherent.model_dump_json(),
                    x.current.model_dump_json(), x.target.model_dump_json(), json.dumps(x.controls), x.recorded_on, x.review_on,
                )
                detail, day = (
                    f"recorded: inherent {_rating(x.inherent)}, current {_rating(x.current)}, target {_rating(x.target)};"
                    f" owner {x.owner}; review by {x.review_on:%d %b %Y}", x.recorded_on,
                )
            case r.RiskReassessed() as x:
                await conn.execute(
                    f"{latest}, current = $5, target = $6, assessed_on = $7, review_on = $8, owner = $9{where}",
                    *key, x.current.model_dump_json(), x.target.model_dump_json(), x.reassessed_on, x.review_on, x.owner,
                )
                detail, day = (
                    f"reassessed: current {_rating(x.previous)} to {_rating(x.current)}, target {_rating(x.target)};"
                    f" review by {x.review_on:%d %b %Y}: {x.note}", x.reassessed_on,
                )
            case r.RiskClosed() as x:
                await conn.execute(f"{latest}, status = 'closed', closed_on = $5, close_reason = $6{where}", *key, x.closed_on, x.reason)
                detail, day = f"closed: {x.reason}", x.closed_on
            case _:
                return
        await conn.execute(
            f"INSERT INTO {s}.risk_history VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
            envelope.event_id, p, e.risk_id, envelope.event_type, day, detail, envelope.position,  # type: ignore[attr-defined]
        )

    # -- a rebuild: the same, on rows in memory (shared.projections.rows) -------------------

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild."""
        e, p = envelope.event, envelope.partnership_id
        at = {"event_id": envelope.event_id, "position": envelope.position}
        match e:
            case r.IndicatorRated():
                rows.insert(
                    "indicator_ratings", partnership_id=p, indicator_id=e.indicator_id, tier_id=e.tier_id, indicator_text=e.indicator_text,
                    rating=e.rating, previous_rating=e.previous_rating, rationale=e.rationale,
                    evidence=[c.model_dump() for c in e.evidence], rated_on=e.rated_on, rated_by=e.rated_by, **at,
                )
            case (
                r.YearlyReportDrafted()
                | r.ScrutineerCommented()
                | r.ScrutineerSignedOff()
                | r.PartnersSignedOff()
                | r.YearlyReportPublished()
            ):
                self._fold_yearly(rows, envelope)
            case r.RiskRecorded() | r.RiskReassessed() | r.RiskClosed():
                self._fold_risk(rows, envelope)
            case r.RollingReportPresented():
                presented = {
                    "status": "presented", "presented_on": e.presented_on, "presented_by": e.presented_by, "meeting": e.meeting,
                    "assurance_level": e.assurance_level, "key_messages": list(e.key_messages),
                    "document": e.document.model_dump() if e.document else None, **at,
                }
                if rows.set("rolling_report_records", (p, e.report_id, e.due_month, e.group_id), **presented) is None:
                    rows.insert("rolling_report_records", partnership_id=p, report_id=e.report_id, due_month=e.due_month,
                                group_id=e.group_id, **presented)
            case r.MeetingScheduled():
                rows.insert("meetings", partnership_id=p, meeting_id=e.meeting_id, group_id=e.group_id, meets_on=e.meets_on,
                            status="scheduled", **at)
            case r.MeetingHeld():
                rows.set("meetings", (p, e.meeting_id), status="held", held_on=e.held_on, decisions=list(e.decisions),
                         minutes=e.minutes.model_dump() if e.minutes else None, **at)
            case r.RollingReportMissed():
                rows.insert("rolling_report_records", partnership_id=p, report_id=e.report_id, due_month=e.due_month, group_id=e.group_id,
                            status="missed", reason=e.reason, **at)

    def _fold_yearly(self, rows: Rows, envelope: Envelope) -> None:
        e, p = envelope.event, envelope.partnership_id
        key = (p, e.report_id, e.year)  # type: ignore[attr-defined]
        at = {"event_id": envelope.event_id, "position": envelope.position}
        row = rows.get("yearly_reports", *key)
        match e:
            case r.YearlyReportDrafted() as d:
                drafted = {
                    "name": d.name, "version": d.version, "status": "drafted", "summary": d.summary, "compiled_by": d.compiled_by,
                    "drafted_on": d.drafted_on, "scrutineer": d.scrutineer,
                    "scrutineer_before_publication": d.scrutineer_before_publication, "comments_to": d.scrutineer_comments_to,
                    "sign_off_by": list(d.sign_off_by), "publish": d.publish, "publication": d.publication, **at,
                }
                if row is None:
                    rows.insert("yearly_reports", partnership_id=p, year=d.year, report_id=d.report_id, period_start=d.period_start,
                                period_end=d.period_end, first_event_id=envelope.event_id, first_position=envelope.position, **drafted)
                else:
                    rows.set("yearly_reports", key, **drafted)
                self._fold_step(rows, envelope, d.version, d.compiled_by, d.drafted_on, d.summary)
            case r.ScrutineerCommented() as c:
                rows.set("yearly_reports", key, status="scrutineer-commented", **at)
                self._fold_step(rows, envelope, c.version, c.commented_by, c.commented_on, c.comments, c.comments_to)
            case r.ScrutineerSignedOff() as o:
                rows.set("yearly_reports", key, status="scrutineer-signed-off", **at)
                self._fold_step(rows, envelope, o.version, o.signed_off_by, o.signed_off_on)
            case r.PartnersSignedOff() as o:
                if row is not None:
                    rows.set("yearly_reports", key, status="partners-signing-off" if o.outstanding else "signed-off",
                             signed=[*row["signed"], o.group_id], **at)
                self._fold_step(rows, envelope, o.version, ", ".join(o.signatories), o.signed_off_on, "", o.group_id)
            case r.YearlyReportPublished() as pub:
                rows.set("yearly_reports", key, status="published", published_on=pub.published_on, link=pub.link, **at)
                self._fold_step(rows, envelope, pub.version, pub.publication or "", pub.published_on, pub.link or "")

    def _fold_step(
        self, rows: Rows, envelope: Envelope, version: int, by_whom: str, on: object, text: str = "", group_id: str | None = None,
    ) -> None:
        e = envelope.event
        rows.insert(
            "yearly_report_steps", event_id=envelope.event_id, partnership_id=envelope.partnership_id, year=e.year,  # type: ignore[attr-defined]
            step=_STEPS[type(e)], version=version, by_whom=by_whom, on_date=on, text=text, group_id=group_id,
            position=envelope.position, report_id=e.report_id,  # type: ignore[attr-defined]
        )

    def _fold_risk(self, rows: Rows, envelope: Envelope) -> None:
        e, p = envelope.event, envelope.partnership_id
        key = (p, e.risk_id)  # type: ignore[attr-defined]
        latest = {"last_event_id": envelope.event_id, "last_position": envelope.position}
        match e:
            case r.RiskRecorded() as x:
                rows.insert(
                    "risks", partnership_id=p, risk_id=x.risk_id, title=x.title, description=x.description, owner=x.owner,
                    owner_role=x.owner_role, inherent=json.loads(x.inherent.model_dump_json()),
                    current=json.loads(x.current.model_dump_json()), target=json.loads(x.target.model_dump_json()),
                    controls=list(x.controls), recorded_on=x.recorded_on, review_on=x.review_on, assessed_on=x.recorded_on,
                    status="open", event_id=envelope.event_id, position=envelope.position, **latest,
                )
                detail, day = (
                    f"recorded: inherent {_rating(x.inherent)}, current {_rating(x.current)}, target {_rating(x.target)};"
                    f" owner {x.owner}; review by {x.review_on:%d %b %Y}", x.recorded_on,
                )
            case r.RiskReassessed() as x:
                rows.set(
                    "risks", key, current=json.loads(x.current.model_dump_json()), target=json.loads(x.target.model_dump_json()),
                    assessed_on=x.reassessed_on, review_on=x.review_on, owner=x.owner, **latest,
                )
                detail, day = (
                    f"reassessed: current {_rating(x.previous)} to {_rating(x.current)}, target {_rating(x.target)};"
                    f" review by {x.review_on:%d %b %Y}: {x.note}", x.reassessed_on,
                )
            case r.RiskClosed() as x:
                rows.set("risks", key, status="closed", closed_on=x.closed_on, close_reason=x.reason, **latest)
                detail, day = f"closed: {x.reason}", x.closed_on
            case _:
                return
        rows.insert(
            "risk_history", event_id=envelope.event_id, partnership_id=p, risk_id=e.risk_id,  # type: ignore[attr-defined]
            event_type=envelope.event_type, on_date=day, detail=detail, position=envelope.position,
        )
