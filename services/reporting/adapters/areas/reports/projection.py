"""The records the tiered, thematic and yearly reports are assembled from: every assurance
event, review, multi-agency audit round and Section 11 cycle, with the theme it carries
(where its events carry one), its findings and dates (`report_records`), and the facts
recorded within it that are evidence of their own kind: children's and families' views,
practitioners met, forums, surveys, case audits, gradings (`report_facts`).

Each row is built from one source's events only, so a rebuild (store by store) and
the live feed (interleaved) give the same rows; the reports join across sources when
they read. Every row names the first and the latest event behind it.

Over 300 lines: the live path (`apply`, SQL per event) and a rebuild's (`fold`, rows in
memory, `shared.projections.rows`) side by side, so one reading shows they do the same."""

import json
from datetime import date

import asyncpg

from shared.catalogue import activities as act
from shared.catalogue import events as ev
from shared.catalogue import reviews as rv
from shared.catalogue import section11 as s11
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.rows import Rows

_STATUS = {
    ev.AssuranceEventEndorsed: "endorsed",
    ev.AssuranceEventScheduled: "scheduled",
    ev.AssuranceEventRescheduled: "scheduled",
    ev.AssuranceEventHeld: "held",
    ev.AssuranceReportDrafted: "report-drafted",
    ev.AssuranceReportAgreed: "report-agreed",
    ev.AssuranceEventCancelled: "cancelled",
}
REVIEW_NAMES = {"cspr": "Child safeguarding practice review", "learning-review": "Learning review", "thematic-review": "Thematic review"}


def facts(event: object) -> list[tuple[str, str, date | None]]:
    """(fact, detail, date) for each fact an event of an assurance activity records."""
    match event:
        case act.ActivitySlipped() as e:
            return [("slipped", f"slipped from {e.from_date:%d %b %Y} to {e.to_date:%d %b %Y}: {e.reason}", e.from_date)]
        case act.ActivityMissed() as e:
            return [("missed", f"missed (due {e.due_on:%d %b %Y}): {e.reason}", e.due_on)]
        case act.ActivityOutputReceived() as e:
            figures = "; ".join(f"{k}: {v:g}" for k, v in sorted(e.figures.items()))
            return [
                (
                    "output",
                    f"{e.output} received" + (f": {e.summary}" if e.summary else "") + (f" ({figures})" if figures else ""),
                    e.received_on,
                )
            ]
        case act.ActivityPresented() as e:
            level = f", {e.assurance_level} assurance" if e.assurance_level else ""
            return [("presented", f"presented to {e.group_id} by {e.presented_by}{level}: {'; '.join(e.key_messages)}", e.presented_on)]
        case act.ActivityDisseminated() as e:
            reach = f", reaching {e.reached}" if e.reached is not None else ""
            said = f"; feedback: {e.feedback}" if e.feedback else ""
            return [("dissemination", f"disseminated by {e.method} to {', '.join(e.audiences)}{reach}{said}", e.disseminated_on)]
        case ev.ChildrenAndFamiliesViewsGathered() as e:
            themes = f": {'; '.join(e.themes)}" if e.themes else ""
            return [("views", f"views of {e.young_people} children and young people gathered ({e.method}){themes}", e.gathered_on)]
        case ev.PractitionersMet() as e:
            return [("practitioners", f"panel met practitioners on {e.case_ref}: {', '.join(e.practitioner_roles)}", None)]
        case ev.CaseAuditRecorded() as e:
            return [("case-audit", f"{e.agency_id} audited {e.case_ref}: {e.summary}", None)]
        case ev.LearningForumHeld() as e:
            return [("forum", f"forum {e.forum} held, {e.attendance} attended", e.held_on)]
        case ev.PractitionerSurveyResponsesReceived() as e:
            return [("survey", f"practitioner survey: {e.responses} responses", None)]
        case ev.ForumEvaluationRecorded() as e:
            agreed = "; ".join(f"{q}: {p:g}% agreed" for q, p in sorted(e.agreed_percent.items()))
            return [("evaluation", f"forum evaluation: {agreed}", None)]
        case ev.InspectionSurveysReturned() as e:
            return [
                ("staff-survey", f"{e.staff_responses} staff survey responses", None),
                ("service-user-survey", f"{e.service_user_responses} service user survey responses", None),
            ]
        case ev.StarRatingAwarded() as e:
            return [("star-rating", f"young inspectors awarded {e.agency_id} {e.stars} of {e.out_of} stars", None)]
        case ev.ImmediateFeedbackGiven() as e:
            return [("feedback", f"fed back to {e.given_to}: {'; '.join(e.highlights)}", None)]
        case ev.PractitionersToldOfActions() as e:
            return [("learning", f"practitioners told of the actions taken: {'; '.join(e.actions_taken)}", e.fed_back_on)]
        case ev.OutcomeRecorded() as e:
            return [("outcome", f"outcome: {e.outcome}", None)]
        case rv.AuditCaseGraded() as e:
            return [("grading", f"{e.agency_id} graded {e.case_ref} {e.grade}", None)]
    return []


class ReportsProjection(Projection):
    name = "reports"
    folds = True
    append_only = frozenset({"report_facts"})

    def tables(self) -> list[str]:
        return ["report_records", "report_facts"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.report_records (
            partnership_id text NOT NULL, kind text NOT NULL, record_id text NOT NULL,
            activity_type text, agency_id text, title text NOT NULL, theme text,
            themes jsonb NOT NULL DEFAULT '[]', status text NOT NULL, on_date date, ended_on date, link text,
            strengths jsonb NOT NULL DEFAULT '[]', areas jsonb NOT NULL DEFAULT '[]',
            findings jsonb NOT NULL DEFAULT '[]', figures jsonb NOT NULL DEFAULT '{{}}',
            first_event_id uuid NOT NULL, first_position bigint NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, kind, record_id));
        CREATE TABLE IF NOT EXISTS {schema}.report_facts (
            partnership_id text NOT NULL, kind text NOT NULL, record_id text NOT NULL, fact text NOT NULL,
            on_date date, detail text NOT NULL, event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (event_id, fact));
        CREATE INDEX IF NOT EXISTS report_facts_record ON {schema}.report_facts (partnership_id, kind, record_id);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e = envelope.event
        if isinstance(e, ev.AssuranceEventProposed | ev.AssuranceEventConcluded):
            await self._assurance_event(conn, schema, envelope, e)
        elif (key := _record_key(envelope)) is not None:
            await self._update(conn, schema, envelope, *key)
        for fact, detail, day in facts(e):
            key = _record_key(envelope)
            if key is None:
                continue
            await conn.execute(
                f"INSERT INTO {schema}.report_facts VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING",
                envelope.partnership_id, key[0], key[1], fact, day, detail, envelope.event_id, envelope.position,
            )

    async def _insert(
        self, conn: asyncpg.Connection, s: str, envelope: Envelope, kind: str, record_id: str, title: str,
        status: str, *, activity_type: str | None = None, agency_id: str | None = None, theme: str | None = None,
        on_date: date | None = None, figures: dict[str, float] | None = None,
    ) -> None:
        await conn.execute(
            f"INSERT INTO {s}.report_records (partnership_id, kind, record_id, activity_type, agency_id, title, theme,"
            " status, on_date, figures, first_event_id, first_position, event_id, position)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$11,$12) ON CONFLICT DO NOTHING",
            envelope.partnership_id, kind, record_id, activity_type, agency_id, title, theme, status, on_date,
            json.dumps(figures or {}), envelope.event_id, envelope.position,
        )

    async def _set(self, conn: asyncpg.Connection, s: str, envelope: Envelope, kind: str, record_id: str, sql: str, *args: object) -> None:
        """Update one record (`sql` is a SET list with parameters from $6) and name the event."""
        await conn.execute(
            f"UPDATE {s}.report_records SET {sql}{', ' if sql else ''}event_id = $4, position = $5"
            " WHERE partnership_id = $1 AND kind = $2 AND record_id = $3",
            envelope.partnership_id, kind, record_id, envelope.event_id, envelope.position, *args,
        )

    async def _assurance_event(
        self, conn: asyncpg.Connection, s: str, envelope: Envelope, e: ev.AssuranceEventProposed | ev.AssuranceEventConcluded
    ) -> None:
        if isinstance(e, ev.AssuranceEventProposed):
            status = "endorsed" if not e.endorsers else "proposed"
            await self._insert(
                conn, s, envelope, "assurance-event", e.assurance_event_id, e.title, status,
                activity_type=e.activity_type, agency_id=e.agency_id, theme=e.theme,
            )
            return
        await self._insert(
            conn, s, envelope, "assurance-event", e.assurance_event_id, e.title, "concluded",
            activity_type=e.activity_type, agency_id=e.agency_id, theme=e.theme, on_date=e.held_on,
        )
        findings = [f"outcome: {e.outcome}"] if e.outcome else []
        await self._set(
            conn, s, envelope, "assurance-event", e.assurance_event_id,
            "status = 'concluded', on_date = $6, ended_on = $6, theme = coalesce($7, theme),"
            " strengths = $8, areas = $9, figures = figures || $10::jsonb,"
            " findings = CASE WHEN jsonb_array_length($11::jsonb) > 0 THEN $11::jsonb ELSE findings END",
            e.held_on, e.theme, json.dumps(e.strengths), json.dumps(e.areas_for_development), json.dumps(e.figures),
            json.dumps(findings),
        )

    async def _update(self, conn: asyncpg.Connection, s: str, envelope: Envelope, kind: str, record_id: str) -> None:
        e = envelope.event
        status = _STATUS.get(type(e))
        if status is not None:
            await self._set(conn, s, envelope, kind, record_id, "status = $6", status)
        match e:
            case ev.AssuranceEventScheduled(scheduled_on=day) | ev.AssuranceEventRescheduled(scheduled_on=day):
                await self._set(conn, s, envelope, kind, record_id, "on_date = $6", day)
            case ev.AssuranceEventHeld(held_on=day):
                await self._set(conn, s, envelope, kind, record_id, "on_date = $6", day)
            case ev.FindingsRecorded() as f:
                await self._set(
                    conn, s, envelope, kind, record_id, "strengths = strengths || $6::jsonb, areas = areas || $7::jsonb",
                    json.dumps(f.strengths), json.dumps(f.areas_for_development),
                )
            case rv.ReviewCommissioned() as r:
                title = f"{REVIEW_NAMES.get(r.review_type, r.review_type)}: {r.theme or r.terms_of_reference}"[:300]
                await self._insert(
                    conn, s, envelope, kind, record_id, title, "commissioned",
                    activity_type=r.review_type, theme=r.theme, on_date=r.commissioned_on,
                )
            case rv.ReviewSlipped():
                await self._set(conn, s, envelope, kind, record_id, "status = 'overdue'")
            case rv.ReviewSignedOff(signed_off_on=day):
                await self._set(conn, s, envelope, kind, record_id, "status = 'signed-off', ended_on = $6", day)
            case rv.ReviewPublished() as p:
                await self._set(
                    conn, s, envelope, kind, record_id, "status = 'published', ended_on = $6, link = $7, themes = $8",
                    p.published_on, p.link, json.dumps(p.themes),
                )
            case rv.AuditRoundOpened() as a:
                await self._insert(
                    conn, s, envelope, kind, record_id, f"Multi-agency case file audit: {a.theme}", "open",
                    theme=a.theme, on_date=a.period_start,
                    figures={"cases": len(a.case_refs), "agencies": len(a.agencies)},
                )
            case rv.AuditCaseGraded() as g:
                await self._set(
                    conn, s, envelope, kind, record_id, "strengths = strengths || $6::jsonb, areas = areas || $7::jsonb",
                    json.dumps(g.strengths), json.dumps(g.areas_for_improvement),
                )
            case rv.AuditRoundOverdue():
                await self._set(conn, s, envelope, kind, record_id, "status = 'overdue'")
            case rv.AuditRoundConcluded() as c:
                await self._set(
                    conn, s, envelope, kind, record_id,
                    "status = 'concluded', ended_on = $6, findings = $7, figures = figures || $8::jsonb",
                    c.concluded_on, json.dumps(c.findings), json.dumps({f"graded {g}": n for g, n in c.grades.items()}),
                )
            case s11.AuditCycleOpened() as o:
                await self._insert(
                    conn, s, envelope, kind, record_id, f"Section 11 cycle {o.cycle_id}", "open",
                    on_date=o.opened_on, figures={"agencies": len(o.agency_ids), "returns": 0},
                )
            case s11.SubmissionReceived():
                await self._set(
                    conn, s, envelope, kind, record_id,
                    "figures = jsonb_set(figures, '{returns}', to_jsonb(coalesce((figures->>'returns')::int, 0) + 1))",
                )
            case s11.AuditCycleClosed(closed_on=day):
                await self._set(conn, s, envelope, kind, record_id, "status = 'closed', ended_on = $6", day)


    # -- a rebuild: the same, on rows in memory (shared.projections.rows) -------------------

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild."""
        e = envelope.event
        key = _record_key(envelope)
        if isinstance(e, ev.AssuranceEventProposed | ev.AssuranceEventConcluded):
            self._fold_assurance_event(rows, envelope, e)
        elif key is not None:
            self._fold_update(rows, envelope, *key)
        if key is None:
            return
        for fact, detail, day in facts(e):
            rows.insert(
                "report_facts", partnership_id=envelope.partnership_id, kind=key[0], record_id=key[1], fact=fact, on_date=day,
                detail=detail, event_id=envelope.event_id, position=envelope.position,
            )

    def _fold_insert(
        self, rows: Rows, envelope: Envelope, kind: str, record_id: str, title: str, status: str, *,
        activity_type: str | None = None, agency_id: str | None = None, theme: str | None = None,
        on_date: date | None = None, figures: dict[str, float] | None = None,
    ) -> None:
        rows.insert(
            "report_records", partnership_id=envelope.partnership_id, kind=kind, record_id=record_id, activity_type=activity_type,
            agency_id=agency_id, title=title, theme=theme, status=status, on_date=on_date, figures=figures or {},
            first_event_id=envelope.event_id, first_position=envelope.position, event_id=envelope.event_id, position=envelope.position,
        )

    def _fold_set(self, rows: Rows, envelope: Envelope, kind: str, record_id: str, **changes: object) -> None:
        rows.set("report_records", (envelope.partnership_id, kind, record_id), **changes, event_id=envelope.event_id,
                 position=envelope.position)

    def _fold_assurance_event(
        self, rows: Rows, envelope: Envelope, e: ev.AssuranceEventProposed | ev.AssuranceEventConcluded
    ) -> None:
        if isinstance(e, ev.AssuranceEventProposed):
            status = "endorsed" if not e.endorsers else "proposed"
            self._fold_insert(rows, envelope, "assurance-event", e.assurance_event_id, e.title, status,
                              activity_type=e.activity_type, agency_id=e.agency_id, theme=e.theme)
            return
        self._fold_insert(rows, envelope, "assurance-event", e.assurance_event_id, e.title, "concluded",
                          activity_type=e.activity_type, agency_id=e.agency_id, theme=e.theme, on_date=e.held_on)
        row = rows.get("report_records", envelope.partnership_id, "assurance-event", e.assurance_event_id)
        if row is None:
            return
        findings = [f"outcome: {e.outcome}"] if e.outcome else []
        self._fold_set(
            rows, envelope, "assurance-event", e.assurance_event_id, status="concluded", on_date=e.held_on, ended_on=e.held_on,
            theme=e.theme if e.theme is not None else row["theme"], strengths=list(e.strengths), areas=list(e.areas_for_development),
            figures={**row["figures"], **e.figures}, findings=findings or row["findings"],
        )

    def _fold_update(self, rows: Rows, envelope: Envelope, kind: str, record_id: str) -> None:
        e = envelope.event
        row = rows.get("report_records", envelope.partnership_id, kind, record_id)
        status = _STATUS.get(type(e))
        if status is not None:
            self._fold_set(rows, envelope, kind, record_id, status=status)
        match e:
            case ev.AssuranceEventScheduled(scheduled_on=day) | ev.AssuranceEventRescheduled(scheduled_on=day):
                self._fold_set(rows, envelope, kind, record_id, on_date=day)
            case ev.AssuranceEventHeld(held_on=day):
                self._fold_set(rows, envelope, kind, record_id, on_date=day)
            case ev.FindingsRecorded() as f:
                if row is not None:
                    self._fold_set(rows, envelope, kind, record_id, strengths=row["strengths"] + list(f.strengths),
                                   areas=row["areas"] + list(f.areas_for_development))
            case rv.ReviewCommissioned() as r:
                title = f"{REVIEW_NAMES.get(r.review_type, r.review_type)}: {r.theme or r.terms_of_reference}"[:300]
                self._fold_insert(rows, envelope, kind, record_id, title, "commissioned", activity_type=r.review_type, theme=r.theme,
                                  on_date=r.commissioned_on)
            case rv.ReviewSlipped():
                self._fold_set(rows, envelope, kind, record_id, status="overdue")
            case rv.ReviewSignedOff(signed_off_on=day):
                self._fold_set(rows, envelope, kind, record_id, status="signed-off", ended_on=day)
            case rv.ReviewPublished() as p:
                self._fold_set(rows, envelope, kind, record_id, status="published", ended_on=p.published_on, link=p.link,
                               themes=list(p.themes))
            case rv.AuditRoundOpened() as a:
                self._fold_insert(rows, envelope, kind, record_id, f"Multi-agency case file audit: {a.theme}", "open", theme=a.theme,
                                  on_date=a.period_start, figures={"cases": len(a.case_refs), "agencies": len(a.agencies)})
            case rv.AuditCaseGraded() as g:
                if row is not None:
                    self._fold_set(rows, envelope, kind, record_id, strengths=row["strengths"] + list(g.strengths),
                                   areas=row["areas"] + list(g.areas_for_improvement))
            case rv.AuditRoundOverdue():
                self._fold_set(rows, envelope, kind, record_id, status="overdue")
            case rv.AuditRoundConcluded() as c:
                if row is not None:
                    self._fold_set(rows, envelope, kind, record_id, status="concluded", ended_on=c.concluded_on,
                                   findings=list(c.findings), figures={**row["figures"], **{f"graded {g}": n for g, n in c.grades.items()}})
            case s11.AuditCycleOpened() as o:
                self._fold_insert(rows, envelope, kind, record_id, f"Section 11 cycle {o.cycle_id}", "open", on_date=o.opened_on,
                                  figures={"agencies": len(o.agency_ids), "returns": 0})
            case s11.SubmissionReceived():
                if row is not None:
                    figures = row["figures"]
                    self._fold_set(rows, envelope, kind, record_id, figures={**figures, "returns": int(figures.get("returns") or 0) + 1})
            case s11.AuditCycleClosed(closed_on=day):
                self._fold_set(rows, envelope, kind, record_id, status="closed", ended_on=day)


def _record_key(envelope: Envelope) -> tuple[str, str] | None:
    """The record an event belongs to, from its stream (`{prefix}:{partnership}:{id}`)."""
    prefix, _, rest = envelope.stream_id.partition(":")
    record_id = rest.rsplit(":", 1)[-1]
    match prefix:
        case "assurance-event":
            return "assurance-event", record_id
        case "review":
            return "review", record_id
        case "audit":
            return "audit-round", record_id
        case "s11-cycle":
            return "s11-cycle", record_id
        case "s11-return":
            cycle = getattr(envelope.event, "cycle_id", None)
            return ("s11-cycle", cycle) if isinstance(envelope.event, s11.SubmissionReceived) and cycle else None
    return None
