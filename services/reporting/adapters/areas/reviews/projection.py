"""Review read models: each clock (notification, rapid review, CSPR, learning and thematic
review, audit round) with the events that set and moved it, the history of each, the
agencies' information requests, audit gradings and escalated concerns, and the impact log.

Over 300 lines: the live path (`apply`, SQL per event) and a rebuild's (`fold`, rows in
memory, `shared.projections.rows`) side by side, so one reading shows they do the same."""

import json
from datetime import date

import asyncpg

from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    AgencyInformationOverdue,
    AgencyInformationProvided,
    AgencyInformationRequested,
    AuditCaseGraded,
    AuditRoundConcluded,
    AuditRoundOpened,
    AuditRoundOverdue,
    ImpactRecorded,
    NationalPanelResponded,
    RapidReviewDecided,
    RapidReviewDecisionSignedOff,
    RapidReviewDueDateChanged,
    RapidReviewOpened,
    RapidReviewOverdue,
    ReviewCommissioned,
    ReviewDueDateChanged,
    ReviewPublished,
    ReviewSignedOff,
    ReviewSlippageWarned,
    ReviewSlipped,
    ReviewStageCompleted,
    SafeguardingConcernEscalated,
    SeriousIncidentNotificationOverdue,
    SeriousIncidentNotified,
    SeriousIncidentRecorded,
)
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.rows import Rows

STREAMS = ("incident", "review", "audit")


def _d(day: date) -> str:
    return f"{day:%d %b %Y}"


def detail(event: DomainEvent) -> str:
    """One line of a review's history."""
    match event:
        case SeriousIncidentRecorded() as e:
            return f"aware {_d(e.aware_on)}; notify {', '.join(e.notify)} by {_d(e.notify_by)}"
        case SeriousIncidentNotified() as e:
            return f"{e.recipient} told {_d(e.notified_on)}" + (" (late)" if e.late else "")
        case SeriousIncidentNotificationOverdue() as e:
            return f"notification overdue: {', '.join(e.outstanding)} not told by {_d(e.notify_by)}"
        case RapidReviewOpened() as e:
            return f"rapid review due {_d(e.due_on)}: {e.days} {e.unit.replace('_', ' ')} from {_d(e.starts_on)}"
        case RapidReviewDueDateChanged() | ReviewDueDateChanged() as e:
            return f"{e.change} from {_d(e.previous_due_on)} to {_d(e.due_on)}, agreed by {e.agreed_by}: {e.reason}"
        case AgencyInformationRequested() as e:
            return f"information requested of {e.agency_id} by {_d(e.due_on)}: {e.requested}"
        case AgencyInformationProvided() as e:
            return f"{e.agency_id} answered {e.information_request_id}" + (" (late)" if e.late else "")
        case AgencyInformationOverdue() as e:
            return f"chased {e.agency_id}: {e.information_request_id} was due {_d(e.due_on)}"
        case RapidReviewDecided() as e:
            return f"decided {_d(e.decided_on)}: {e.outcome}: {e.rationale}"
        case RapidReviewDecisionSignedOff() as e:
            return f"decision signed off by {e.signed_off_by} on {_d(e.signed_off_on)}"
        case NationalPanelResponded() as e:
            said = "endorsed" if e.endorsed else "did not endorse"
            return f"the National Panel {said} the decision ({e.outcome}) on {_d(e.responded_on)}" + (f": {e.note}" if e.note else "")
        case ReviewCommissioned() as e:
            return f"commissioned {_d(e.commissioned_on)}, author {e.author}; due {_d(e.due_on)} ({e.months} months from {_d(e.starts_on)})"
        case ReviewStageCompleted() as e:
            return f"stage {e.stage} completed {_d(e.completed_on)}"
        case ReviewSignedOff() as e:
            return f"final report signed off by the {e.signed_off_as} ({e.signatory}) on {_d(e.signed_off_on)}"
        case ReviewPublished() as e:
            return f"published {_d(e.published_on)}: {e.link} ({', '.join(e.themes)})"
        case AuditRoundOpened() as e:
            return f"round opened: {len(e.case_refs)} cases, {len(e.agencies)} agencies, due {_d(e.due_on)}"
        case AuditCaseGraded() as e:
            return f"{e.agency_id} graded {e.case_ref} {e.grade}"
        case SafeguardingConcernEscalated() as e:
            return f"immediate concern on {e.case_ref} from {e.raised_by_agency_id} escalated to {e.escalated_to}"
        case AuditRoundConcluded() as e:
            return f"concluded {_d(e.concluded_on)}: " + ", ".join(f"{g} {n}" for g, n in e.grades.items())
    return event.event_type


class ReviewsProjection(Projection):
    name = "reviews"
    folds = True
    append_only = frozenset({"review_history", "safeguarding_concerns"})

    def tables(self) -> list[str]:
        return ["review_clocks", "review_history", "information_requests", "audit_gradings", "safeguarding_concerns", "impact_log"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.review_clocks (
            partnership_id text NOT NULL, kind text NOT NULL, review_id text NOT NULL,
            stream_id text NOT NULL, title text NOT NULL, case_ref text, starts_on date NOT NULL,
            due_on date NOT NULL, unit text NOT NULL, status text NOT NULL, outcome text, late boolean,
            closed_on date, change_reason text, event_id uuid NOT NULL, position bigint NOT NULL,
            last_event_type text NOT NULL, last_event_id uuid NOT NULL, last_position bigint NOT NULL,
            PRIMARY KEY (partnership_id, kind, review_id));
        CREATE TABLE IF NOT EXISTS {schema}.review_history (
            partnership_id text NOT NULL, stream_id text NOT NULL, event_type text NOT NULL,
            occurred_at timestamptz NOT NULL, actor text NOT NULL, detail text NOT NULL,
            event_id uuid PRIMARY KEY, position bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.information_requests (
            partnership_id text NOT NULL, incident_id text NOT NULL, information_request_id text NOT NULL,
            agency_id text NOT NULL, due_on date NOT NULL, status text NOT NULL, late boolean NOT NULL DEFAULT false,
            event_id uuid NOT NULL, position bigint NOT NULL, last_event_id uuid NOT NULL,
            PRIMARY KEY (partnership_id, incident_id, information_request_id));
        CREATE TABLE IF NOT EXISTS {schema}.audit_gradings (
            partnership_id text NOT NULL, audit_id text NOT NULL, case_ref text NOT NULL, agency_id text NOT NULL,
            grade text NOT NULL, event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, audit_id, case_ref, agency_id));
        CREATE TABLE IF NOT EXISTS {schema}.safeguarding_concerns (
            partnership_id text NOT NULL, audit_id text NOT NULL, case_ref text NOT NULL,
            raised_by_agency_id text NOT NULL, escalated_to text NOT NULL, occurred_at timestamptz NOT NULL,
            event_id uuid PRIMARY KEY, position bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.impact_log (
            partnership_id text NOT NULL, impact_id text NOT NULL, recorded_on date NOT NULL,
            difference text NOT NULL, evidence text NOT NULL, links jsonb NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL, PRIMARY KEY (partnership_id, impact_id));
        -- The pages read these by partnership: without an index each read scans every partnership's rows.
        CREATE INDEX IF NOT EXISTS review_history_partnership ON {schema}.review_history (partnership_id, position);
        CREATE INDEX IF NOT EXISTS safeguarding_concerns_partnership ON {schema}.safeguarding_concerns (partnership_id, position);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e, p, s = envelope, envelope.partnership_id, schema
        if isinstance(e.event, ImpactRecorded):
            i = e.event
            links = {"actions": i.action_ids, "reviews": i.review_ids, "incidents": i.incident_ids, "audits": i.audit_ids}
            await conn.execute(
                f"INSERT INTO {s}.impact_log VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING",
                p, i.impact_id, i.recorded_on, i.difference, i.evidence, json.dumps(links), e.event_id, e.position,
            )
            return
        if e.stream_id.split(":", 1)[0] not in STREAMS:
            return
        await conn.execute(
            f"INSERT INTO {s}.review_history VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (event_id) DO NOTHING",
            p, e.stream_id, e.event_type, e.occurred_at, e.actor, detail(e.event), e.event_id, e.position,
        )
        await self._clock(conn, s, e)
        await self._details(conn, s, e)

    async def _open(self, conn: asyncpg.Connection, s: str, e: Envelope, kind: str, review_id: str, title: str,
                    case_ref: str | None, starts_on: date, due_on: date, unit: str) -> None:
        await conn.execute(
            f"INSERT INTO {s}.review_clocks (partnership_id, kind, review_id, stream_id, title, case_ref, starts_on,"
            " due_on, unit, status, event_id, position, last_event_type, last_event_id, last_position)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'open',$10,$11,$12,$10,$11) ON CONFLICT DO NOTHING",
            e.partnership_id, kind, review_id, e.stream_id, title, case_ref, starts_on, due_on, unit,
            e.event_id, e.position, e.event_type,
        )

    async def _set(self, conn: asyncpg.Connection, s: str, e: Envelope, kind: str, review_id: str, sql: str, *args: object) -> None:
        """Update one clock (`sql` is the SET list, its parameters from $4) and name the event."""
        await conn.execute(
            f"UPDATE {s}.review_clocks SET {sql}{', ' if sql else ''}last_event_type = ${4 + len(args)},"
            f" last_event_id = ${5 + len(args)}, last_position = ${6 + len(args)}"
            " WHERE partnership_id = $1 AND kind = $2 AND review_id = $3",
            e.partnership_id, kind, review_id, *args, e.event_type, e.event_id, e.position,
        )

    async def _clock(self, conn: asyncpg.Connection, s: str, e: Envelope) -> None:
        match e.event:
            case SeriousIncidentRecorded() as x:
                await self._open(
                    conn,
                    s,
                    e,
                    "notification",
                    x.incident_id,
                    f"Notify {', '.join(x.notify)}",
                    x.case_ref,
                    x.aware_on,
                    x.notify_by,
                    "working_days",
                )
            case SeriousIncidentNotified(outstanding=[]) as x:
                await self._set(
                    conn, s, e, "notification", x.incident_id, "status = 'notified', closed_on = $4, late = $5", x.notified_on, x.late
                )
            case SeriousIncidentNotificationOverdue() as x:
                await self._set(conn, s, e, "notification", x.incident_id, "status = 'overdue'")
            case RapidReviewOpened() as x:
                await self._open(conn, s, e, "rapid-review", x.incident_id, "Rapid review", x.case_ref, x.starts_on, x.due_on, x.unit)
            case RapidReviewDueDateChanged() as x:
                await self._due_changed(conn, s, e, "rapid-review", x.incident_id, x.due_on, f"{x.change}: {x.reason}")
            case RapidReviewOverdue() as x:
                await self._set(conn, s, e, "rapid-review", x.incident_id, "status = 'overdue'")
            case RapidReviewDecided() as x:
                await self._set(
                    conn,
                    s,
                    e,
                    "rapid-review",
                    x.incident_id,
                    "status = 'decided', outcome = $4, closed_on = $5, late = $6",
                    x.outcome,
                    x.decided_on,
                    not x.within_timescale,
                )
            case RapidReviewDecisionSignedOff() as x:
                await self._set(conn, s, e, "rapid-review", x.incident_id, "status = 'signed-off'")
            case ReviewCommissioned() as x:
                await self._open(
                    conn,
                    s,
                    e,
                    x.review_type,
                    x.review_id,
                    x.theme or x.terms_of_reference[:120],
                    x.case_ref,
                    x.starts_on,
                    x.due_on,
                    "months",
                )
            case ReviewDueDateChanged() as x:
                await self._due_changed(conn, s, e, await self._kind(conn, s, e), x.review_id, x.due_on, f"{x.change}: {x.reason}")
            case ReviewSlippageWarned() as x:
                await self._set(conn, s, e, x.review_type, x.review_id, "status = 'at-risk'")
            case ReviewSlipped() as x:
                await self._set(conn, s, e, x.review_type, x.review_id, "status = 'overdue'")
            case ReviewStageCompleted() as x:
                await self._set(conn, s, e, await self._kind(conn, s, e), x.review_id, "")
            case ReviewSignedOff() as x:
                await self._set(
                    conn,
                    s,
                    e,
                    x.review_type,
                    x.review_id,
                    "status = 'signed-off', closed_on = $4, late = $5",
                    x.signed_off_on,
                    not x.within_timescale,
                )
            case ReviewPublished() as x:
                await self._set(conn, s, e, x.review_type, x.review_id, "status = 'published', outcome = $4", x.link)
            case AuditRoundOpened() as x:
                await self._open(conn, s, e, "audit-round", x.audit_id, x.theme, None, x.period_start, x.due_on, "months")
            case AuditRoundOverdue() as x:
                await self._set(conn, s, e, "audit-round", x.audit_id, "status = 'overdue'")
            case AuditCaseGraded() as x:
                await self._set(conn, s, e, "audit-round", x.audit_id, "")
            case AuditRoundConcluded() as x:
                await self._set(
                    conn,
                    s,
                    e,
                    "audit-round",
                    x.audit_id,
                    "status = 'concluded', closed_on = $4, outcome = $5",
                    x.concluded_on,
                    json.dumps(x.grades),
                )

    async def _kind(self, conn: asyncpg.Connection, s: str, e: Envelope) -> str:
        return await conn.fetchval(
            f"SELECT kind FROM {s}.review_clocks WHERE stream_id = $1 AND partnership_id = $2", e.stream_id, e.partnership_id
        )

    async def _due_changed(
        self, conn: asyncpg.Connection, s: str, e: Envelope, kind: str, review_id: str, due_on: date, reason: str
    ) -> None:
        # The event that moved the due date is now the one behind the clock.
        await self._set(
            conn, s, e, kind, review_id,
            "due_on = $4, change_reason = $5, status = 'open', event_id = $6, position = $7",
            due_on, reason, e.event_id, e.position,
        )

    async def _request(
        self, conn: asyncpg.Connection, s: str, e: Envelope, incident_id: str, request_id: str, status: str, late: bool
    ) -> None:
        await conn.execute(
            f"UPDATE {s}.information_requests SET status = $4, late = late OR $5, last_event_id = $6"
            " WHERE partnership_id = $1 AND incident_id = $2 AND information_request_id = $3",
            e.partnership_id, incident_id, request_id, status, late, e.event_id,
        )

    async def _details(self, conn: asyncpg.Connection, s: str, e: Envelope) -> None:
        p = e.partnership_id
        match e.event:
            case AgencyInformationRequested() as x:
                await conn.execute(
                    f"INSERT INTO {s}.information_requests VALUES ($1,$2,$3,$4,$5,'requested',false,$6,$7,$6) ON CONFLICT DO NOTHING",
                    p, x.incident_id, x.information_request_id, x.agency_id, x.due_on, e.event_id, e.position,
                )
            case AgencyInformationOverdue() as x:
                await self._request(conn, s, e, x.incident_id, x.information_request_id, "overdue", True)
            case AgencyInformationProvided() as x:
                await self._request(conn, s, e, x.incident_id, x.information_request_id, "provided", x.late)
            case AuditCaseGraded() as x:
                await conn.execute(
                    f"INSERT INTO {s}.audit_gradings VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
                    p, x.audit_id, x.case_ref, x.agency_id, x.grade, e.event_id, e.position,
                )
            case SafeguardingConcernEscalated() as x:
                await conn.execute(
                    f"INSERT INTO {s}.safeguarding_concerns VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING",
                    p, x.audit_id, x.case_ref, x.raised_by_agency_id, x.escalated_to, e.occurred_at, e.event_id, e.position,
                )

    # -- a rebuild: the same, on rows in memory (shared.projections.rows) -------------------

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild."""
        e, p = envelope, envelope.partnership_id
        if isinstance(e.event, ImpactRecorded):
            i = e.event
            links = {"actions": i.action_ids, "reviews": i.review_ids, "incidents": i.incident_ids, "audits": i.audit_ids}
            rows.insert(
                "impact_log", partnership_id=p, impact_id=i.impact_id, recorded_on=i.recorded_on, difference=i.difference,
                evidence=i.evidence, links=links, event_id=e.event_id, position=e.position,
            )
            return
        if e.stream_id.split(":", 1)[0] not in STREAMS:
            return
        rows.insert(
            "review_history", partnership_id=p, stream_id=e.stream_id, event_type=e.event_type, occurred_at=e.occurred_at,
            actor=e.actor, detail=detail(e.event), event_id=e.event_id, position=e.position,
        )
        self._fold_clock(rows, e)
        self._fold_details(rows, e)

    def _fold_open(self, rows: Rows, e: Envelope, kind: str, review_id: str, title: str, case_ref: str | None,
                   starts_on: date, due_on: date, unit: str) -> None:
        if rows.insert(
            "review_clocks", partnership_id=e.partnership_id, kind=kind, review_id=review_id, stream_id=e.stream_id, title=title,
            case_ref=case_ref, starts_on=starts_on, due_on=due_on, unit=unit, status="open", event_id=e.event_id,
            position=e.position, last_event_type=e.event_type, last_event_id=e.event_id, last_position=e.position,
        ):
            rows.index.setdefault("review_kinds", {}).setdefault((e.partnership_id, e.stream_id), kind)

    def _fold_set(self, rows: Rows, e: Envelope, kind: str | None, review_id: str, **changes: object) -> None:
        rows.set(
            "review_clocks", (e.partnership_id, kind, review_id), **changes,
            last_event_type=e.event_type, last_event_id=e.event_id, last_position=e.position,
        )

    def _fold_kind(self, rows: Rows, e: Envelope) -> str | None:
        return rows.index.get("review_kinds", {}).get((e.partnership_id, e.stream_id))

    def _fold_clock(self, rows: Rows, e: Envelope) -> None:
        match e.event:
            case SeriousIncidentRecorded() as x:
                self._fold_open(rows, e, "notification", x.incident_id, f"Notify {', '.join(x.notify)}", x.case_ref, x.aware_on,
                                x.notify_by, "working_days")
            case SeriousIncidentNotified(outstanding=[]) as x:
                self._fold_set(rows, e, "notification", x.incident_id, status="notified", closed_on=x.notified_on, late=x.late)
            case SeriousIncidentNotificationOverdue() as x:
                self._fold_set(rows, e, "notification", x.incident_id, status="overdue")
            case RapidReviewOpened() as x:
                self._fold_open(rows, e, "rapid-review", x.incident_id, "Rapid review", x.case_ref, x.starts_on, x.due_on, x.unit)
            case RapidReviewDueDateChanged() as x:
                self._fold_due_changed(rows, e, "rapid-review", x.incident_id, x.due_on, f"{x.change}: {x.reason}")
            case RapidReviewOverdue() as x:
                self._fold_set(rows, e, "rapid-review", x.incident_id, status="overdue")
            case RapidReviewDecided() as x:
                self._fold_set(rows, e, "rapid-review", x.incident_id, status="decided", outcome=x.outcome, closed_on=x.decided_on,
                               late=not x.within_timescale)
            case RapidReviewDecisionSignedOff() as x:
                self._fold_set(rows, e, "rapid-review", x.incident_id, status="signed-off")
            case ReviewCommissioned() as x:
                self._fold_open(rows, e, x.review_type, x.review_id, x.theme or x.terms_of_reference[:120], x.case_ref, x.starts_on,
                                x.due_on, "months")
            case ReviewDueDateChanged() as x:
                self._fold_due_changed(rows, e, self._fold_kind(rows, e), x.review_id, x.due_on, f"{x.change}: {x.reason}")
            case ReviewSlippageWarned() as x:
                self._fold_set(rows, e, x.review_type, x.review_id, status="at-risk")
            case ReviewSlipped() as x:
                self._fold_set(rows, e, x.review_type, x.review_id, status="overdue")
            case ReviewStageCompleted() as x:
                self._fold_set(rows, e, self._fold_kind(rows, e), x.review_id)
            case ReviewSignedOff() as x:
                self._fold_set(rows, e, x.review_type, x.review_id, status="signed-off", closed_on=x.signed_off_on,
                               late=not x.within_timescale)
            case ReviewPublished() as x:
                self._fold_set(rows, e, x.review_type, x.review_id, status="published", outcome=x.link)
            case AuditRoundOpened() as x:
                self._fold_open(rows, e, "audit-round", x.audit_id, x.theme, None, x.period_start, x.due_on, "months")
            case AuditRoundOverdue() as x:
                self._fold_set(rows, e, "audit-round", x.audit_id, status="overdue")
            case AuditCaseGraded() as x:
                self._fold_set(rows, e, "audit-round", x.audit_id)
            case AuditRoundConcluded() as x:
                self._fold_set(rows, e, "audit-round", x.audit_id, status="concluded", closed_on=x.concluded_on,
                               outcome=json.dumps(x.grades))

    def _fold_due_changed(self, rows: Rows, e: Envelope, kind: str | None, review_id: str, due_on: date, reason: str) -> None:
        self._fold_set(rows, e, kind, review_id, due_on=due_on, change_reason=reason, status="open", event_id=e.event_id,
                       position=e.position)

    def _fold_request(self, rows: Rows, e: Envelope, incident_id: str, request_id: str, status: str, late: bool) -> None:
        key = (e.partnership_id, incident_id, request_id)
        row = rows.get("information_requests", *key)
        if row is not None:
            rows.set("information_requests", key, status=status, late=row["late"] or late, last_event_id=e.event_id)

    def _fold_details(self, rows: Rows, e: Envelope) -> None:
        p = e.partnership_id
        match e.event:
            case AgencyInformationRequested() as x:
                rows.insert(
                    "information_requests", partnership_id=p, incident_id=x.incident_id, information_request_id=x.information_request_id,
                    agency_id=x.agency_id, due_on=x.due_on, status="requested", late=False, event_id=e.event_id, position=e.position,
                    last_event_id=e.event_id,
                )
            case AgencyInformationOverdue() as x:
                self._fold_request(rows, e, x.incident_id, x.information_request_id, "overdue", True)
            case AgencyInformationProvided() as x:
                self._fold_request(rows, e, x.incident_id, x.information_request_id, "provided", x.late)
            case AuditCaseGraded() as x:
                rows.insert(
                    "audit_gradings", partnership_id=p, audit_id=x.audit_id, case_ref=x.case_ref, agency_id=x.agency_id, grade=x.grade,
                    event_id=e.event_id, position=e.position,
                )
            case SafeguardingConcernEscalated() as x:
                rows.insert(
                    "safeguarding_concerns", partnership_id=p, audit_id=x.audit_id, case_ref=x.case_ref,
                    raised_by_agency_id=x.raised_by_agency_id, escalated_to=x.escalated_to, occurred_at=e.occurred_at,
                    event_id=e.event_id, position=e.position,
                )
