"""The command path's statements find their rows by index however small the tables were
when their plans were made.

PostgreSQL keeps a statement's generic plan for the connection (asyncpg's prepared
statements, and each statement inside `append_linked`), and a plan made while the store
was small may scan a table whole: cheap then, and then paid again on every call as the
store grows, until autovacuum analyses the table. Three statements on every request did
that (the append's checks, the read of a request's stream, the relay's read of what to
publish): each call read every event stored. Here one connection's plans are made on an
empty store, the store then grows, and PostgreSQL's own count of the rows read by whole
scans of the events (`pg_stat_user_tables.seq_tup_read`) must stay far below one scan per
call."""

from uuid import uuid4

import asyncpg
import nats
import pytest

from shared.catalogue.section11 import Answer, SubmissionReceived
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import Subjects
from shared.outbox import OutboxRelay
from shared.waiting import eventually
from tests.support.events import WHEN, metadata

pytestmark = pytest.mark.integration

APPENDS = 240


def _return(n: int) -> SubmissionReceived:
    """A return with a personal text, so that its record's key is made and checked too."""
    return SubmissionReceived(
        submission_id=f"s{n}-{uuid4()}", agency_id="humberside-police", cycle_id="2026-27",
        domain_ratings={"leadership-and-governance": 3}, submitted_by="lead (invented)",
        answers={"standard-1": Answer(rating=3, narrative="practice seen in an invented case", evidence=[])},
    )


async def _scanned(database: str, schema: str, inserted: int) -> int:
    """Rows of `schema.events` read by whole scans, once every backend's counts are in."""
    conn = await asyncpg.connect(database)
    try:
        async def counted() -> bool:
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            n = await conn.fetchval(
                "SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'events'", schema
            )
            return n == inserted

        await eventually(counted, timeout=30, what="the closed connections' table counts")
        return await conn.fetchval(
            "SELECT seq_tup_read FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'events'", schema
        )
    finally:
        await conn.close()


async def test_a_growing_store_is_read_by_index_on_plans_made_while_it_was_empty(
    database: str, nats_url: str, namespace: str
) -> None:
    subjects = Subjects(namespace)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, subjects)
    # One connection for all: every plan is made on the empty store and kept as it grows.
    pool = await asyncpg.create_pool(database, min_size=1, max_size=1)
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    relay = OutboxRelay(pool, "section11", js, subjects)
    try:
        for n in range(APPENDS):
            stream = f"s11-return:plans:{n}"
            await store.append(stream, 0, new_envelopes(stream, 0, [_return(n)], metadata(), WHEN))
            assert [e.stream_version for e in await store.read_stream(stream)] == [1]
            assert await relay.relay_once() == 1
    finally:
        await store.close()
        await pool.close()  # its backend ends, and hands in its counts
        await nc.close()

    scanned = await _scanned(database, "section11", APPENDS)
    # One whole scan a call would be about APPENDS**2 / 2 rows for each statement that does it.
    assert scanned < APPENDS, f"{scanned} events read by whole scans over {APPENDS} appends"
