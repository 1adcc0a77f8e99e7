"""The outbox relay: publishes committed events to JetStream, in position order.

The outbox rows were written in the same transaction as the events, so an
event is relayed if and only if it was committed. Each message carries the
event id as Nats-Msg-Id, so publishing again after a failure (NATS down, the
process killed between publish and delete) is dropped by JetStream as a duplicate.

The rows this process commits are handed to the relay as they were inserted
(`PostgresEventStore.on_rows`), and it publishes a run of them that follows its place
from memory instead of reading them back: that read was about a seventh of PostgreSQL's
statement time in the pipeline benchmark, decoding each payload from jsonb (docs/
performance.md). Where memory does not hold the next position (another process's commit,
a relay just started, rows forgotten while NATS was away), it reads the outbox, as ever.
The message is the same either way but for the payload's JSON spacing and key order
(the canonical text the hash covers, rather than jsonb's rendering of it).

Once JetStream holds a batch, each event that names agencies is also published,
on core NATS, to each of them (`shared.messaging.outcomes`): the one place every
event passes, so no service has to remember to tell an agency.
"""

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from shared.eventstore.remembered import Remembered
from shared.mapper import row_to_wire
from shared.messaging.outcomes import addressees, outcome_subject
from shared.messaging.subjects import Subjects
from shared.telemetry.metrics import EVENTS_RELAYED, OUTBOX_PENDING
from shared.telemetry.sampling import outbox_probe, watched
from shared.waiting import woken_or_timed_out

log = logging.getLogger(__name__)

# How long relayed rows may stay in the outbox before they are deleted, while more keep
# coming: each deletion is a commit (a flush of the WAL) competing with the appends', and
# under load the relay took a batch every few milliseconds. A row relayed and not yet
# deleted when the process stops is published again by the next relay, and JetStream
# drops it as a duplicate, as for a relay killed between publishing and deleting.
FORGET_SECONDS = 0.2
# Rows held in memory at most, should the relay fall behind (NATS away): then it forgets
# them and reads the outbox.
RECENT_LIMIT = 10_000


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        js: JetStreamContext,
        subjects: Subjects,
        *,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        ack_timeout_seconds: float = 5.0,
        nc: NATS | None = None,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._js = js
        self._subjects = subjects
        self._batch_size = batch_size
        self._idle_poll = idle_poll_seconds
        self._ack_timeout = ack_timeout_seconds
        self._wakeup = asyncio.Event()
        self._nc = nc  # for the copies addressed to agencies; None: publish none
        # This relay's place: the last position it published (and JetStream acknowledged),
        # and the positions of those rows not yet deleted. A new relay starts at the outbox's
        # first row. Positions are given in commit order, so no row can commit behind it.
        self._after = 0
        self._relayed: list[int] = []
        self._forgotten_at = time.monotonic()
        self._recent: Remembered[Mapping[str, Any]] = Remembered(RECENT_LIMIT)  # rows committed here (`learn`)

    def wake(self) -> None:
        self._wakeup.set()

    def learn(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """The store's `on_rows` reader: rows this process committed, to publish from memory."""
        self._recent.learn((row["position"], row) for row in rows)

    async def relay_once(self) -> int:
        """Publish up to one batch; returns how many were relayed. Their outbox rows are
        deleted with the next batches' (at most `FORGET_SECONDS` later), or once there is
        nothing more to relay."""
        rows = self._recent.run_after(self._after, self._batch_size) or await self._outbox_rows()
        if not rows:
            await self._forget()
            OUTBOX_PENDING.labels(store=self._schema).set(0)
            return 0
        return await self._publish(rows)

    async def _outbox_rows(self) -> list[Mapping[str, Any]]:
        """The outbox's next rows after this relay's place, with their events."""
        s = self._schema
        return await self._pool.fetch(
            # The outbox's first rows first, then each one's event by its key: joined the other
            # way round, the planner walks the events from position 1 and probes the outbox for
            # each, which slows the relay quadratically as it works through a large backlog;
            # joined as tables, a plan made while the store was small scanned every event for
            # each batch as it grew (a subquery with a LIMIT is kept as it is written).
            f"SELECT e.* FROM (SELECT position FROM {s}.outbox WHERE position > $2 ORDER BY position LIMIT $1) o,"
            f" LATERAL (SELECT * FROM {s}.events x WHERE x.position = o.position LIMIT 1) e ORDER BY e.position",
            self._batch_size, self._after,
        )

    async def _publish(self, rows: Sequence[Mapping[str, Any]]) -> int:
        s = self._schema
        acks = []
        outcomes = []
        for row in rows:
            body, headers = row_to_wire(row, s)
            subject = self._subjects.event(row["partnership_id"], s, row["event_type"])
            acks.append(
                await self._js.publish_async(
                    subject, body, headers=headers, stream=self._subjects.stream(s)
                )
            )
            if self._nc is not None:
                outcomes += [
                    (outcome_subject(self._subjects.namespace, row["partnership_id"], agency, row["event_type"]), body, headers)
                    for agency in addressees(row["event_type"], row["payload"])
                ]
        async with asyncio.timeout(self._ack_timeout):  # not wait_for: it can swallow a cancellation
            await asyncio.gather(*acks)
        # Sent before the rows are deleted: after a crash they are sent again, not skipped.
        for subject, body, headers in outcomes:
            await self._nc.publish(subject, body, headers=headers)  # type: ignore[union-attr]
        self._relayed += [row["position"] for row in rows]
        self._after = rows[-1]["position"]
        EVENTS_RELAYED.labels(store=s).inc(len(rows))
        if len(self._relayed) >= self._batch_size or time.monotonic() - self._forgotten_at >= FORGET_SECONDS:
            await self._forget()
        return len(rows)

    async def _forget(self) -> None:
        """Delete the outbox rows of what this relay published."""
        if self._relayed:
            await self._pool.execute(f"DELETE FROM {self._schema}.outbox WHERE position = ANY($1::bigint[])", self._relayed)
            self._relayed = []
        self._forgotten_at = time.monotonic()

    async def drain(self) -> int:
        total = 0
        while relayed := await self.relay_once():
            total += relayed
        return total

    async def run(self) -> None:
        """Relay until cancelled; after a failure keep the rows and retry with back-off.
        Meanwhile its host samples the outbox's depth (`scrutiny_outbox_pending_events`)."""
        with watched(self._pool, outbox_probe(self._pool, self._schema)):
            await self._relay_until_cancelled()

    async def _relay_until_cancelled(self) -> None:
        backoff = 0.1
        while True:
            try:
                relayed = await self.relay_once()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as error:  # NATS or PostgreSQL away: nothing is lost, try again
                log.warning("outbox relay of %s failed, retrying: %s", self._schema, error)
                await self._pause(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not relayed:
                await self._pause(self._idle_poll)

    async def _pause(self, seconds: float) -> None:
        await woken_or_timed_out(self._wakeup, seconds)


async def republish(pool: asyncpg.Pool, schema: str, js: JetStreamContext, subjects: Subjects, batch: int = 500) -> int:
    """Publish every event of a store to JetStream again, in position order, as the relay
    does (the same wire form, the event id as Nats-Msg-Id): what refills a stream lost with
    the NATS data directory (`scrutiny streams refill`). The copies addressed to agencies
    are not sent again (they had them), and the projections skip what they applied before
    (their checkpoints are in PostgreSQL), so no consumer takes an event twice."""
    after, total = 0, 0
    while True:
        rows = await pool.fetch(f"SELECT * FROM {schema}.events WHERE position > $1 ORDER BY position LIMIT $2", after, batch)
        if not rows:
            return total
        acks = []
        for row in rows:
            body, headers = row_to_wire(row, schema)
            subject = subjects.event(row["partnership_id"], schema, row["event_type"])
            acks.append(await js.publish_async(subject, body, headers=headers, stream=subjects.stream(schema)))
        await asyncio.gather(*acks)
        after, total = rows[-1]["position"], total + len(rows)
