"""Assurance events read models: each event's lifecycle (what the planner is built from),
its preparation milestones (met, missed), and the concluded events with their findings.
Every row names the event (id and store position) behind its latest change.

Over 300 lines: the live path (`apply`, SQL per event) and a rebuild's (`fold`, rows in
memory, `shared.projections.rows`) side by side, so one reading shows they do the same."""

import json
from functools import cached_property

import asyncpg

from shared.catalogue import activities as a
from shared.catalogue import events as e
from shared.catalogue.registry import registered_event_types
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.projection import event_types
from shared.projections.rows import Rows

# The status an event moves the lifecycle to (the furthest step reached).
_STATUS = {
    e.AssuranceEventEndorsed: "endorsed",
    e.AssuranceEventScheduled: "scheduled",
    e.AssuranceEventRescheduled: "scheduled",
    e.AssuranceEventHeld: "held",
    e.FindingsRecorded: "findings-recorded",
    e.AssuranceReportDrafted: "report-drafted",
    e.AssuranceReportAgreed: "report-agreed",
    e.AssuranceEventCancelled: "cancelled",
    a.ActivitySlipped: "slipped",
    a.ActivityMissed: "missed",
    a.ActivityHeld: "held",
    a.ActivityOutputReceived: "output-received",
    a.ActivityPresented: "presented",
}


class AssuranceEventsProjection(Projection):
    name = "assurance_events"
    folds = True

    @cached_property
    def reads(self) -> frozenset[str]:  # type: ignore[override]
        """The three events that begin an assurance event's rows, and every event that names
        one (`apply` and `fold` act on any event with an `assurance_event_id`)."""
        return event_types(e.AssuranceEventProposed, e.AssuranceEventConcluded, a.ActivityPlanned) | frozenset(
            t for t, cls in registered_event_types().items() if "assurance_event_id" in cls.model_fields
        )

    def tables(self) -> list[str]:
        return ["assurance_events", "assurance_lifecycle", "assurance_milestones"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.assurance_events (
            partnership_id text NOT NULL, assurance_event_id text NOT NULL,
            activity_type text NOT NULL, title text NOT NULL, held_on date NOT NULL,
            agency_id text, theme text, strengths jsonb NOT NULL, areas_for_development jsonb NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, assurance_event_id));
        ALTER TABLE {schema}.assurance_events
            ADD COLUMN IF NOT EXISTS actions jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN IF NOT EXISTS reports_to text,
            ADD COLUMN IF NOT EXISTS distribution jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN IF NOT EXISTS outcome text,
            ADD COLUMN IF NOT EXISTS star_rating integer,
            ADD COLUMN IF NOT EXISTS figures jsonb NOT NULL DEFAULT '{{}}';
        CREATE TABLE IF NOT EXISTS {schema}.assurance_lifecycle (
            partnership_id text NOT NULL, assurance_event_id text NOT NULL,
            activity_type text NOT NULL, title text NOT NULL, agency_id text, theme text,
            planned_for text, status text NOT NULL, lead_role text, reports_to text,
            endorsers jsonb NOT NULL DEFAULT '[]', endorsed_by jsonb NOT NULL DEFAULT '[]',
            first_scheduled_on date, scheduled_on date, held_on date,
            cases integer NOT NULL DEFAULT 0, star_rating integer, star_out_of integer,
            proposed_event_id uuid, proposed_position bigint,
            event_id uuid NOT NULL, position bigint NOT NULL, changed_at timestamptz NOT NULL,
            PRIMARY KEY (partnership_id, assurance_event_id));
        CREATE TABLE IF NOT EXISTS {schema}.assurance_milestones (
            partnership_id text NOT NULL, assurance_event_id text NOT NULL, milestone_id text NOT NULL,
            name text NOT NULL, responsible text NOT NULL, due_on date NOT NULL, status text NOT NULL,
            met_on date, missed_at timestamptz, missed_event_id uuid, missed_position bigint,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, assurance_event_id, milestone_id));
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        ev = envelope.event
        if isinstance(ev, e.AssuranceEventProposed):
            await self._proposed(conn, schema, envelope, ev)
            return
        if isinstance(ev, e.AssuranceEventConcluded):
            await self._concluded(conn, schema, envelope, ev)
            return
        if isinstance(ev, a.ActivityPlanned):
            await self._planned(conn, schema, envelope, ev)
            return
        event_id = getattr(ev, "assurance_event_id", None)
        if event_id is None:
            return
        key = (envelope.partnership_id, event_id, envelope.event_id, envelope.position, envelope.occurred_at)
        lifecycle = f"UPDATE {schema}.assurance_lifecycle SET event_id = $3, position = $4, changed_at = $5"
        where = " WHERE partnership_id = $1 AND assurance_event_id = $2"
        status = _STATUS.get(type(ev))
        if status is not None:
            await conn.execute(f"{lifecycle}, status = $6{where}", *key, status)
        match ev:
            case e.EndorsementGiven(partner_id=partner):
                await conn.execute(f"{lifecycle}, endorsed_by = endorsed_by || $6::jsonb{where}", *key, json.dumps([partner]))
            case e.AssuranceEventScheduled(scheduled_on=day) | e.AssuranceEventRescheduled(scheduled_on=day):
                await conn.execute(
                    f"{lifecycle}, scheduled_on = $6, first_scheduled_on = coalesce(first_scheduled_on, $6){where}", *key, day
                )
                await self._milestones_due(conn, schema, envelope, ev.milestones)
            case e.AssuranceEventHeld(held_on=day) | a.ActivityHeld(held_on=day):
                await conn.execute(f"{lifecycle}, held_on = $6{where}", *key, day)
            case a.ActivitySlipped(to_date=day):
                await conn.execute(f"{lifecycle}, scheduled_on = $6{where}", *key, day)
            case e.CaseSelected():
                await conn.execute(f"{lifecycle}, cases = cases + 1{where}", *key)
            case e.StarRatingAwarded(stars=stars, out_of=out_of):
                await conn.execute(f"{lifecycle}, star_rating = $6, star_out_of = $7{where}", *key, stars, out_of)
            case e.PreparationMilestoneMet(milestone_id=milestone, met_on=met_on, late=late):
                await conn.execute(
                    f"UPDATE {schema}.assurance_milestones SET status = $6, met_on = $7, event_id = $3, position = $4"
                    f"{where} AND milestone_id = $5",
                    envelope.partnership_id, event_id, envelope.event_id, envelope.position, milestone,
                    "met-late" if late else "met", met_on,
                )
            case e.PreparationMilestoneMissed(milestone_id=milestone):
                await conn.execute(
                    f"UPDATE {schema}.assurance_milestones SET status = 'missed', missed_at = $6,"
                    f" missed_event_id = $3, missed_position = $4, event_id = $3, position = $4{where} AND milestone_id = $5",
                    envelope.partnership_id, event_id, envelope.event_id, envelope.position, milestone, envelope.occurred_at,
                )
            case e.AssuranceEventCancelled():
                await conn.execute(
                    f"UPDATE {schema}.assurance_milestones SET status = 'cancelled', event_id = $3, position = $4"
                    f"{where} AND status IN ('pending', 'missed')",
                    envelope.partnership_id, event_id, envelope.event_id, envelope.position,
                )

    async def _proposed(self, conn: asyncpg.Connection, schema: str, envelope: Envelope, ev: e.AssuranceEventProposed) -> None:
        await conn.execute(
            f"INSERT INTO {schema}.assurance_lifecycle (partnership_id, assurance_event_id, activity_type, title,"
            " agency_id, theme, planned_for, status, lead_role, reports_to, endorsers, proposed_event_id,"
            " proposed_position, event_id, position, changed_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$12,$13,$14)",
            envelope.partnership_id, ev.assurance_event_id, ev.activity_type, ev.title, ev.agency_id, ev.theme,
            ev.planned_for, "endorsed" if not ev.endorsers else "proposed", ev.lead_role, ev.reports_to,
            json.dumps(ev.endorsers), envelope.event_id, envelope.position, envelope.occurred_at,
        )

    async def _planned(self, conn: asyncpg.Connection, schema: str, envelope: Envelope, ev: a.ActivityPlanned) -> None:
        """An occurrence of an activity planned: due (scheduled) on its day, in its month."""
        await conn.execute(
            f"INSERT INTO {schema}.assurance_lifecycle (partnership_id, assurance_event_id, activity_type, title,"
            " agency_id, theme, planned_for, status, lead_role, reports_to, first_scheduled_on, scheduled_on,"
            " proposed_event_id, proposed_position, event_id, position, changed_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,'scheduled',$8,$9,$10,$10,$11,$12,$11,$12,$13)",
            envelope.partnership_id, ev.assurance_event_id, ev.activity_type, ev.title, ev.agency_id, ev.theme,
            f"{ev.due_on.year:04d}-{ev.due_on.month:02d}", ev.owner, ev.reports_to, ev.due_on,
            envelope.event_id, envelope.position, envelope.occurred_at,
        )

    async def _concluded(self, conn: asyncpg.Connection, schema: str, envelope: Envelope, ev: e.AssuranceEventConcluded) -> None:
        await conn.execute(
            f"INSERT INTO {schema}.assurance_events (partnership_id, assurance_event_id, activity_type, title,"
            " held_on, agency_id, theme, strengths, areas_for_development, event_id, position, actions, reports_to,"
            " distribution, outcome, star_rating, figures)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
            envelope.partnership_id, ev.assurance_event_id, ev.activity_type, ev.title, ev.held_on, ev.agency_id,
            ev.theme, json.dumps(ev.strengths), json.dumps(ev.areas_for_development), envelope.event_id,
            envelope.position, json.dumps(ev.actions), ev.reports_to, json.dumps(ev.distribution), ev.outcome,
            ev.star_rating, json.dumps(ev.figures),
        )
        # An event recorded after the fact (the shortcut) has no lifecycle row yet.
        await conn.execute(
            f"INSERT INTO {schema}.assurance_lifecycle (partnership_id, assurance_event_id, activity_type, title,"
            " agency_id, theme, status, held_on, star_rating, event_id, position, changed_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,'concluded',$7,$8,$9,$10,$11)"
            " ON CONFLICT (partnership_id, assurance_event_id) DO UPDATE SET status = 'concluded',"
            " held_on = coalesce(assurance_lifecycle.held_on, excluded.held_on),"
            " event_id = excluded.event_id, position = excluded.position, changed_at = excluded.changed_at",
            envelope.partnership_id, ev.assurance_event_id, ev.activity_type, ev.title, ev.agency_id, ev.theme,
            ev.held_on, ev.star_rating, envelope.event_id, envelope.position, envelope.occurred_at,
        )

    async def _milestones_due(
        self, conn: asyncpg.Connection, schema: str, envelope: Envelope, due: list[e.MilestoneDue]
    ) -> None:
        for milestone in due:
            await conn.execute(
                f"INSERT INTO {schema}.assurance_milestones (partnership_id, assurance_event_id, milestone_id, name,"
                " responsible, due_on, status, event_id, position) VALUES ($1,$2,$3,$4,$5,$6,'pending',$7,$8)"
                " ON CONFLICT (partnership_id, assurance_event_id, milestone_id) DO UPDATE SET"
                " due_on = excluded.due_on, status = 'pending', event_id = excluded.event_id, position = excluded.position",
                envelope.partnership_id, envelope.stream_id.split(":", 2)[2], milestone.milestone_id, milestone.name,
                milestone.responsible, milestone.due_on, envelope.event_id, envelope.position,
            )

    # -- a rebuild: the same, on rows in memory (shared.projections.rows) -------------------

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild."""
        ev, p = envelope.event, envelope.partnership_id
        latest = {"event_id": envelope.event_id, "position": envelope.position}
        if isinstance(ev, e.AssuranceEventProposed):
            rows.insert(
                "assurance_lifecycle", conflict="error", partnership_id=p, assurance_event_id=ev.assurance_event_id,
                activity_type=ev.activity_type, title=ev.title, agency_id=ev.agency_id, theme=ev.theme, planned_for=ev.planned_for,
                status="endorsed" if not ev.endorsers else "proposed", lead_role=ev.lead_role, reports_to=ev.reports_to,
                endorsers=list(ev.endorsers), proposed_event_id=envelope.event_id, proposed_position=envelope.position,
                changed_at=envelope.occurred_at, **latest,
            )
            return
        if isinstance(ev, e.AssuranceEventConcluded):
            self._fold_concluded(rows, envelope, ev)
            return
        if isinstance(ev, a.ActivityPlanned):
            rows.insert(
                "assurance_lifecycle", conflict="error", partnership_id=p, assurance_event_id=ev.assurance_event_id,
                activity_type=ev.activity_type, title=ev.title, agency_id=ev.agency_id, theme=ev.theme,
                planned_for=f"{ev.due_on.year:04d}-{ev.due_on.month:02d}", status="scheduled", lead_role=ev.owner,
                reports_to=ev.reports_to, first_scheduled_on=ev.due_on, scheduled_on=ev.due_on, proposed_event_id=envelope.event_id,
                proposed_position=envelope.position, changed_at=envelope.occurred_at, **latest,
            )
            return
        event_id = getattr(ev, "assurance_event_id", None)
        if event_id is None:
            return
        key = (p, event_id)
        row = rows.get("assurance_lifecycle", *key)

        def lifecycle(**changes: object) -> None:
            rows.set("assurance_lifecycle", key, **changes, changed_at=envelope.occurred_at, **latest)

        status = _STATUS.get(type(ev))
        if status is not None:
            lifecycle(status=status)
        match ev:
            case e.EndorsementGiven(partner_id=partner):
                if row is not None:
                    lifecycle(endorsed_by=[*row["endorsed_by"], partner])
            case e.AssuranceEventScheduled(scheduled_on=day) | e.AssuranceEventRescheduled(scheduled_on=day):
                if row is not None:
                    lifecycle(scheduled_on=day, first_scheduled_on=row["first_scheduled_on"] or day)
                self._fold_milestones_due(rows, envelope, ev.milestones)
            case e.AssuranceEventHeld(held_on=day) | a.ActivityHeld(held_on=day):
                lifecycle(held_on=day)
            case a.ActivitySlipped(to_date=day):
                lifecycle(scheduled_on=day)
            case e.CaseSelected():
                if row is not None:
                    lifecycle(cases=row["cases"] + 1)
            case e.StarRatingAwarded(stars=stars, out_of=out_of):
                lifecycle(star_rating=stars, star_out_of=out_of)
            case e.PreparationMilestoneMet(milestone_id=milestone, met_on=met_on, late=late):
                rows.set("assurance_milestones", (p, event_id, milestone), status="met-late" if late else "met", met_on=met_on, **latest)
            case e.PreparationMilestoneMissed(milestone_id=milestone):
                rows.set(
                    "assurance_milestones", (p, event_id, milestone), status="missed", missed_at=envelope.occurred_at,
                    missed_event_id=envelope.event_id, missed_position=envelope.position, **latest,
                )
            case e.AssuranceEventCancelled():
                for milestone in rows.index.get("milestones", {}).get(key, ()):
                    found = rows.get("assurance_milestones", p, event_id, milestone)
                    if found is not None and found["status"] in ("pending", "missed"):
                        rows.set("assurance_milestones", (p, event_id, milestone), status="cancelled", **latest)

    def _fold_concluded(self, rows: Rows, envelope: Envelope, ev: e.AssuranceEventConcluded) -> None:
        p, latest = envelope.partnership_id, {"event_id": envelope.event_id, "position": envelope.position}
        rows.insert(
            "assurance_events", conflict="error", partnership_id=p, assurance_event_id=ev.assurance_event_id,
            activity_type=ev.activity_type, title=ev.title, held_on=ev.held_on, agency_id=ev.agency_id, theme=ev.theme,
            strengths=list(ev.strengths), areas_for_development=list(ev.areas_for_development), actions=list(ev.actions),
            reports_to=ev.reports_to, distribution=list(ev.distribution), outcome=ev.outcome, star_rating=ev.star_rating,
            figures=dict(ev.figures), **latest,
        )
        row = rows.get("assurance_lifecycle", p, ev.assurance_event_id)
        if row is None:  # recorded after the fact (the shortcut): no lifecycle row yet
            rows.insert(
                "assurance_lifecycle", partnership_id=p, assurance_event_id=ev.assurance_event_id, activity_type=ev.activity_type,
                title=ev.title, agency_id=ev.agency_id, theme=ev.theme, status="concluded", held_on=ev.held_on,
                star_rating=ev.star_rating, changed_at=envelope.occurred_at, **latest,
            )
        else:
            rows.set(
                "assurance_lifecycle", (p, ev.assurance_event_id), status="concluded", held_on=row["held_on"] or ev.held_on,
                changed_at=envelope.occurred_at, **latest,
            )

    def _fold_milestones_due(self, rows: Rows, envelope: Envelope, due: list[e.MilestoneDue]) -> None:
        p, event_id = envelope.partnership_id, envelope.stream_id.split(":", 2)[2]
        latest = {"event_id": envelope.event_id, "position": envelope.position}
        for milestone in due:
            key = (p, event_id, milestone.milestone_id)
            if rows.get("assurance_milestones", *key) is None:
                rows.insert(
                    "assurance_milestones", partnership_id=p, assurance_event_id=event_id, milestone_id=milestone.milestone_id,
                    name=milestone.name, responsible=milestone.responsible, due_on=milestone.due_on, status="pending", **latest,
                )
                rows.index.setdefault("milestones", {}).setdefault((p, event_id), []).append(milestone.milestone_id)
            else:
                rows.set("assurance_milestones", key, due_on=milestone.due_on, status="pending", **latest)
