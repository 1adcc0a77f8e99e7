"""Action tracker read models: one row per action with the events behind its status,
and its history (every event on it, progress updates included, never overwritten)."""

import json

import asyncpg

from shared.catalogue import DomainEvent
from shared.catalogue.reviews import (
    ActionCompleted,
    ActionEvidenceRejected,
    ActionOverdue,
    ActionProgressUpdated,
    ActionRaised,
    ActionReminderSent,
    ActionReopened,
    ActionSignedOff,
)
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.projection import event_types
from shared.projections.rows import Rows

ACTION_EVENTS = (
    ActionRaised, ActionReminderSent, ActionOverdue, ActionProgressUpdated, ActionCompleted,
    ActionEvidenceRejected, ActionReopened, ActionSignedOff,
)


def detail(event: DomainEvent) -> str:
    """One line of the action's history, as the tracker shows it."""
    match event:
        case ActionRaised() as e:
            return f"raised from {e.source_type} {e.source_id}, due {e.due_on:%d %b %Y}" + (
                f"; reminder {e.remind_on:%d %b %Y}" if e.remind_on else ""
            )
        case ActionReminderSent() as e:
            return f"reminder: due {e.due_on:%d %b %Y}"
        case ActionOverdue() as e:
            return f"overdue: was due {e.due_on:%d %b %Y}"
        case ActionProgressUpdated() as e:
            done = f" ({e.percent_complete}%)" if e.percent_complete is not None else ""
            return f"update {e.update_number}{done} by {e.updated_by}: {e.progress}"
        case ActionCompleted() as e:
            return f"completed {e.completed_on:%d %b %Y} by {e.completed_by}; evidence: " + "; ".join(x.description for x in e.evidence)
        case ActionEvidenceRejected() as e:
            return f"evidence rejected at {e.group_id} on {e.meeting_on:%d %b %Y}: {e.reason}"
        case ActionReopened() as e:
            return f"reopened, due {e.due_on:%d %b %Y}"
        case ActionSignedOff() as e:
            return f"signed off at {e.group_id} on {e.meeting_on:%d %b %Y} by {', '.join(e.partners)}"
    return event.event_type


class ActionsProjection(Projection):
    name = "actions"
    folds = True
    append_only = frozenset({"action_history"})
    reads = event_types(*ACTION_EVENTS)

    def tables(self) -> list[str]:
        return ["actions", "action_history"]

    def ddl(self, schema: str) -> str:
        added = [
            "remind_on date", "reminded_event_id uuid", "reminded_position bigint",
            "progress_updates integer NOT NULL DEFAULT 0", "percent_complete integer",
            "completed_on date", "completed_event_id uuid", "completed_position bigint", "evidence jsonb",
            "rejections integer NOT NULL DEFAULT 0",
            "signed_off_on date", "signed_off_event_id uuid", "signed_off_position bigint",
            "last_event_id uuid", "last_position bigint",
        ]
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.actions (
            partnership_id text NOT NULL, action_id text NOT NULL, title text NOT NULL,
            owner_agency_id text NOT NULL, due_on date NOT NULL, status text NOT NULL,
            source_type text NOT NULL, source_id text NOT NULL, raised_at timestamptz NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            overdue_at timestamptz, overdue_event_id uuid, overdue_position bigint,
            PRIMARY KEY (partnership_id, action_id));
        {"".join(f"ALTER TABLE {schema}.actions ADD COLUMN IF NOT EXISTS {column};" for column in added)}
        CREATE TABLE IF NOT EXISTS {schema}.action_history (
            partnership_id text NOT NULL, action_id text NOT NULL, event_type text NOT NULL,
            occurred_at timestamptz NOT NULL, actor text NOT NULL, detail text NOT NULL,
            event_id uuid PRIMARY KEY, position bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS action_history_action ON {schema}.action_history (partnership_id, action_id, position);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e = envelope
        if not isinstance(e.event, ACTION_EVENTS):
            return
        action_id = e.event.action_id
        key = (e.partnership_id, action_id)
        where = " WHERE partnership_id = $1 AND action_id = $2"
        match e.event:
            case ActionRaised() as a:
                await conn.execute(
                    f"INSERT INTO {schema}.actions (partnership_id, action_id, title, owner_agency_id,"
                    " due_on, status, source_type, source_id, raised_at, event_id, position, remind_on)"
                    " VALUES ($1,$2,$3,$4,$5,'open',$6,$7,$8,$9,$10,$11)",
                    *key, a.title, a.owner_agency_id, a.due_on, a.source_type, a.source_id,
                    e.occurred_at, e.event_id, e.position, a.remind_on,
                )
            case ActionReminderSent():
                await conn.execute(
                    f"UPDATE {schema}.actions SET reminded_event_id = $3, reminded_position = $4" + where, *key, e.event_id, e.position
                )
            case ActionOverdue():
                await conn.execute(
                    f"UPDATE {schema}.actions SET status = 'overdue', overdue_at = $3, overdue_event_id = $4, overdue_position = $5"
                    + where,
                    *key,
                    e.occurred_at,
                    e.event_id,
                    e.position,
                )
            case ActionProgressUpdated() as u:
                await conn.execute(
                    f"UPDATE {schema}.actions SET progress_updates = $3, percent_complete = coalesce($4, percent_complete)" + where,
                    *key, u.update_number, u.percent_complete,
                )
            case ActionCompleted() as c:
                await conn.execute(
                    f"UPDATE {schema}.actions SET status = 'awaiting-sign-off', completed_on = $3, evidence = $4,"
                    " completed_event_id = $5, completed_position = $6" + where,
                    *key, c.completed_on, json.dumps([x.model_dump() for x in c.evidence]), e.event_id, e.position,
                )
            case ActionEvidenceRejected():
                await conn.execute(f"UPDATE {schema}.actions SET rejections = rejections + 1" + where, *key)
            case ActionReopened() as r:
                await conn.execute(
                    f"UPDATE {schema}.actions SET status = 'open', due_on = $3, remind_on = $4, reminded_event_id = NULL,"
                    " reminded_position = NULL, overdue_at = NULL, overdue_event_id = NULL, overdue_position = NULL,"
                    " completed_on = NULL, completed_event_id = NULL, completed_position = NULL" + where,
                    *key, r.due_on, r.remind_on,
                )
            case ActionSignedOff() as s:
                await conn.execute(
                    f"UPDATE {schema}.actions SET status = 'signed-off', signed_off_on = $3,"
                    " signed_off_event_id = $4, signed_off_position = $5" + where,
                    *key, s.meeting_on, e.event_id, e.position,
                )
        await conn.execute(f"UPDATE {schema}.actions SET last_event_id = $3, last_position = $4" + where, *key, e.event_id, e.position)
        await conn.execute(
            f"INSERT INTO {schema}.action_history VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (event_id) DO NOTHING",
            *key, e.event_type, e.occurred_at, e.actor, detail(e.event), e.event_id, e.position,
        )

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild."""
        e = envelope
        if not isinstance(e.event, ACTION_EVENTS):
            return
        key = (e.partnership_id, e.event.action_id)
        row = rows.get("actions", *key)
        match e.event:
            case ActionRaised() as a:
                rows.insert(
                    "actions", conflict="error", partnership_id=key[0], action_id=key[1], title=a.title,
                    owner_agency_id=a.owner_agency_id, due_on=a.due_on, status="open", source_type=a.source_type,
                    source_id=a.source_id, raised_at=e.occurred_at, event_id=e.event_id, position=e.position, remind_on=a.remind_on,
                )
            case ActionReminderSent():
                rows.set("actions", key, reminded_event_id=e.event_id, reminded_position=e.position)
            case ActionOverdue():
                rows.set(
                    "actions", key, status="overdue", overdue_at=e.occurred_at, overdue_event_id=e.event_id, overdue_position=e.position
                )
            case ActionProgressUpdated() as u:
                if row is not None:
                    done = u.percent_complete if u.percent_complete is not None else row["percent_complete"]
                    rows.set("actions", key, progress_updates=u.update_number, percent_complete=done)
            case ActionCompleted() as c:
                rows.set(
                    "actions", key, status="awaiting-sign-off", completed_on=c.completed_on,
                    evidence=[x.model_dump() for x in c.evidence], completed_event_id=e.event_id, completed_position=e.position,
                )
            case ActionEvidenceRejected():
                if row is not None:
                    rows.set("actions", key, rejections=row["rejections"] + 1)
            case ActionReopened() as r:
                rows.set(
                    "actions", key, status="open", due_on=r.due_on, remind_on=r.remind_on, reminded_event_id=None,
                    reminded_position=None, overdue_at=None, overdue_event_id=None, overdue_position=None,
                    completed_on=None, completed_event_id=None, completed_position=None,
                )
            case ActionSignedOff() as s:
                rows.set("actions", key, status="signed-off", signed_off_on=s.meeting_on, signed_off_event_id=e.event_id,
                         signed_off_position=e.position)
        rows.set("actions", key, last_event_id=e.event_id, last_position=e.position)
        rows.insert(
            "action_history", partnership_id=key[0], action_id=key[1], event_type=e.event_type, occurred_at=e.occurred_at,
            actor=e.actor, detail=detail(e.event), event_id=e.event_id, position=e.position,
        )
