"""Section 11 read models: cycles, each agency's return status, ratings (self and
moderated, per domain), amendments, risk flags, call-ins, surveys, confidence
gaps, peer challenge workshops, and the prompts put to an agency from an assurance
event's findings with its answers (issue 16 item 5). Drafts are the agency's own: never projected.

Over 300 lines: the live path (`apply`, SQL per event) and a rebuild's (`fold`, rows in
memory, `shared.projections.rows`) side by side, so one reading shows they do the same."""

import asyncpg

from shared.catalogue.section11 import (
    AuditCycleClosed,
    AuditCycleOpened,
    CallInProposed,
    ConfidenceGapFlagged,
    PeerChallengeWorkshopScheduled,
    PractitionerSurveyRecorded,
    RiskCleared,
    RiskFlagged,
    ScoreModerated,
    Section11PromptAdded,
    Section11PromptAnswered,
    SubmissionAmended,
    SubmissionOverdue,
    SubmissionReceived,
    SubmissionReminderSent,
)
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.projection import event_types
from shared.projections.rows import Rows

TABLES = [
    "s11_cycles", "s11_returns", "s11_submissions", "s11_ratings", "s11_amendments", "s11_risk_flags",
    "s11_call_ins", "s11_surveys", "s11_confidence_gaps", "s11_workshops", "s11_prompts",
]


class Section11Projection(Projection):
    name = "section11"
    folds = True
    append_only = frozenset({"s11_submissions", "s11_amendments", "s11_call_ins", "s11_surveys", "s11_confidence_gaps", "s11_workshops"})
    reads = event_types(
        AuditCycleClosed, AuditCycleOpened, CallInProposed, ConfidenceGapFlagged, PeerChallengeWorkshopScheduled,
        PractitionerSurveyRecorded, RiskCleared, RiskFlagged, ScoreModerated, Section11PromptAdded, Section11PromptAnswered,
        SubmissionAmended, SubmissionOverdue, SubmissionReceived, SubmissionReminderSent,
    )

    def tables(self) -> list[str]:
        return TABLES

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.s11_cycles (
            partnership_id text NOT NULL, cycle_id text NOT NULL, opened_on date NOT NULL, due_on date NOT NULL,
            agencies integer NOT NULL, closed_on date, event_id uuid NOT NULL, position bigint NOT NULL,
            closed_event_id uuid, PRIMARY KEY (partnership_id, cycle_id));
        CREATE TABLE IF NOT EXISTS {schema}.s11_returns (
            partnership_id text NOT NULL, agency_id text NOT NULL, cycle_id text NOT NULL, due_on date,
            status text NOT NULL, submitted_at timestamptz, late boolean NOT NULL DEFAULT false,
            reminders integer NOT NULL DEFAULT 0, amendments integer NOT NULL DEFAULT 0,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, agency_id, cycle_id));
        CREATE TABLE IF NOT EXISTS {schema}.s11_submissions (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            agency_id text NOT NULL, cycle_id text NOT NULL, submission_id text NOT NULL,
            submitted_at timestamptz NOT NULL, due_on date, late boolean NOT NULL DEFAULT false,
            also_submitted_to text[] NOT NULL DEFAULT '{{}}');
        CREATE TABLE IF NOT EXISTS {schema}.s11_ratings (
            partnership_id text NOT NULL, agency_id text NOT NULL, cycle_id text NOT NULL, domain_id text NOT NULL,
            self_rating integer NOT NULL, moderated_rating integer, moderation_rationale text,
            event_id uuid NOT NULL, position bigint NOT NULL, recorded_at timestamptz NOT NULL,
            moderated_event_id uuid, moderated_position bigint,
            PRIMARY KEY (partnership_id, agency_id, cycle_id, domain_id));
        CREATE TABLE IF NOT EXISTS {schema}.s11_amendments (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            agency_id text NOT NULL, cycle_id text NOT NULL, standards text[] NOT NULL, reason text NOT NULL,
            amended_by text NOT NULL, amended_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.s11_risk_flags (
            partnership_id text NOT NULL, agency_id text NOT NULL, domain_id text NOT NULL,
            cycle_id text NOT NULL, rating integer NOT NULL, reason text NOT NULL,
            open boolean NOT NULL, raised_at timestamptz NOT NULL,
            event_id uuid NOT NULL, position bigint NOT NULL,
            cleared_event_id uuid, cleared_position bigint, cleared_at timestamptz,
            PRIMARY KEY (partnership_id, agency_id, domain_id, event_id));
        CREATE TABLE IF NOT EXISTS {schema}.s11_call_ins (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            agency_id text NOT NULL, cycle_id text NOT NULL, domain_id text NOT NULL, rating integer NOT NULL,
            reason text NOT NULL, proposed_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.s11_surveys (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            agency_id text NOT NULL, cycle_id text NOT NULL, survey_id text NOT NULL, statement text NOT NULL,
            domain_id text, agree_percent double precision NOT NULL, respondents integer NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.s11_confidence_gaps (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            agency_id text NOT NULL, cycle_id text NOT NULL, survey_id text NOT NULL, domain_id text,
            self_rating integer NOT NULL, agree_percent double precision NOT NULL,
            threshold_percent double precision NOT NULL, reason text NOT NULL, flagged_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.s11_workshops (
            event_id uuid PRIMARY KEY, position bigint NOT NULL, partnership_id text NOT NULL,
            cycle_id text NOT NULL, workshop_id text NOT NULL, domain_id text NOT NULL, purpose text NOT NULL,
            agency_ids text[] NOT NULL, hold_by date NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.s11_prompts (
            partnership_id text NOT NULL, agency_id text NOT NULL, prompt_id text NOT NULL,
            assurance_event_id text NOT NULL, activity_type text NOT NULL, title text NOT NULL, finding int NOT NULL,
            cycle_id text, answer text, answered_by text, answered_at timestamptz,
            event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, agency_id, prompt_id));
        -- The pages read these by partnership: without an index each read scans every partnership's rows.
        CREATE INDEX IF NOT EXISTS s11_submissions_partnership ON {schema}.s11_submissions (partnership_id, position);
        CREATE INDEX IF NOT EXISTS s11_amendments_partnership ON {schema}.s11_amendments (partnership_id, position);
        CREATE INDEX IF NOT EXISTS s11_call_ins_partnership ON {schema}.s11_call_ins (partnership_id, position);
        CREATE INDEX IF NOT EXISTS s11_surveys_partnership ON {schema}.s11_surveys (partnership_id, position);
        CREATE INDEX IF NOT EXISTS s11_confidence_gaps_partnership ON {schema}.s11_confidence_gaps (partnership_id, position);
        CREATE INDEX IF NOT EXISTS s11_workshops_partnership ON {schema}.s11_workshops (partnership_id, position);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e, p, s = envelope, envelope.partnership_id, schema
        match e.event:
            case AuditCycleOpened() as opened:
                await conn.execute(
                    f"INSERT INTO {s}.s11_cycles VALUES ($1,$2,$3,$4,$5,NULL,$6,$7,NULL) ON CONFLICT DO NOTHING",
                    p, opened.cycle_id, opened.opened_on, opened.due_on, len(opened.agency_ids), e.event_id, e.position,
                )
                await conn.execute(
                    f"INSERT INTO {s}.s11_returns (partnership_id, agency_id, cycle_id, due_on, status, event_id, position)"
                    " SELECT $1, agency, $2, $3, 'due', $4, $5 FROM unnest($6::text[]) AS a(agency)"
                    " ON CONFLICT DO NOTHING",
                    p, opened.cycle_id, opened.due_on, e.event_id, e.position, opened.agency_ids,
                )
            case AuditCycleClosed() as closed:
                await conn.execute(
                    f"UPDATE {s}.s11_cycles SET closed_on = $3, closed_event_id = $4 WHERE partnership_id = $1 AND cycle_id = $2",
                    p, closed.cycle_id, closed.closed_on, e.event_id,
                )
            case SubmissionReceived() as sub:
                await self._submission(conn, s, e, sub)
            case Section11PromptAdded() as added:
                await conn.execute(
                    f"INSERT INTO {s}.s11_prompts (partnership_id, agency_id, prompt_id, assurance_event_id, activity_type, title,"
                    " finding, event_id, position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING",
                    p, added.agency_id, added.prompt_id, added.assurance_event_id, added.activity_type, added.title, added.finding,
                    e.event_id, e.position,
                )
            case Section11PromptAnswered() as answered:
                await conn.execute(
                    f"UPDATE {s}.s11_prompts SET cycle_id = $4, answer = $5, answered_by = $6, answered_at = $7, event_id = $8,"
                    " position = $9 WHERE partnership_id = $1 AND agency_id = $2 AND prompt_id = $3",
                    p, answered.agency_id, answered.prompt_id, answered.cycle_id, answered.answer, answered.answered_by,
                    e.occurred_at, e.event_id, e.position,
                )
            case SubmissionAmended() as amended:
                await conn.execute(
                    f"INSERT INTO {s}.s11_amendments VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                    e.event_id, e.position, p, amended.agency_id, amended.cycle_id, sorted(amended.answers),
                    amended.reason, amended.amended_by, e.occurred_at,
                )
                await conn.execute(
                    f"UPDATE {s}.s11_returns SET amendments = amendments + 1 WHERE partnership_id = $1 AND agency_id = $2 AND "
                    f"cycle_id = $3",
                    p,
                    amended.agency_id,
                    amended.cycle_id,
                )
                await self._ratings(conn, s, e, amended.agency_id, amended.cycle_id, amended.domain_ratings)
            case ScoreModerated() as mod:
                await conn.execute(
                    f"UPDATE {s}.s11_ratings SET moderated_rating = $5, moderation_rationale = $6,"
                    " moderated_event_id = $7, moderated_position = $8"
                    " WHERE partnership_id = $1 AND agency_id = $2 AND cycle_id = $3 AND domain_id = $4",
                    p, mod.agency_id, mod.cycle_id, mod.domain_id, mod.moderated_rating, mod.rationale, e.event_id, e.position,
                )
            case SubmissionReminderSent() as reminder:
                await conn.execute(
                    f"UPDATE {s}.s11_returns SET reminders = reminders + 1 WHERE partnership_id = $1 AND agency_id = $2 AND cycle_id = $3",
                    p, reminder.agency_id, reminder.cycle_id,
                )
            case SubmissionOverdue() as overdue:
                await conn.execute(
                    f"UPDATE {s}.s11_returns SET status = 'overdue', event_id = $4, position = $5"
                    " WHERE partnership_id = $1 AND agency_id = $2 AND cycle_id = $3 AND status = 'due'",
                    p, overdue.agency_id, overdue.cycle_id, e.event_id, e.position,
                )
            case RiskFlagged() as flag:
                await conn.execute(
                    f"INSERT INTO {s}.s11_risk_flags"
                    " (partnership_id, agency_id, domain_id, cycle_id, rating, reason, open, raised_at, event_id, position)"
                    " VALUES ($1,$2,$3,$4,$5,$6,true,$7,$8,$9) ON CONFLICT DO NOTHING",
                    p, flag.agency_id, flag.domain_id, flag.cycle_id, flag.rating, flag.reason, e.occurred_at, e.event_id, e.position,
                )
            case RiskCleared() as cleared:
                await conn.execute(
                    f"UPDATE {s}.s11_risk_flags SET open = false, cleared_event_id = $4, cleared_position = $5, cleared_at = $6"
                    " WHERE partnership_id = $1 AND agency_id = $2 AND domain_id = $3 AND open",
                    p, cleared.agency_id, cleared.domain_id, e.event_id, e.position, e.occurred_at,
                )
            case CallInProposed() as call_in:
                await conn.execute(
                    f"INSERT INTO {s}.s11_call_ins VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING",
                    e.event_id, e.position, p, call_in.agency_id, call_in.cycle_id, call_in.domain_id, call_in.rating,
                    call_in.reason, e.occurred_at,
                )
            case PractitionerSurveyRecorded() as survey:
                await conn.execute(
                    f"INSERT INTO {s}.s11_surveys VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING",
                    e.event_id, e.position, p, survey.agency_id, survey.cycle_id, survey.survey_id, survey.statement,
                    survey.domain_id, survey.agree_percent, survey.respondents,
                )
            case ConfidenceGapFlagged() as gap:
                await conn.execute(
                    f"INSERT INTO {s}.s11_confidence_gaps VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
                    e.event_id, e.position, p, gap.agency_id, gap.cycle_id, gap.survey_id, gap.domain_id, gap.self_rating,
                    gap.agree_percent, gap.threshold_percent, gap.reason, e.occurred_at,
                )
            case PeerChallengeWorkshopScheduled() as workshop:
                await conn.execute(
                    f"INSERT INTO {s}.s11_workshops VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING",
                    e.event_id, e.position, p, workshop.cycle_id, workshop.workshop_id, workshop.domain_id,
                    workshop.purpose, workshop.agency_ids, workshop.hold_by,
                )

    async def _submission(self, conn: asyncpg.Connection, s: str, e: Envelope, sub: SubmissionReceived) -> None:
        p = e.partnership_id
        await conn.execute(
            f"INSERT INTO {s}.s11_submissions VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING",
            e.event_id, e.position, p, sub.agency_id, sub.cycle_id, sub.submission_id, e.occurred_at,
            sub.due_on, sub.late, sub.also_submitted_to,
        )
        status = "late" if sub.late else "submitted"
        await conn.execute(
            f"INSERT INTO {s}.s11_returns (partnership_id, agency_id, cycle_id, due_on, status, submitted_at, late, event_id, position)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (partnership_id, agency_id, cycle_id) DO UPDATE SET"
            " status = excluded.status, submitted_at = excluded.submitted_at, late = excluded.late,"
            " event_id = excluded.event_id, position = excluded.position",
            p, sub.agency_id, sub.cycle_id, sub.due_on, status, e.occurred_at, sub.late, e.event_id, e.position,
        )
        await self._ratings(conn, s, e, sub.agency_id, sub.cycle_id, sub.domain_ratings)

    async def _ratings(
        self, conn: asyncpg.Connection, s: str, e: Envelope, agency_id: str, cycle_id: str, ratings: dict[str, int]
    ) -> None:
        # One statement for every domain of the return: the moderated score, if any, is kept.
        await conn.execute(
            f"INSERT INTO {s}.s11_ratings (partnership_id, agency_id, cycle_id, domain_id, self_rating, event_id, position, recorded_at)"
            " SELECT $1, $2, $3, domain, rating, $4, $5, $6 FROM unnest($7::text[], $8::int[]) AS r(domain, rating)"
            " ON CONFLICT (partnership_id, agency_id, cycle_id, domain_id) DO UPDATE SET"
            " self_rating = excluded.self_rating, event_id = excluded.event_id, position = excluded.position,"
            " recorded_at = excluded.recorded_at",
            e.partnership_id, agency_id, cycle_id, e.event_id, e.position, e.recorded_at,
            list(ratings), list(ratings.values()),
        )

    # -- a rebuild: the same, on rows in memory (shared.projections.rows) -------------------

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild."""
        e, p = envelope, envelope.partnership_id
        at = {"event_id": e.event_id, "position": e.position}
        match e.event:
            case AuditCycleOpened() as opened:
                rows.insert("s11_cycles", partnership_id=p, cycle_id=opened.cycle_id, opened_on=opened.opened_on, due_on=opened.due_on,
                            agencies=len(opened.agency_ids), **at)
                for agency in opened.agency_ids:
                    rows.insert("s11_returns", partnership_id=p, agency_id=agency, cycle_id=opened.cycle_id, due_on=opened.due_on,
                                status="due", **at)
            case AuditCycleClosed() as closed:
                rows.set("s11_cycles", (p, closed.cycle_id), closed_on=closed.closed_on, closed_event_id=e.event_id)
            case SubmissionReceived() as sub:
                rows.insert("s11_submissions", partnership_id=p, agency_id=sub.agency_id, cycle_id=sub.cycle_id,
                            submission_id=sub.submission_id, submitted_at=e.occurred_at, due_on=sub.due_on, late=sub.late,
                            also_submitted_to=list(sub.also_submitted_to), **at)
                returned = {"status": "late" if sub.late else "submitted", "submitted_at": e.occurred_at, "late": sub.late, **at}
                if rows.set("s11_returns", (p, sub.agency_id, sub.cycle_id), **returned) is None:
                    rows.insert("s11_returns", partnership_id=p, agency_id=sub.agency_id, cycle_id=sub.cycle_id, due_on=sub.due_on,
                                **returned)
                self._fold_ratings(rows, e, sub.agency_id, sub.cycle_id, sub.domain_ratings)
            case Section11PromptAdded() as added:
                rows.insert("s11_prompts", partnership_id=p, agency_id=added.agency_id, prompt_id=added.prompt_id,
                            assurance_event_id=added.assurance_event_id, activity_type=added.activity_type, title=added.title,
                            finding=added.finding, **at)
            case Section11PromptAnswered() as answered:
                rows.set("s11_prompts", (p, answered.agency_id, answered.prompt_id), cycle_id=answered.cycle_id, answer=answered.answer,
                         answered_by=answered.answered_by, answered_at=e.occurred_at, **at)
            case SubmissionAmended() as amended:
                rows.insert("s11_amendments", conflict="error", partnership_id=p, agency_id=amended.agency_id, cycle_id=amended.cycle_id,
                            standards=sorted(amended.answers), reason=amended.reason, amended_by=amended.amended_by,
                            amended_at=e.occurred_at, **at)
                key = (p, amended.agency_id, amended.cycle_id)
                if (row := rows.get("s11_returns", *key)) is not None:
                    rows.set("s11_returns", key, amendments=row["amendments"] + 1)
                self._fold_ratings(rows, e, amended.agency_id, amended.cycle_id, amended.domain_ratings)
            case ScoreModerated() as mod:
                rows.set("s11_ratings", (p, mod.agency_id, mod.cycle_id, mod.domain_id), moderated_rating=mod.moderated_rating,
                         moderation_rationale=mod.rationale, moderated_event_id=e.event_id, moderated_position=e.position)
            case SubmissionReminderSent() as reminder:
                key = (p, reminder.agency_id, reminder.cycle_id)
                if (row := rows.get("s11_returns", *key)) is not None:
                    rows.set("s11_returns", key, reminders=row["reminders"] + 1)
            case SubmissionOverdue() as overdue:
                key = (p, overdue.agency_id, overdue.cycle_id)
                if (row := rows.get("s11_returns", *key)) is not None and row["status"] == "due":
                    rows.set("s11_returns", key, status="overdue", **at)
            case RiskFlagged() as flag:
                if rows.insert("s11_risk_flags", partnership_id=p, agency_id=flag.agency_id, domain_id=flag.domain_id,
                               cycle_id=flag.cycle_id, rating=flag.rating, reason=flag.reason, open=True, raised_at=e.occurred_at, **at):
                    rows.index.setdefault("risk_flags", {}).setdefault((p, flag.agency_id, flag.domain_id), []).append(e.event_id)
            case RiskCleared() as cleared:
                for flagged in rows.index.get("risk_flags", {}).get((p, cleared.agency_id, cleared.domain_id), ()):
                    key = (p, cleared.agency_id, cleared.domain_id, flagged)
                    if (row := rows.get("s11_risk_flags", *key)) is not None and row["open"]:
                        rows.set("s11_risk_flags", key, open=False, cleared_event_id=e.event_id, cleared_position=e.position,
                                 cleared_at=e.occurred_at)
            case CallInProposed() as call_in:
                rows.insert("s11_call_ins", partnership_id=p, agency_id=call_in.agency_id, cycle_id=call_in.cycle_id,
                            domain_id=call_in.domain_id, rating=call_in.rating, reason=call_in.reason, proposed_at=e.occurred_at, **at)
            case PractitionerSurveyRecorded() as survey:
                rows.insert("s11_surveys", partnership_id=p, agency_id=survey.agency_id, cycle_id=survey.cycle_id,
                            survey_id=survey.survey_id, statement=survey.statement, domain_id=survey.domain_id,
                            agree_percent=survey.agree_percent, respondents=survey.respondents, **at)
            case ConfidenceGapFlagged() as gap:
                rows.insert("s11_confidence_gaps", partnership_id=p, agency_id=gap.agency_id, cycle_id=gap.cycle_id,
                            survey_id=gap.survey_id, domain_id=gap.domain_id, self_rating=gap.self_rating, agree_percent=gap.agree_percent,
                            threshold_percent=gap.threshold_percent, reason=gap.reason, flagged_at=e.occurred_at, **at)
            case PeerChallengeWorkshopScheduled() as workshop:
                rows.insert("s11_workshops", partnership_id=p, cycle_id=workshop.cycle_id, workshop_id=workshop.workshop_id,
                            domain_id=workshop.domain_id, purpose=workshop.purpose, agency_ids=list(workshop.agency_ids),
                            hold_by=workshop.hold_by, **at)

    def _fold_ratings(self, rows: Rows, e: Envelope, agency_id: str, cycle_id: str, ratings: dict[str, int]) -> None:
        for domain, rating in ratings.items():
            rated = {"self_rating": rating, "event_id": e.event_id, "position": e.position, "recorded_at": e.recorded_at}
            if rows.set("s11_ratings", (e.partnership_id, agency_id, cycle_id, domain), **rated) is None:
                rows.insert(
                    "s11_ratings", partnership_id=e.partnership_id, agency_id=agency_id, cycle_id=cycle_id, domain_id=domain, **rated
                )
