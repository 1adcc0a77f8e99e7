"""The store's one-round-trip append (`PostgresEventStore._write_linked`, schema.sql's
`append_linked`): a batch linked on what the store saw at its last commit is written only
when that still holds under the lock; otherwise it goes the long way, and the guarantees
are the same either way (positions contiguous, the chains and their heads intact, the
outbox complete, repeats answered with the originals, personal texts sealed under the key
that is stored)."""

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import pytest

from shared.catalogue.section11 import Answer, SubmissionReceived
from shared.envelope import Envelope
from shared.eventstore import ConcurrencyError
from shared.eventstore.linked_batch import unsent
from shared.eventstore.postgres import PostgresEventStore
from shared.eventstore.verify import verify_store
from shared.mapper import new_envelopes
from shared.personal_data import ERASED, erase, open_envelopes, person_subject
from shared.waiting import eventually
from tests.support.events import WHEN, envelopes, metadata

pytestmark = pytest.mark.integration

P = "north-lincolnshire"  # metadata()'s


class CountingStore(PostgresEventStore):
    """The real store, counting the batches written in one round trip."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.one_trip = 0
        self.linked_ahead = 0  # batches sent as linked while the batch before was written

    async def _write_linked(self, conn, batch, linked=None):  # type: ignore[no-untyped-def]
        self.linked_ahead += unsent(linked, batch, self._seen) is not None
        written = await super()._write_linked(conn, batch, linked)
        self.one_trip += written is not None
        return written


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    yield pool
    await pool.close()


async def _intact(pool: asyncpg.Pool, schema: str) -> None:
    async with pool.acquire() as conn:
        assert (await verify_store(conn, schema)).intact
        positions = [r["position"] for r in await conn.fetch(f"SELECT position FROM {schema}.events ORDER BY position")]
        assert positions == list(range(1, len(positions) + 1))
        outbox = [r["position"] for r in await conn.fetch(f"SELECT position FROM {schema}.outbox ORDER BY position")]
        assert outbox == positions


async def test_two_stores_on_one_schema_take_turns_and_the_chain_holds(pool: asyncpg.Pool) -> None:
    """Each store's view goes stale when the other appends: its next batch goes the long
    way, and the one after is written in one round trip again."""
    a, b = CountingStore(pool, "section11"), CountingStore(pool, "section11")
    await a.create_schema()
    try:
        for n in range(4):
            for store in (a, a, b):
                stream = f"s-{n}-{uuid4()}"
                await store.append(stream, 0, envelopes(stream, 0, 2, partnership=f"p{n % 2}"))
        # Only a's second append of each round follows its own last commit.
        assert (a.one_trip, b.one_trip) == (4, 0)
        await _intact(pool, "section11")
    finally:
        await a.close()
        await b.close()


async def test_the_next_batch_is_linked_while_one_is_written_and_linked_again_when_that_one_is_refused(
    pool: asyncpg.Pool,
) -> None:
    """Thirty appends at once, ten a batch: the first batch holds a stale version, so
    `append_linked` refuses it whole and it goes the long way; the second, linked meanwhile
    on what the first would have left, is linked again and sent; the third, linked while the
    second was written, is sent as it was. Each text is sealed and opened as typed."""
    store = CountingStore(pool, "section11", max_batch=10)
    await store.create_schema()
    try:
        await store.append(f"warm-{uuid4()}", 0, envelopes("warm", 0, 1))  # the long way: nothing seen yet
        streams = [f"s11-return:{uuid4()}" for _ in range(30)]
        typed = [_typed(stream, f"practice note {n}", f"lead {n % 4} (invented)") for n, stream in enumerate(streams)]
        outcomes = await asyncio.gather(
            store.append(streams[0], 1, typed[0]),  # stale: the stream is new
            *(store.append(stream, 0, batch) for stream, batch in zip(streams[1:], typed[1:], strict=True)),
            return_exceptions=True,
        )
        assert isinstance(outcomes[0], ConcurrencyError)
        assert all(isinstance(o, list) for o in outcomes[1:])
        assert (store.one_trip, store.linked_ahead) == (2, 1)
        opened = await open_envelopes(pool, [(await store.read_stream(s))[0] for s in streams[1:]])
        assert [e.payload()["answers"]["standard-1"]["narrative"] for e in opened] == [f"practice note {n}" for n in range(1, 30)]
        await _intact(pool, "section11")
    finally:
        await store.close()


async def test_appends_waiting_with_none_being_written_are_sent_in_two_halves(pool: asyncpg.Pool) -> None:
    """Twenty appends at once, with nothing being written: ten are sent, and the other ten are
    linked while the database writes those, then sent as linked. (The person who typed them
    has a key in each partnership already: a key not yet stored is read when a batch is sent.)"""
    store = CountingStore(pool, "section11")
    await store.create_schema()
    try:
        for warm in (f"warm-{n}-{uuid4()}" for n in range(3)):
            await store.append(warm, 0, envelopes(warm, 0, 1, partnership=f"p{warm[5]}"))
        store.one_trip = 0
        streams = [f"s-{uuid4()}" for _ in range(20)]
        await asyncio.gather(
            *(store.append(stream, 0, envelopes(stream, 0, 1, partnership=f"p{n % 3}")) for n, stream in enumerate(streams))
        )
        assert (store.one_trip, store.linked_ahead) == (2, 1)
        assert [len(await store.read_stream(stream)) for stream in streams] == [1] * 20
        await _intact(pool, "section11")
    finally:
        await store.close()


async def test_stale_versions_and_repeats_after_a_one_trip_append(pool: asyncpg.Pool) -> None:
    store = CountingStore(pool, "section11")
    await store.create_schema()
    try:
        stream = f"s-{uuid4()}"
        await store.append(f"warm-{uuid4()}", 0, envelopes("warm", 0, 1))  # the long way: nothing seen yet
        batch = envelopes(stream, 0, 2)
        original = await store.append(stream, 0, batch)
        assert store.one_trip == 1
        assert [e.position for e in await store.append(stream, 0, batch)] == [e.position for e in original]
        with pytest.raises(ConcurrencyError):
            await store.append(stream, 1, envelopes(stream, 1, 1))
        assert len(await store.read_stream(stream)) == 2
        await _intact(pool, "section11")
    finally:
        await store.close()


def _typed(stream: str, text: str, by: str) -> list[Envelope]:
    event = SubmissionReceived(
        submission_id=str(uuid4()), agency_id="humberside-police", cycle_id="2026-27",
        domain_ratings={"leadership-and-governance": 3}, submitted_by=by,
        answers={"standard-1": Answer(rating=3, narrative=text, evidence=[])},
    )
    return new_envelopes(stream, 0, [event], metadata(), envelopes(stream, 0, 1)[0].occurred_at)


async def test_typed_text_is_sealed_under_the_keys_stored_with_it(pool: asyncpg.Pool) -> None:
    """A record's first key is made by the one-round-trip append and stored with its events;
    a key another store made first is the one used."""
    one, other = CountingStore(pool, "section11"), CountingStore(pool, "reviews")
    await one.create_schema()
    await other.create_schema()
    try:
        await one.append(f"warm-{uuid4()}", 0, envelopes("warm", 0, 1))
        await other.append(f"warm-{uuid4()}", 0, envelopes("warm", 0, 1))
        stored = []
        for n in range(3):
            stream = f"s11-return:{uuid4()}"
            writer = (one, other, one)[n]
            stored += await writer.append(stream, 0, _typed(stream, f"practice note {n}", "lead (invented)"))
        assert one.one_trip == 2 and other.one_trip == 1
        async with pool.acquire() as conn:
            rows = [await conn.fetchval(f"SELECT payload::text FROM {e.store}.events WHERE event_id = $1", e.event_id) for e in stored]
            assert all("practice note" not in row for row in rows)  # sealed in the row
            keys = await conn.fetchval("SELECT count(*) FROM keys.subject_keys")
        opened = await open_envelopes(pool, [(await s.read_stream(e.stream_id))[0] for s, e in zip((one, other, one), stored, strict=True)])
        assert [e.payload()["answers"]["standard-1"]["narrative"] for e in opened] == [f"practice note {n}" for n in range(3)]
        assert keys == 4  # three records' keys and one for the person who typed, made once
        await _intact(pool, "section11")
        await _intact(pool, "reviews")
    finally:
        await one.close()
        await other.close()


async def _key_id(pool: asyncpg.Pool, subject: str) -> UUID | None:
    return await pool.fetchval("SELECT key_id FROM keys.subject_keys WHERE partnership_id = $1 AND subject = $2", P, subject)


async def test_a_kept_key_erased_meanwhile_seals_nothing_more(pool: asyncpg.Pool) -> None:
    """The store keeps the keys it sealed with, so a batch needs no key read; once an erasure
    deletes one (the person's), `append_linked` refuses the next batch sealed with it, the
    batch goes the long way and the person has a new key: the erased one seals nothing new."""
    store = CountingStore(pool, "section11")
    await store.create_schema()
    person = person_subject(P, "lead (invented)")
    try:
        await store.append(f"warm-{uuid4()}", 0, envelopes("warm", 0, 1))
        first_stream, second_stream, third_stream = (f"s11-return:{uuid4()}" for _ in range(3))
        [first] = await store.append(first_stream, 0, _typed(first_stream, "note one", "lead (invented)"))
        assert store.one_trip == 1
        erased = await _key_id(pool, person)
        async with pool.acquire() as conn:
            assert await erase(conn, P, person, requested_by="dpo", reason="asked", at=WHEN, stores=["section11"])
        [second] = await store.append(second_stream, 0, _typed(second_stream, "note two", "lead (invented)"))
        assert store.one_trip == 1  # refused under the lock: the long way
        made = await _key_id(pool, person)
        assert made is not None and made != erased
        row = await pool.fetchval("SELECT payload::text FROM section11.events WHERE event_id = $1", second.event_id)
        assert made.hex in row and erased is not None and erased.hex not in row
        await store.append(third_stream, 0, _typed(third_stream, "note three", "lead (invented)"))
        assert store.one_trip == 2  # the new key kept, checked and used
        opened = await open_envelopes(pool, [(await store.read_stream(s))[0] for s in (first_stream, second_stream, third_stream)])
        assert [e.payload()["answers"]["standard-1"]["narrative"] for e in opened] == [ERASED, "note two", "note three"]
        await _intact(pool, "section11")
    finally:
        await store.close()


async def test_an_erasure_waits_for_an_append_sealing_with_the_key(pool: asyncpg.Pool) -> None:
    """An append holds its subjects' keys from erasure until it commits (KEY_LOCK): the erasure
    deletes the key after, and counts the event that append stored."""
    store = PostgresEventStore(pool, "section11")
    await store.create_schema()
    person = person_subject(P, "lead (invented)")
    try:
        first_stream, second_stream = f"s11-return:{uuid4()}", f"s11-return:{uuid4()}"
        await store.append(first_stream, 0, _typed(first_stream, "note one", "lead (invented)"))
        async with pool.acquire() as held, pool.acquire() as conn:
            transaction = held.transaction()
            await transaction.start()
            await store.append_on(held, second_stream, 0, _typed(second_stream, "note two", "lead (invented)"))
            erasing = asyncio.create_task(erase(conn, P, person, requested_by="dpo", reason="asked", at=WHEN, stores=["section11"]))
            await eventually(
                lambda: pool.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"),
                what="the erasure waiting for the append's key lock",
            )
            assert not erasing.done()
            await transaction.commit()
            record = await erasing
        assert record is not None and record.events == {"section11": 2}
        assert await _key_id(pool, person) is None
    finally:
        await store.close()
