"""The event store on PostgreSQL, with group commit.

Appends queue up and one writer per process commits them in batches: each
batch is one transaction that takes the events table's EXCLUSIVE lock, so
positions are handed out in commit order (plain SELECTs are not blocked). A batch
linked on what this store saw at its last commit is written in one round trip by
`{schema}.append_linked`, which checks that under the lock (`_write_linked`); otherwise
it is checked and written step by step (`_write`).
Over 300 lines because appending, idempotency, sealing and coalesced reads share that
transaction and lock discipline, which is clearer read in one place.
"""

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any
from uuid import UUID

import asyncpg

from shared.clock import Clock, SystemClock
from shared.ddl import apply_ddl
from shared.envelope import Envelope
from shared.eventstore.interface import EventStore
from shared.eventstore.key_cache import KeyCache
from shared.eventstore.linked_batch import LinkedBatch, Seen, eligible, link_ahead, linked_batch, plan_keys, unsent
from shared.eventstore.linking import link
from shared.eventstore.linking import touched as last_links
from shared.eventstore.rows import COLUMNS, SQL_TYPES
from shared.eventstore.stream_cache import StreamCache
from shared.mapper import from_row
from shared.personal_data import SCHEMA as KEYS_SCHEMA
from shared.personal_data import ensure_keys, key_lock
from shared.personal_data import ensure_schema as ensure_key_tables
from shared.sealing import Sealing, seal_payloads
from shared.telemetry.metrics import EVENTS_APPENDED

_COLUMNS = ", ".join(COLUMNS)  # the table's, in order (rows.py)

# Appends waiting, with none being written, from which the writer sends half and links the
# other half meanwhile: with many writers each waiting for its append (an agency's request),
# all of them queue while one batch is written, and the next batch was linked only once that
# one had committed, the database and the Python taking turns (docs/performance.md).
HALVED_FROM = 8


# The database is away (down, restarting, failing over, the connection cut mid-query), not
# refusing one append: writing a batch's appends one by one won't help, and the request
# gateway answers these as retryable (`unavailable`) rather than parking the message.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


@dataclass
class _Append:
    stream_id: str
    expected_version: int
    envelopes: list[Envelope]
    future: asyncio.Future[list[Envelope]] = field(repr=False)


def schema_ddl(schema: str) -> str:
    template = resources.files("shared.eventstore").joinpath("schema.sql").read_text()
    return template.format(schema=schema, keys=KEYS_SCHEMA, key_lock=key_lock("c.p", "c.s", shared=True))


class PostgresEventStore(EventStore):
    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        clock: Clock | None = None,
        *,
        max_batch: int = 1000,
    ) -> None:
        super().__init__()
        self.name = schema
        self._pool = pool
        self._schema = schema
        self._clock = clock or SystemClock()
        self._max_batch = max_batch
        self._pending: list[_Append] = []
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._reads: dict[str, list[asyncio.Future[list[Envelope]]]] = {}
        self._read_wakeup = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._streams = StreamCache()  # what was read before: only what follows is fetched again
        self.stream_events_fetched = 0
        """Events this process has fetched from the database to load streams (kept streams
        fetch only what follows): what a command on a long stream costs, as a count."""
        # The last position and the chains' heads as this store last wrote or read them under
        # the lock, and whether the store's schema has `append_linked` (`_write_linked`).
        self._seen: Seen | None = None
        self._linked = True
        self._keys = KeyCache()  # subjects' keys seen stored, checked by `append_linked` before use
        self._sending: LinkedBatch | None = None  # the batch `append_linked` is writing now
        self._row_readers: list[Callable[[list[dict[str, Any]]], None]] = []
        self._sent = asyncio.Event()  # set as it is sent

    @property
    def schema(self) -> str:
        return self._schema

    def on_rows(self, reader: Callable[[list[dict[str, Any]]], None]) -> None:
        """Hand `reader` the rows of every commit this process makes, as inserted (`rows.COLUMNS`;
        the payload sealed, as the canonical JSON text the hash covers): the outbox relay
        publishes them without reading them back. A hint, like `on_appended`: another
        process's commits are not among them, and a reader tailing by position reads the store
        where it finds a gap."""
        self._row_readers.append(reader)

    def _notify_rows(self, rows: list[tuple[Any, ...]]) -> None:
        if self._row_readers:
            named = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
            for reader in self._row_readers:
                reader(named)

    async def create_schema(self) -> None:
        # Where each service connects as its own role (`shared.runtime.db_roles`), reporting
        # reads the other services' stores but may not create in their schemas: their
        # owners made them, so a store that exists in a schema this role cannot create in
        # is taken as it is. The key tables of personal data are made once for all stores.
        if not await self._pool.fetchval(
            "SELECT CASE WHEN to_regclass($1::text) IS NULL THEN true"
            " ELSE has_schema_privilege($2::text, 'CREATE') END",
            f"{self._schema}.events",
            self._schema,
        ):
            return
        await apply_ddl(self._pool, schema_ddl(self._schema))
        await ensure_key_tables(self._pool)

    async def close(self) -> None:
        for task in (self._writer, self._reader):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._writer = self._reader = None

    # -- appending -------------------------------------------------------------------------

    async def append(
        self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
    ) -> list[Envelope]:
        request = _Append(
            stream_id, expected_version, list(envelopes), asyncio.get_running_loop().create_future()
        )
        self._pending.append(request)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches(), name=f"{self.name}-writer")
        self._wakeup.set()
        return await request.future

    async def append_on(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        expected_version: int,
        envelopes: Sequence[Envelope],
    ) -> list[Envelope]:
        """Append inside the caller's open transaction (which then holds the append lock)."""
        future: asyncio.Future[list[Envelope]] = asyncio.get_running_loop().create_future()
        [outcome], _, _ = await self._write(conn, [_Append(stream_id, expected_version, list(envelopes), future)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _write_batches(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, linked = self._take(halved=True), None
            while batch:
                self._sending, sent = None, asyncio.Event()
                self._sent = sent
                commit = asyncio.create_task(self._commit(batch, linked))
                commit.add_done_callback(lambda _, sent=sent: sent.set())  # type: ignore[misc]
                # Once it has sent `append_linked` (or is done), the next batch is linked
                # meanwhile, on what this one leaves if it commits as sent.
                try:
                    await sent.wait()
                except asyncio.CancelledError:  # the store closing: the commit stops with the writer
                    commit.cancel()
                    raise
                following, sending = self._take(halved=commit.done()), self._sending
                linked = self._link_ahead(following, sending.after if sending is not None and sending.batch is batch else None)
                await commit
                batch = following

    def _take(self, *, halved: bool = False) -> list[_Append]:
        """The next batch; `halved` (nothing is being written): half of what waits, if that is
        many, so that the other half is linked while the database writes the first."""
        size = self._max_batch
        if halved and len(self._pending) >= 2 * HALVED_FROM:
            size = min(size, (len(self._pending) + 1) // 2)
        batch = self._pending[:size]
        del self._pending[:size]
        return batch

    def _link_ahead(self, batch: list[_Append], basis: Seen | None) -> LinkedBatch | None:
        """The batch sealed and linked on `basis` (what the batch in flight leaves if it commits
        as linked), while the database writes that one; None: it is linked when it is sent."""
        if not batch or basis is None or not self._linked:
            return None
        return link_ahead(self._schema, batch, basis, self._keys, self._clock.now())

    async def _commit(self, batch: list[_Append], linked: LinkedBatch | None = None) -> None:
        try:
            async with self._pool.acquire() as conn:
                written = await self._write_linked(conn, batch, linked)
                if written is not None:
                    outcomes, rows = written
                else:
                    # BEGIN and the lock in one round trip (one simple query of two statements).
                    await conn.execute(f"BEGIN; LOCK TABLE {self._schema}.events IN EXCLUSIVE MODE")
                    try:
                        outcomes, rows, keys = await self._write(conn, batch, locked=True)
                        await conn.execute("COMMIT")
                        self._keys.put(keys)  # read (or made) under the key locks, and committed
                    except BaseException:
                        if not conn.is_closed():
                            with contextlib.suppress(Exception):
                                await conn.execute("ROLLBACK")
                        raise
        except Exception as exc:
            if len(batch) > 1 and not isinstance(exc, UNREACHABLE):
                # One append the database refuses (a constraint, a trigger, a value it
                # cannot store) must not fail the others that shared its transaction:
                # each is written alone, and only the faulty one hears of its fault.
                for request in batch:
                    await self._commit([request])
                return
            for request in batch:  # the transaction failed: every caller hears why
                if not request.future.done():
                    request.future.set_exception(exc)
            return
        EVENTS_APPENDED.labels(store=self.name).inc(len(rows))
        for request, outcome in zip(batch, outcomes, strict=True):
            if request.future.done():
                continue
            if isinstance(outcome, Exception):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)
        if rows:  # a batch of repeats committed nothing new: no one is woken for it
            self._notify_rows(rows)
            self._notify_committed([e for outcome in outcomes if isinstance(outcome, list) for e in outcome])

    async def _write(
        self, conn: asyncpg.Connection, batch: list[_Append], *, locked: bool = False
    ) -> tuple[list[list[Envelope] | Exception], list[tuple[Any, ...]], Mapping[tuple[str, str], tuple[UUID, bytes]]]:
        """Each request's committed envelopes (or why not), the rows of the new events, and the
        subjects' keys they were sealed with."""
        s = self._schema
        # Held until commit: the next batch reads max(position) only after this one is
        # visible, which is what makes positions follow commit order.
        if not locked:
            await conn.execute(f"LOCK TABLE {s}.events IN EXCLUSIVE MODE")
        ids = [e.event_id for r in batch for e in r.envelopes]
        streams = list({r.stream_id for r in batch})
        partnerships = list({e.partnership_id for r in batch for e in r.envelopes})
        # One round trip for what the batch is checked against (round trips are most of a
        # small batch's time): ids already stored, each stream's version, each chain's
        # head and the last position.
        state = await conn.fetchrow(
            f"SELECT (SELECT coalesce(max(position), 0) FROM {s}.events) AS position,"
            f" ARRAY(SELECT event_id FROM {s}.events WHERE event_id = ANY($1::uuid[])) AS known,"
            " (SELECT coalesce(json_object_agg(stream_id, version), '{}') FROM"
            f" (SELECT stream_id, max(stream_version) AS version FROM {s}.events"
            "   WHERE stream_id = ANY($2::text[]) GROUP BY stream_id) AS v) AS versions,"
            " (SELECT coalesce(json_object_agg(partnership_id, encode(hash, 'hex')), '{}')"
            f" FROM {s}.chain_heads WHERE partnership_id = ANY($3::text[])) AS heads",
            ids, streams, partnerships,
        )
        stored: dict[UUID, Envelope] = {}
        if state["known"]:  # a request sent again: its stored events are its answer
            stored = {
                row["event_id"]: from_row(row, s)
                for row in await conn.fetch(f"SELECT * FROM {s}.events WHERE event_id = ANY($1::uuid[])", state["known"])
            }
        versions: dict[str, int] = json.loads(state["versions"])
        heads: dict[str, str] = json.loads(state["heads"])
        position: int = state["position"]
        # Personal texts are sealed with their subject's key before they are hashed and stored.
        sealed, keys = await seal_payloads(conn, [e for r in batch for e in r.envelopes if e.event_id not in stored])
        outcomes, inserts, position = link(s, batch, stored, versions, heads, position, sealed, self._clock.now())
        if inserts:
            columns = list(zip(*inserts, strict=True))
            touched = last_links(inserts)
            n = len(columns)
            # Events, their outbox rows and the chains' new heads in one statement.
            await conn.execute(
                f"WITH appended AS (INSERT INTO {s}.events ({_COLUMNS}) SELECT * FROM unnest({_placeholders()})"
                " RETURNING position),"
                f" relayed AS (INSERT INTO {s}.outbox (position) SELECT position FROM appended)"
                f" INSERT INTO {s}.chain_heads (partnership_id, position, hash)"
                f" SELECT * FROM unnest(${n + 1}::text[], ${n + 2}::bigint[], ${n + 3}::bytea[])"
                " ON CONFLICT (partnership_id) DO UPDATE"
                " SET position = excluded.position, hash = excluded.hash",
                *columns,
                list(touched),
                [p for p, _ in touched.values()],
                [h for _, h in touched.values()],
            )
        # What the next batch is linked on (`_write_linked`), merged with what was seen before:
        # only a hint, as the database checks each part of it under the lock.
        self._seen = (position, (self._seen[1] if self._seen else {}) | heads)
        return outcomes, inserts, keys

    async def _write_linked(
        self, conn: asyncpg.Connection, batch: list[_Append], linked: LinkedBatch | None = None
    ) -> tuple[list[list[Envelope] | Exception], list[tuple[Any, ...]]] | None:
        """The batch in one round trip (its outcomes and rows), or None when it must go the long way.

        Linked on what this store saw at its last commit (the last position and the chains'
        heads) and on each request's expected version (`linked_batch`: `linked` if the writer
        linked it on that while the batch before was written); `{schema}.append_linked` checks
        all of that and that no event id is stored, under the append lock, and writes nothing
        when one does not hold (another process appended, a stale version, a request sent
        again): then `_write` checks and answers the batch as before. A batch with a stream or
        an event id twice, or an empty request, goes the long way at once."""
        if self._seen is None or not self._linked:
            return None
        linked = unsent(linked, batch, self._seen)
        if linked is None:
            if not eligible(batch):
                return None
            # The keys: those this store has seen stored (`KeyCache`), a new key for the record
            # of a stream this batch starts, and the others read here, a subject's first key
            # made; the call checks each under the lock (a kept or read key still stored, a made
            # one not made meanwhile) and stores the made ones with the events, or writes nothing.
            sealing = Sealing([e for r in batch for e in r.envelopes])
            keys, to_read, proposed = plan_keys(batch, sealing, self._keys)
            if to_read:
                keys |= await ensure_keys(conn, to_read, proposed=proposed)
            linked = linked_batch(self._schema, batch, self._seen, sealing, keys, proposed, self._clock.now())
        self._sending = linked
        self._sent.set()  # the writer links the next batch while this call is answered
        try:
            ok = await conn.fetchval(
                f"SELECT {self._schema}.append_linked($1::bigint, $2::text[], $3::int[], $4::text[], $5::bytea[],"
                " $6::text[], $7::text[], $8::uuid[], $9::bytea[], $10::text[], $11::text[], $12::uuid[],"
                f" {_placeholders(13)}, ${len(COLUMNS) + 13}::text[], ${len(COLUMNS) + 14}::bigint[],"
                f" ${len(COLUMNS) + 15}::bytea[])",
                *linked.arguments,
            )
        except asyncpg.UndefinedFunctionError:  # a store made before the function, by another role
            self._linked = False
            return None
        except asyncpg.PostgresError as exc:
            # Refused (a key made meanwhile by another process, or a row the database will
            # not store): nothing was written; the long way answers it, and a real fault
            # there is reported as before.
            if isinstance(exc, UNREACHABLE):
                raise
            self._keys.drop(linked.subjects)
            return None
        if not ok:  # perhaps a key erased or made meanwhile: the long way reads them afresh
            self._keys.drop(linked.subjects)
            return None
        self._keys.put(linked.keys)
        self._seen = linked.after
        return linked.outcomes, linked.rows

    # -- reading ---------------------------------------------------------------------------

    async def read_stream(self, stream_id: str) -> list[Envelope]:
        """Concurrent reads are coalesced into one query, as appends are into one commit:
        under load each request costs a share of a round trip, not a whole one."""
        future: asyncio.Future[list[Envelope]] = asyncio.get_running_loop().create_future()
        self._reads.setdefault(stream_id, []).append(future)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_batches(), name=f"{self.name}-reader")
        self._read_wakeup.set()
        return await future

    async def _read_batches(self) -> None:
        while True:
            await self._read_wakeup.wait()
            self._read_wakeup.clear()
            while self._reads:
                pending, self._reads = self._reads, {}
                try:
                    streams = await self._fetch_streams(list(pending))
                except Exception as exc:
                    for futures in pending.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for stream_id, futures in pending.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(list(streams.get(stream_id, [])))

    async def _fetch_streams(self, wanted: list[str]) -> dict[str, list[Envelope]]:
        """Each stream whole: the events read before (`StreamCache`) and those appended since."""
        after = [self._streams.version(s) for s in wanted]
        rows = await self._pool.fetch(
            # Each stream read by its index, in a subquery per stream (its ORDER BY keeps the
            # planner from making it a join): a join's plan made while the table was small
            # scanned it whole for every read once it was large (`append_linked`'s note).
            f"SELECT e.* FROM unnest($1::text[], $2::int[]) AS w(stream_id, after), LATERAL"
            f" (SELECT * FROM {self._schema}.events x WHERE x.stream_id = w.stream_id AND x.stream_version > w.after"
            "  ORDER BY x.stream_version) AS e ORDER BY e.stream_id, e.stream_version",
            wanted, after,
        )
        self.stream_events_fetched += len(rows)
        new: dict[str, list[Envelope]] = {}
        sizes: dict[str, list[int]] = {}
        for row in rows:
            new.setdefault(row["stream_id"], []).append(from_row(row, self._schema))
            sizes.setdefault(row["stream_id"], []).append(len(str(row["payload"])))
        streams: dict[str, list[Envelope]] = {}
        again: list[str] = []
        for stream_id, version in zip(wanted, after, strict=True):
            whole = self._streams.extend(stream_id, version, new.get(stream_id, []), sizes.get(stream_id, []))
            if whole is None:
                again.append(stream_id)
            elif whole:
                streams[stream_id] = whole
        if again:  # what was kept does not lead to what is stored now: read those whole
            streams |= await self._fetch_streams(again)
        return streams

    async def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        recorded_until: datetime | None = None,
        partnership: str | None = None,
    ) -> list[Envelope]:
        return [from_row(row, self._schema) for row in await self.read_rows(after, limit, recorded_until, partnership)]

    async def read_rows(
        self,
        after: int = 0,
        limit: int = 1000,
        recorded_until: datetime | None = None,
        partnership: str | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> list[asyncpg.Record]:
        """`read_all`'s rows as stored, for a reader that builds the envelopes itself
        (`personal_data.open_rows`); on `conn` where the reader holds one."""
        on = conn or self._pool
        if partnership is None:
            return await on.fetch(
                f"SELECT * FROM {self._schema}.events WHERE position > $1"
                " AND ($3::timestamptz IS NULL OR recorded_at <= $3)"
                " ORDER BY position LIMIT $2",
                after,
                limit,
                recorded_until,
            )
        # else a statement of its own, so its plan walks (partnership_id, position)
        return await on.fetch(
            f"SELECT * FROM {self._schema}.events WHERE partnership_id = $4 AND position > $1"
            " AND ($3::timestamptz IS NULL OR recorded_at <= $3)"
            " ORDER BY position LIMIT $2",
            after,
            limit,
            recorded_until,
            partnership,
        )

    async def head(self, recorded_until: datetime | None = None, partnership: str | None = None) -> int:
        if partnership is None:
            return await self._pool.fetchval(
                f"SELECT coalesce(max(position), 0) FROM {self._schema}.events"
                " WHERE $1::timestamptz IS NULL OR recorded_at <= $1",
                recorded_until,
            )
        return await self._pool.fetchval(
            f"SELECT coalesce(max(position), 0) FROM {self._schema}.events"
            " WHERE partnership_id = $2 AND ($1::timestamptz IS NULL OR recorded_at <= $1)",
            recorded_until,
            partnership,
        )


def _placeholders(start: int = 1) -> str:
    return ", ".join(f"${i}::{t}[]" for i, t in enumerate(SQL_TYPES, start=start))
