"""The second place: signed chain heads and the events' copies, in JetStream.

Each service signs the head of each partnership's chain in its store (`shared.eventstore.signing`)
and publishes it to the stream `{NS}_CHAIN_HEADS`, on `{ns}.chain.heads.{store}.{partnership}`:
after appends (woken by the store, at most once every `spacing` seconds, so one signature
covers every event committed meanwhile, never one per event) and on a timer (`idle`), which
also covers events appended by another process (`scrutiny erase`). A head is signed only
when it extends the last one signed: a chain that went back (its newest events deleted) or
was rewritten (its hash at the signed position changed) is not signed but logged as an error,
so the signed heads keep what PostgreSQL held before it was tampered with.

The events' own streams (`{NS}_{STORE}`, written by the outbox relay) hold a copy of every
event as it was published; `event_copies` reads them back for `scrutiny verify`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from shared.eventstore.signing import ChainKey, PublicKey, SignedHead
from shared.messaging.subjects import Subjects
from shared.waiting import woken_or_timed_out

log = logging.getLogger(__name__)

# The signed heads' bound: 1 GiB, the oldest dropped first (the newest of each chain is what
# verify needs; older ones cover older bundles). A head is about 400 bytes.
HEADS_MAX_BYTES = 1024**3


def heads_stream(subjects: Subjects) -> str:
    return f"{subjects.namespace.upper()}_CHAIN_HEADS"


def heads_subject(subjects: Subjects, store: str, partnership: str = "*") -> str:
    return f"{subjects.namespace}.chain.heads.{store}.{partnership}"


def heads_stream_config(subjects: Subjects, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=heads_stream(subjects),
        subjects=[f"{subjects.namespace}.chain.heads.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        max_bytes=HEADS_MAX_BYTES,
        discard=DiscardPolicy.OLD,
    )


async def latest_heads(js: JetStreamContext, subjects: Subjects, store: str) -> dict[str, SignedHead]:
    """The newest signed head of each partnership's chain in `store` (none: an empty dict)."""
    stream = heads_stream(subjects)
    try:
        info = await js.stream_info(stream, subjects_filter=heads_subject(subjects, store))
    except NotFoundError:
        return {}
    heads: dict[str, SignedHead] = {}
    for subject in sorted(info.state.subjects or {}):
        msg = await js.get_last_msg(stream, subject)
        head = SignedHead.from_json(json.loads(msg.data or b"{}"))
        heads[head.partnership_id] = head
    return heads


async def every_head(js: JetStreamContext, subjects: Subjects, store: str) -> AsyncIterator[SignedHead]:
    """Every signed head of `store` JetStream still holds, oldest first."""
    async for _, data in _messages(js, heads_stream(subjects), heads_subject(subjects, store)):
        yield SignedHead.from_json(json.loads(data))


async def event_copies(js: JetStreamContext, subjects: Subjects, store: str) -> AsyncIterator[tuple[int, dict[str, Any]]]:
    """Each event JetStream holds of `store`, in stream order: its sequence and its body."""
    # every subject of the store's stream (the records store's is the `reporting` service's)
    async for sequence, data in _messages(js, subjects.stream(store), subjects.events_of("*")):
        yield sequence, json.loads(data)


async def _messages(js: JetStreamContext, stream: str, subject: str, page: int = 500) -> AsyncIterator[tuple[int, bytes]]:
    try:
        await js.stream_info(stream)
    except NotFoundError:
        return
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, mem_storage=True, inactive_threshold=60.0
        ),
    )
    try:
        remaining = (await sub.consumer_info()).num_pending
        while remaining > 0:
            batch = await sub.fetch(min(remaining, page), timeout=5)
            remaining -= len(batch)
            for msg in batch:
                yield msg.metadata.sequence.stream, msg.data
    finally:
        await sub.unsubscribe()


class HeadSigner:
    """Signs and publishes the heads of one store's chains (see the module's docstring)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        store: str,
        js: JetStreamContext,
        subjects: Subjects,
        key: ChainKey,
        *,
        spacing: float = 1.0,
        idle: float = 30.0,
    ) -> None:
        self._pool = pool
        self._store = store
        self._js = js
        self._subjects = subjects
        self._key = key
        self._spacing = spacing
        self._idle = idle
        self._wakeup = asyncio.Event()
        self._signed: dict[str, SignedHead] | None = None  # loaded from JetStream on first use
        self._refused: set[tuple[str, int, str]] = set()

    def wake(self) -> None:
        self._wakeup.set()

    async def sign_once(self) -> int:
        """Sign each chain whose head moved on since its last signed head; returns how many."""
        if self._signed is None:
            self._signed = await latest_heads(self._js, self._subjects, self._store)
        s = self._store
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            store_position: int = await conn.fetchval(f"SELECT coalesce(max(position), 0) FROM {s}.events")
            heads = await conn.fetch(f"SELECT partnership_id, position, encode(hash, 'hex') AS hash FROM {s}.chain_heads")
            moved = [
                h for h in heads
                if (signed := self._signed.get(h["partnership_id"])) is None
                or (signed.position, signed.hash) != (h["position"], h["hash"])
            ]
            earlier = {
                r["position"]: (r["partnership_id"], r["hash"])
                for r in await conn.fetch(
                    f"SELECT position, partnership_id, encode(hash, 'hex') AS hash FROM {s}.events WHERE position = ANY($1::bigint[])",
                    [self._signed[h["partnership_id"]].position for h in moved if h["partnership_id"] in self._signed],
                )
            }
        signed = 0
        for head in moved:
            partnership, position, digest = head["partnership_id"], head["position"], head["hash"]
            last = self._signed.get(partnership)
            if last is not None and (position <= last.position or earlier.get(last.position) != (partnership, last.hash)):
                if (partnership, position, digest) not in self._refused:
                    self._refused.add((partnership, position, digest))
                    log.error(
                        "%s: the chain of %s no longer extends its signed head (%s); not signed: run `scrutiny verify`",
                        s, partnership, last,
                    )
                continue
            new = self._key.head(s, partnership, position, digest, store_position)
            await self._js.publish(
                heads_subject(self._subjects, s, partnership),
                new.to_bytes(),
                stream=heads_stream(self._subjects),
                headers={"Nats-Msg-Id": f"{s}.{partnership}.{position}.{digest[:16]}"},
            )
            self._signed[partnership] = new
            signed += 1
        return signed

    async def sign_last(self, seconds: float = 5.0) -> None:
        """Sign once more as the service stops (within `seconds`; failing is only logged)."""
        try:
            async with asyncio.timeout(seconds):
                await self.sign_once()
        except Exception as error:  # stopping goes on: the next start signs what this missed
            log.warning("could not sign the chain heads of %s on stopping: %s", self._store, error)

    async def run(self) -> None:
        """Sign until cancelled: after appends (at most once every `spacing` seconds) and on the timer."""
        while True:
            try:
                await self.sign_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # NATS or PostgreSQL away: the next round signs what it missed
                log.warning("signing the chain heads of %s failed, retrying: %s", self._store, error)
            await asyncio.sleep(self._spacing)  # appends meanwhile share the next signature
            await woken_or_timed_out(self._wakeup, self._idle)


class SignedHeads:
    """The signed heads an evidence bundle carries (`shared.eventstore.bundle_heads`)."""

    def __init__(self, js: JetStreamContext, subjects: Subjects, key: PublicKey | None) -> None:
        self._js = js
        self._subjects = subjects
        self.key = key

    async def covering(self, store: str, after: int, last: int, partnerships: frozenset[str] | None) -> list[SignedHead]:
        """For each partnership (of `partnerships`, None: all), the newest head signed inside
        the slice `after`+1..`last` of the store, if one was."""
        best: dict[str, SignedHead] = {}
        async for head in every_head(self._js, self._subjects, store):
            if after < head.position <= last and (partnerships is None or head.partnership_id in partnerships):
                if head.partnership_id not in best or head.position > best[head.partnership_id].position:
                    best[head.partnership_id] = head
        return sorted(best.values(), key=lambda h: h.position)
