"""The notifier: the events people must act on, turned into messages to the people concerned.

A projection (shared/projections) with a runner of its own, schema `reporting_notices`:
it is fed the very batches the reporting projections are, on the same JetStream consumers
(`AlsoNotify` stands in for the runner there), and each batch's messages are written in
the transaction that advances its own checkpoints, so a redelivered event is skipped and
a crash loses and doubles nothing. It is not one of the read models: `scrutiny replay`,
an as-of dashboard and the evidence export rebuild those from history, and a rebuild
must not tell anyone anything again. On a database with a history already, it starts at
the stores' heads: people are told of what happens from then on, not of the past.

Who is told of what is domain/people/notices.py; the people holding the roles (by agency
or partner, a grant still current on the event's London day) are found in the accounts'
tables, in the same transaction. A person holding two of the roles told gets one message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import asyncpg
from opentelemetry import trace

from services.reporting.adapters.people.messages import SCHEMA as PEOPLE
from services.reporting.adapters.people.messages import message_id
from services.reporting.adapters.records_store import RecordsStore
from services.reporting.adapters.sources import OWN_SOURCE, SOURCES
from services.reporting.domain.people.notices import RULES, Proposal, Words, notice_for, proposal_of
from shared import london
from shared.catalogue.events import AssuranceEventProposed, AssuranceReportDrafted
from shared.envelope import Envelope
from shared.eventstore.postgres import PostgresEventStore
from shared.profiles.schema import FrameworkProfile
from shared.projections import Projection, ProjectionRunner
from shared.projections.opening import Opener

SCHEMA = "reporting_notices"
_tracer = trace.get_tracer("scrutiny.notifications")
CALLED = {"business-unit": "The business unit", "section11": "Section 11 (a call-in)"}


class Notifier(Projection):
    name = "notifier"
    reads = frozenset(RULES) | {AssuranceEventProposed.event_type, AssuranceReportDrafted.event_type}

    def __init__(self, partnerships: Mapping[str, FrameworkProfile]) -> None:
        self._partnerships = partnerships
        self._words: dict[str, Words] = {}

    def tables(self) -> list[str]:
        return ["proposals"]  # never the messages: a reset of the notifier un-sends nothing

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {schema}.proposals (
            partnership_id text NOT NULL, assurance_event_id text NOT NULL, activity_type text NOT NULL,
            agency_id text, report_agreers text[] NOT NULL, PRIMARY KEY (partnership_id, assurance_event_id));
        """

    async def apply(self, conn: asyncpg.Connection, schema: str, envelope: Envelope) -> None:
        event = envelope.event
        proposal: Proposal | None = None
        if isinstance(event, AssuranceEventProposed):
            proposal = proposal_of(event)
            await conn.execute(
                f"INSERT INTO {schema}.proposals VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partnership_id, assurance_event_id)"
                " DO UPDATE SET activity_type = excluded.activity_type, agency_id = excluded.agency_id,"
                " report_agreers = excluded.report_agreers",
                envelope.partnership_id, event.assurance_event_id, proposal.activity_type, proposal.agency_id,
                list(proposal.report_agreers),
            )
        elif isinstance(event, AssuranceReportDrafted):
            row = await conn.fetchrow(
                f"SELECT * FROM {schema}.proposals WHERE partnership_id = $1 AND assurance_event_id = $2",
                envelope.partnership_id, event.assurance_event_id,
            )
            proposal = Proposal(row["activity_type"], row["agency_id"], tuple(row["report_agreers"])) if row else None
        profile = self._partnerships.get(envelope.partnership_id)
        tell = profile.notifications.tell if profile is not None else None
        notice = notice_for(event, self._words_of(envelope.partnership_id), proposal, tell)
        if notice is None:
            return
        at = envelope.recorded_at or envelope.occurred_at
        day = london.local_day(at)
        found: dict[str, bool] = {}  # account -> takes a digest
        for told in notice.told:
            rows = await conn.fetch(
                f"SELECT g.account_id, coalesce(p.digest, false) AS digest FROM {PEOPLE}.grants g"
                f" JOIN {PEOPLE}.accounts a USING (account_id)"
                f" LEFT JOIN {PEOPLE}.message_preferences p USING (account_id)"
                " WHERE g.partnership_id = $1 AND g.role = $2 AND ($3::text[] IS NULL OR g.scope = ANY($3))"
                " AND (g.until IS NULL OR g.until >= $4) ORDER BY g.account_id",
                envelope.partnership_id, told.role.value, list(told.scopes) if told.scopes is not None else None, day,
            )
            for row in rows:
                found.setdefault(row["account_id"], row["digest"])
        for account_id, digest in found.items():
            await conn.execute(
                f"INSERT INTO {PEOPLE}.messages (message_id, event_id, account_id, partnership_id, kind, subject, body,"
                " link, created_at, digest, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)"
                " ON CONFLICT (message_id) DO NOTHING",
                message_id(envelope.event_id, account_id), envelope.event_id, account_id, envelope.partnership_id,
                notice.kind, notice.subject, notice.body, notice.link, at, digest,
            )

    def _words_of(self, partnership_id: str) -> Words:
        if partnership_id not in self._words:
            profile = self._partnerships.get(partnership_id)
            names = dict(CALLED)
            if profile is not None:
                names |= {g.id: g.name for g in profile.groups}  # where an early warning is raised to
                names |= {a.id: a.name for a in profile.activities}
                names |= {a.id: a.name for a in profile.agencies}
                names |= {p.id: p.name for p in profile.statutory_partners}
            self._words[partnership_id] = Words(partnership_id, profile.name if profile else partnership_id, names)
        return self._words[partnership_id]


def sources_of(pool: asyncpg.Pool) -> dict[str, PostgresEventStore]:
    sources = {name: PostgresEventStore(pool, name) for name in SOURCES}
    sources[OWN_SOURCE] = RecordsStore(pool)
    return sources


async def notifier_runner(pool: asyncpg.Pool, partnerships: Mapping[str, FrameworkProfile],
                          sources: dict[str, PostgresEventStore]) -> ProjectionRunner:
    """The notifier's runner, set up; begun at the stores' heads when it is new."""
    runner = ProjectionRunner(pool, SCHEMA, [Notifier(partnerships)], sources)
    new = await pool.fetchval("SELECT to_regclass($1) IS NULL", f"{SCHEMA}.checkpoints")
    await runner.setup()
    if new:
        for source, store in sources.items():
            await pool.execute(f"UPDATE {SCHEMA}.checkpoints SET position = $2 WHERE source = $1", source, await store.head())
    return runner


class AlsoNotify:
    """Stands in for the projection runner on reporting's live consumers: a batch is applied
    to the read models, then to the notifier (each with its own checkpoint, both before the
    batch is acknowledged), then whoever sends messages is told there may be more."""

    def __init__(self, projections: ProjectionRunner, notifier: ProjectionRunner,
                 notified: Sequence[Callable[[], None]] = ()) -> None:
        self._projections = projections
        self._notifier = notifier
        self._notified = list(notified)

    def opener(self) -> Opener:
        """Opens a batch's texts once for both runners."""
        return self._projections.opener().joined(self._notifier.opener())

    async def apply(
        self, source: str, envelopes: Sequence[Envelope], *, traced: bool = True, opened_above: int | None = None
    ) -> int:
        applied = await self._projections.apply(source, envelopes, traced=traced, opened_above=opened_above)
        # Its own span, not linked to the requests' traces: their projection span is the one that is.
        with _tracer.start_as_current_span(f"notify {source}", attributes={"scrutiny.events": len(envelopes)}):
            made = await self._notifier.apply(source, envelopes, traced=False, opened_above=opened_above)
        if made:
            for wake in self._notified:
                wake()
        return applied
