"""The independent scrutineer's workspace as read models: the register of appointments
and conflicts of interest, challenges with their answers, recommendations with their
responses and judgement, the scrutineer's annual report's sign-off and publication.
Every row names the event behind it; the texts arrive opened (shared.personal_data)."""

import json

import asyncpg

from shared.catalogue import scrutiny as x
from shared.envelope import Envelope
from shared.projections import Projection
from shared.projections.projection import event_types
from shared.projections.rows import Rows


class ScrutinyProjection(Projection):
    name = "scrutiny"
    folds = True
    append_only = frozenset({"scrutiny_conflicts"})
    reads = event_types(
        x.AppointmentEnded, x.ChallengeAnswered, x.ChallengeClosed, x.ChallengeRaised, x.ConflictOfInterestRecorded,
        x.RecommendationJudged, x.RecommendationMade, x.RecommendationResponded, x.ScrutineerAppointed,
        x.ScrutineerReportPublished, x.ScrutineerReportSignedOff,
    )

    def tables(self) -> list[str]:
        return ["scrutiny_appointments", "scrutiny_conflicts", "scrutiny_challenges", "scrutiny_recommendations",
                "scrutineer_reports"]

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.scrutiny_appointments (
            partnership_id text NOT NULL, scrutineer_id text NOT NULL, appointment_id text NOT NULL, name text NOT NULL,
            activity_id text NOT NULL, activity_name text NOT NULL, starts_on date NOT NULL, ends_on date NOT NULL,
            ended_on date, end_reason text NOT NULL DEFAULT '', event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, scrutineer_id, appointment_id));
        CREATE TABLE IF NOT EXISTS {schema}.scrutiny_conflicts (
            event_id uuid PRIMARY KEY, partnership_id text NOT NULL, scrutineer_id text NOT NULL, conflict_id text NOT NULL,
            interest_in text NOT NULL, interest_in_name text NOT NULL, description text NOT NULL, declared_on date NOT NULL,
            position bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS {schema}.scrutiny_challenges (
            partnership_id text NOT NULL, challenge_id text NOT NULL, scrutineer_id text NOT NULL, record_kind text NOT NULL,
            record_id text NOT NULL, record_event_id text NOT NULL, put_to text NOT NULL, text text NOT NULL,
            raised_on date NOT NULL, answer_by date, status text NOT NULL, outcome text, closed_on date,
            close_note text NOT NULL DEFAULT '', answers jsonb NOT NULL DEFAULT '[]',
            event_id uuid NOT NULL, position bigint NOT NULL, PRIMARY KEY (partnership_id, challenge_id));
        CREATE TABLE IF NOT EXISTS {schema}.scrutiny_recommendations (
            partnership_id text NOT NULL, recommendation_id text NOT NULL, scrutineer_id text NOT NULL, made_to text NOT NULL,
            made_to_name text NOT NULL, text text NOT NULL, record_kind text, record_id text, made_on date NOT NULL,
            respond_by date, responses jsonb NOT NULL DEFAULT '[]', acted_upon boolean, judged_on date,
            judge_note text NOT NULL DEFAULT '', event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, recommendation_id));
        CREATE TABLE IF NOT EXISTS {schema}.scrutineer_reports (
            partnership_id text NOT NULL, year integer NOT NULL, scrutineer_id text NOT NULL, summary text NOT NULL,
            signed_off_on date NOT NULL, published_on date, link text, event_id uuid NOT NULL, position bigint NOT NULL,
            PRIMARY KEY (partnership_id, year));
        -- The pages read these by partnership: without an index each read scans every partnership's rows.
        CREATE INDEX IF NOT EXISTS scrutiny_conflicts_partnership ON {schema}.scrutiny_conflicts (partnership_id, position);
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        e, s, p, ev, pos = envelope.event, schema, envelope.partnership_id, envelope.event_id, envelope.position
        match e:
            case x.ScrutineerAppointed():
                await conn.execute(
                    f"INSERT INTO {s}.scrutiny_appointments (partnership_id, scrutineer_id, appointment_id, name, activity_id,"
                    " activity_name, starts_on, ends_on, event_id, position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
                    " ON CONFLICT DO NOTHING",
                    p, e.scrutineer_id, e.appointment_id, e.name, e.activity_id, e.activity_name, e.starts_on, e.ends_on, ev, pos,
                )
                # The register shows the scrutineer under the name most lately recorded.
                await conn.execute(f"UPDATE {s}.scrutiny_appointments SET name = $3 WHERE partnership_id = $1 AND scrutineer_id = $2",
                                   p, e.scrutineer_id, e.name)
            case x.AppointmentEnded():
                await conn.execute(
                    f"UPDATE {s}.scrutiny_appointments SET ended_on = $4, end_reason = $5"
                    " WHERE partnership_id = $1 AND scrutineer_id = $2 AND appointment_id = $3",
                    p, e.scrutineer_id, e.appointment_id, e.ended_on, e.reason,
                )
            case x.ConflictOfInterestRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.scrutiny_conflicts VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING",
                    ev, p, e.scrutineer_id, e.conflict_id, e.interest_in, e.interest_in_name, e.description, e.declared_on, pos,
                )
            case x.ChallengeRaised():
                await conn.execute(
                    f"INSERT INTO {s}.scrutiny_challenges (partnership_id, challenge_id, scrutineer_id, record_kind, record_id,"
                    " record_event_id, put_to, text, raised_on, answer_by, status, event_id, position)"
                    " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'open',$11,$12) ON CONFLICT DO NOTHING",
                    p, e.challenge_id, e.scrutineer_id, e.record.kind, e.record.record_id, e.record.event_id, e.put_to, e.text,
                    e.raised_on, e.answer_by, ev, pos,
                )
            case x.ChallengeAnswered():
                answer = {"answer": e.answer, "answered_by": e.answered_by, "answered_on": e.answered_on.isoformat(),
                          "documents": [d.model_dump() for d in e.documents], "event_id": str(ev), "position": pos}
                await conn.execute(
                    f"UPDATE {s}.scrutiny_challenges SET status = 'answered', answers = answers || $3::jsonb"
                    " WHERE partnership_id = $1 AND challenge_id = $2 AND NOT answers @> $4::jsonb",
                    p, e.challenge_id, json.dumps([answer]), json.dumps([{"event_id": str(ev)}]),
                )
            case x.ChallengeClosed():
                await conn.execute(
                    f"UPDATE {s}.scrutiny_challenges SET status = 'closed', outcome = $3, closed_on = $4, close_note = $5"
                    " WHERE partnership_id = $1 AND challenge_id = $2",
                    p, e.challenge_id, e.outcome, e.closed_on, e.note,
                )
            case x.RecommendationMade():
                await conn.execute(
                    f"INSERT INTO {s}.scrutiny_recommendations (partnership_id, recommendation_id, scrutineer_id, made_to,"
                    " made_to_name, text, record_kind, record_id, made_on, respond_by, event_id, position)"
                    " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
                    p, e.recommendation_id, e.scrutineer_id, e.made_to, e.made_to_name, e.text,
                    e.record.kind if e.record else None, e.record.record_id if e.record else None, e.made_on, e.respond_by,
                    ev, pos,
                )
            case x.RecommendationResponded():
                response = {"response": e.response, "responded_on": e.responded_on.isoformat(),
                            "documents": [d.model_dump() for d in e.documents], "event_id": str(ev), "position": pos}
                await conn.execute(
                    f"UPDATE {s}.scrutiny_recommendations SET responses = responses || $3::jsonb"
                    " WHERE partnership_id = $1 AND recommendation_id = $2 AND NOT responses @> $4::jsonb",
                    p, e.recommendation_id, json.dumps([response]), json.dumps([{"event_id": str(ev)}]),
                )
            case x.RecommendationJudged():
                await conn.execute(
                    f"UPDATE {s}.scrutiny_recommendations SET acted_upon = $3, judged_on = $4, judge_note = $5"
                    " WHERE partnership_id = $1 AND recommendation_id = $2",
                    p, e.recommendation_id, e.acted_upon, e.judged_on, e.note,
                )
            case x.ScrutineerReportSignedOff():
                await conn.execute(
                    f"INSERT INTO {s}.scrutineer_reports (partnership_id, year, scrutineer_id, summary, signed_off_on,"
                    " event_id, position) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
                    p, e.year, e.scrutineer_id, e.summary, e.signed_off_on, ev, pos,
                )
            case x.ScrutineerReportPublished():
                await conn.execute(
                    f"UPDATE {s}.scrutineer_reports SET published_on = $3, link = $4 WHERE partnership_id = $1 AND year = $2",
                    p, e.year, e.published_on, e.link,
                )

    def fold(self, rows: Rows, envelope: Envelope) -> None:
        """As `apply`, on the rows of a rebuild (shared.projections.rows)."""
        e, p, ev, pos = envelope.event, envelope.partnership_id, envelope.event_id, envelope.position
        at = {"event_id": ev, "position": pos}
        match e:
            case x.ScrutineerAppointed():
                if rows.insert("scrutiny_appointments", partnership_id=p, scrutineer_id=e.scrutineer_id, appointment_id=e.appointment_id,
                               name=e.name, activity_id=e.activity_id, activity_name=e.activity_name, starts_on=e.starts_on,
                               ends_on=e.ends_on, **at):
                    rows.index.setdefault("appointments", {}).setdefault((p, e.scrutineer_id), []).append(e.appointment_id)
                # The register shows the scrutineer under the name most lately recorded.
                for appointment in rows.index.get("appointments", {}).get((p, e.scrutineer_id), ()):
                    rows.set("scrutiny_appointments", (p, e.scrutineer_id, appointment), name=e.name)
            case x.AppointmentEnded():
                rows.set("scrutiny_appointments", (p, e.scrutineer_id, e.appointment_id), ended_on=e.ended_on, end_reason=e.reason)
            case x.ConflictOfInterestRecorded():
                rows.insert("scrutiny_conflicts", partnership_id=p, scrutineer_id=e.scrutineer_id, conflict_id=e.conflict_id,
                            interest_in=e.interest_in, interest_in_name=e.interest_in_name, description=e.description,
                            declared_on=e.declared_on, **at)
            case x.ChallengeRaised():
                rows.insert("scrutiny_challenges", partnership_id=p, challenge_id=e.challenge_id, scrutineer_id=e.scrutineer_id,
                            record_kind=e.record.kind, record_id=e.record.record_id, record_event_id=e.record.event_id, put_to=e.put_to,
                            text=e.text, raised_on=e.raised_on, answer_by=e.answer_by, status="open", **at)
            case x.ChallengeAnswered():
                answer = {"answer": e.answer, "answered_by": e.answered_by, "answered_on": e.answered_on.isoformat(),
                          "documents": [d.model_dump() for d in e.documents], "event_id": str(ev), "position": pos}
                row = rows.get("scrutiny_challenges", p, e.challenge_id)
                if row is not None and not _holds(row["answers"], str(ev)):
                    rows.set("scrutiny_challenges", (p, e.challenge_id), status="answered", answers=[*row["answers"], answer])
            case x.ChallengeClosed():
                rows.set("scrutiny_challenges", (p, e.challenge_id), status="closed", outcome=e.outcome, closed_on=e.closed_on,
                         close_note=e.note)
            case x.RecommendationMade():
                rows.insert("scrutiny_recommendations", partnership_id=p, recommendation_id=e.recommendation_id,
                            scrutineer_id=e.scrutineer_id, made_to=e.made_to, made_to_name=e.made_to_name, text=e.text,
                            record_kind=e.record.kind if e.record else None, record_id=e.record.record_id if e.record else None,
                            made_on=e.made_on, respond_by=e.respond_by, **at)
            case x.RecommendationResponded():
                response = {"response": e.response, "responded_on": e.responded_on.isoformat(),
                            "documents": [d.model_dump() for d in e.documents], "event_id": str(ev), "position": pos}
                row = rows.get("scrutiny_recommendations", p, e.recommendation_id)
                if row is not None and not _holds(row["responses"], str(ev)):
                    rows.set("scrutiny_recommendations", (p, e.recommendation_id), responses=[*row["responses"], response])
            case x.RecommendationJudged():
                rows.set("scrutiny_recommendations", (p, e.recommendation_id), acted_upon=e.acted_upon, judged_on=e.judged_on,
                         judge_note=e.note)
            case x.ScrutineerReportSignedOff():
                rows.insert("scrutineer_reports", partnership_id=p, year=e.year, scrutineer_id=e.scrutineer_id, summary=e.summary,
                            signed_off_on=e.signed_off_on, **at)
            case x.ScrutineerReportPublished():
                rows.set("scrutineer_reports", (p, e.year), published_on=e.published_on, link=e.link)


def _holds(items: list[dict[str, object]], event_id: str) -> bool:
    """`items @> [{"event_id": event_id}]`: one of them came from that event."""
    return any(isinstance(i, dict) and i.get("event_id") == event_id for i in items)
