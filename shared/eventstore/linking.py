"""A batch of appends linked into rows: positions, hash chain, committed envelopes.

Shared by the store's two ways of writing a batch (postgres.py): checked first and then
inserted inside one transaction, or linked on what the store saw at its last commit and
handed whole to `{schema}.append_linked` (schema.sql), which checks those assumptions
under the append lock and inserts only if they hold (one round trip).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared.eventstore.interface import ConcurrencyError, DuplicateEventIdError
from shared.eventstore.rows import COLUMNS
from shared.eventstore.rows import values as row_values
from shared.hashchain import GENESIS, canonical_payload, link_hash

if TYPE_CHECKING:
    from datetime import datetime

    from shared.envelope import Envelope

_PARTNERSHIP, _POSITION, _HASH = (COLUMNS.index(c) for c in ("partnership_id", "position", "hash"))


def link(
    store: str,
    batch: list[Any],
    stored: dict[UUID, Envelope],
    versions: dict[str, int],
    heads: dict[str, str],
    position: int,
    sealed: dict[UUID, dict[str, Any]],
    recorded_at: datetime,
) -> tuple[list[list[Envelope] | Exception], list[tuple[Any, ...]], int]:
    """Each request's committed envelopes (or why not), the rows to insert and the last
    position, given the events stored, the streams' versions, the chains' heads (updated
    in place) and the last position."""
    outcomes: list[list[Envelope] | Exception] = []
    inserts: list[tuple[Any, ...]] = []
    for request in batch:
        known = [stored.get(e.event_id) for e in request.envelopes]
        if request.envelopes and all(known) and all(k is not None and k.stream_id == request.stream_id for k in known):
            outcomes.append([k for k in known if k is not None])  # the same request again
            continue
        if any(known):
            outcomes.append(DuplicateEventIdError(f"append to {request.stream_id!r} repeats some stored event ids"))
            continue
        actual = versions.get(request.stream_id, 0)
        if actual != request.expected_version:
            outcomes.append(ConcurrencyError(request.stream_id, request.expected_version, actual))
            continue
        committed = []
        for envelope in request.envelopes:
            position += 1
            prev = heads.get(envelope.partnership_id, GENESIS)
            payload = sealed.get(envelope.event_id) or envelope.payload()
            # Serialised once: the hash covers this text and the row stores it (jsonb
            # keeps its own form of it, so the order of keys does not matter there).
            payload_json = canonical_payload(payload)
            fields = envelope.model_dump(exclude={"event"}) | {  # the payload stands for the event
                "recorded_at": recorded_at,
                "position": position,
            }
            digest = link_hash(prev, fields, payload_json)
            heads[envelope.partnership_id] = digest
            done = envelope.committed(
                store=store, recorded_at=recorded_at, position=position, prev_hash=prev, hash=digest
            )
            committed.append(done)
            stored[done.event_id] = done
            inserts.append(row_values(done, payload_json))
        versions[request.stream_id] = actual + len(committed)
        outcomes.append(committed)
    return outcomes, inserts, position


def touched(inserts: list[tuple[Any, ...]]) -> dict[str, tuple[int, bytes]]:
    """Each partnership's last link among the rows: its chain's new head."""
    return {row[_PARTNERSHIP]: (row[_POSITION], row[_HASH]) for row in inserts}
