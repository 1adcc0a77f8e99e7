"""A batch of appends sealed and linked, ready for `{schema}.append_linked` in one round trip.

Linking is most of the store's Python for a batch (sealing each personal text, the hash
chain's canonical JSON), and it needs no database when the batch's keys are known: it is
linked on a view of the store, the last position and the chains' heads, that the database
checks under the append lock. So the group commit's writer links the next batch on what the
batch in flight will leave if it commits (`LinkedBatch.after`) while the database writes
that one, and sends it as it is if the batch in flight did commit that way
(`LinkedBatch.basis` is then what the store saw last); otherwise it links it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.envelope import Envelope
from shared.eventstore.key_cache import KeyCache
from shared.eventstore.linking import link
from shared.eventstore.linking import touched as last_links
from shared.personal_data import Keys, NewKey
from shared.sealing import Sealing

Seen = tuple[int, dict[str, str]]  # the last position and each chain's head (hex)
Subject = tuple[str, str]


@dataclass
class LinkedBatch:
    batch: list[Any]
    basis: Seen  # the view it was linked on
    after: Seen  # the view once it commits
    subjects: set[Subject]
    keys: Keys  # every key it sealed with: kept (`KeyCache.put`) once it commits
    outcomes: list[list[Envelope] | Exception]
    arguments: tuple[Any, ...]  # `append_linked`'s, in order
    rows: list[tuple[Any, ...]]  # the rows it inserts, in `rows.COLUMNS` order


def eligible(batch: list[Any]) -> bool:
    """A batch with a stream or an event id twice, or an empty request, goes the long way."""
    envelopes = [e for r in batch for e in r.envelopes]
    streams = [r.stream_id for r in batch]
    return (
        all(r.envelopes for r in batch)
        and len(set(streams)) == len(streams)
        and len({e.event_id for e in envelopes}) == len(envelopes)
    )


def plan_keys(batch: list[Any], sealing: Sealing, cache: KeyCache) -> tuple[Keys, set[Subject], list[NewKey]]:
    """The keys kept for the batch's subjects, those still to read, and a new key for the
    record of each stream the batch starts (none can be stored yet, unless erased and made again)."""
    keys = cache.get(sealing.subjects)
    unknown = sealing.subjects - keys.keys()
    starts = {(e.partnership_id, r.stream_id) for r in batch if r.expected_version == 0 for e in r.envelopes}
    proposed = [NewKey(p, s, uuid4(), AESGCM.generate_key(256)) for p, s in sorted(unknown & starts)]
    return keys, unknown - starts, proposed


def linked_batch(
    schema: str, batch: list[Any], basis: Seen, sealing: Sealing, keys: Keys, proposed: list[NewKey], recorded_at: datetime
) -> LinkedBatch:
    """Seal and link the batch on `basis` with these keys (each subject's), the new ones `proposed`."""
    made = {(k.partnership_id, k.subject): (k.key_id, k.key) for k in proposed}
    stored_keys = [(p, s, key_id) for (p, s), (key_id, _) in keys.items() if (p, s) not in made]
    keys = dict(keys) | made
    sealed = sealing.seal(keys)
    position, seen = basis
    heads = dict(seen)
    envelopes = [e for r in batch for e in r.envelopes]
    partnerships = list({e.partnership_id: None for e in envelopes})
    prevs = [bytes.fromhex(seen[p]) if p in seen else None for p in partnerships]
    versions = {r.stream_id: r.expected_version for r in batch}
    outcomes, inserts, last = link(schema, batch, {}, versions, heads, position, sealed, recorded_at)
    touched = last_links(inserts)
    arguments = (
        position, [r.stream_id for r in batch], [r.expected_version for r in batch], partnerships, prevs,
        *([list(c) for c in zip(*proposed, strict=True)] if proposed else [[], [], [], []]),
        *([list(c) for c in zip(*stored_keys, strict=True)] if stored_keys else [[], [], []]),
        *zip(*inserts, strict=True),
        list(touched), [p for p, _ in touched.values()], [h for _, h in touched.values()],
    )
    return LinkedBatch(batch, basis, (last, heads), sealing.subjects, keys, outcomes, arguments, inserts)


def link_ahead(schema: str, batch: list[Any], basis: Seen, cache: KeyCache, recorded_at: datetime) -> LinkedBatch | None:
    """The batch linked on `basis` with no database: None if it goes the long way, or if a
    subject's key is neither kept nor new (the writer then reads it when it sends the batch)."""
    if not eligible(batch):
        return None
    sealing = Sealing([e for r in batch for e in r.envelopes])
    keys, to_read, proposed = plan_keys(batch, sealing, cache)
    if to_read:
        return None
    return linked_batch(schema, batch, basis, sealing, keys, proposed, recorded_at)


def unsent(linked: LinkedBatch | None, batch: list[Any], seen: Seen | None) -> LinkedBatch | None:
    """`linked` if it is this batch's and was linked on what the store saw last."""
    return linked if linked is not None and linked.batch is batch and linked.basis is seen else None

