"""The documents against their hashes, who attached each one, and erasing one (PostgreSQL).

`check_documents` is `scrutiny verify`'s part for documents: every stored blob is hashed
again and must match the SHA-256 it is kept under, and every document an event attaches
must be stored, with the size and type the event says, unless it was erased. A changed
blob is named by its hash, its file name (opened with its key, where the key is still
held) and the events that attach it; an erased one is reported as erased, not as
tampered, because its erasure is in the hash-chained record `keys.erasures`.

`erase_document` deletes a document's bytes and the key its file name is sealed with, in
one transaction with that record (`shared.personal_data.erase`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from shared.documents.refs import DRAFTS, Ref, agencies_named, is_sha256, refs_in
from shared.documents.store import SCHEMA
from shared.eventstore.rows import json_of
from shared.personal_data import ERASED, Erasure, erase, erasures, open_value, parse_sealed
from shared.personal_data import SCHEMA as KEYS


@dataclass(frozen=True)
class Attachment:
    """An event that attaches a document."""

    store: str
    position: int
    event_id: str
    event_type: str
    partnership_id: str
    agencies: frozenset[str]  # the agencies the record is about (payload agency fields)
    draft: bool  # a draft's: read only by its agency and the business unit
    ref: Ref

    def __str__(self) -> str:
        return f"{self.store} position {self.position} (event {self.event_id}, {self.event_type})"


async def _exists(conn: asyncpg.Connection | asyncpg.Pool, table: str) -> bool:
    return await conn.fetchval("SELECT to_regclass($1)", table) is not None


async def attachments(
    conn: asyncpg.Connection | asyncpg.Pool, stores: Iterable[str], *, partnership: str | None = None, sha256: str | None = None
) -> list[Attachment]:
    """The events of `stores` that attach a document (`sha256`: that one), in store and position order.

    A scan of the payloads (a download or a verify is rare beside an append), narrowed by a
    text match before each payload is walked."""
    pattern = f"%{sha256}%" if sha256 else '%"media_type"%'
    found: list[Attachment] = []
    for store in stores:
        if not await _exists(conn, f"{store}.events"):
            continue
        rows = await conn.fetch(
            f"SELECT position, event_id, event_type, partnership_id, payload FROM {store}.events"
            " WHERE payload::text LIKE $1 AND ($2::text IS NULL OR partnership_id = $2) ORDER BY position",
            pattern, partnership,
        )
        for row in rows:
            payload = json_of(row["payload"])
            for ref in refs_in(payload):
                if sha256 is None or ref.sha256 == sha256:
                    found.append(Attachment(store, row["position"], str(row["event_id"]), row["event_type"],
                                            row["partnership_id"], agencies_named(payload), row["event_type"] in DRAFTS, ref))
    return found


async def opened_names(conn: asyncpg.Connection | asyncpg.Pool, refs: Iterable[Ref]) -> dict[str, str]:
    """Each document's file name in clear (`[erased]` once its key is gone), by hash."""
    refs = list(refs)
    key_ids = {parsed[0] for r in refs if (parsed := parse_sealed(r.name)) is not None}
    keys: dict[Any, bytes] = {}
    if key_ids and await _exists(conn, f"{KEYS}.subject_keys"):
        rows = await conn.fetch(f"SELECT key_id, key FROM {KEYS}.subject_keys WHERE key_id = ANY($1::uuid[])", list(key_ids))
        keys = {r["key_id"]: bytes(r["key"]) for r in rows}
    return {r.sha256: open_value(r.name, keys) for r in refs}


@dataclass
class DocumentsReport:
    blobs_checked: int = 0
    references: int = 0
    documents_referenced: int = 0
    erased: dict[str, int] = field(default_factory=dict)  # hash -> the erasure that removed it
    unattached: int = 0  # stored, attached by no event (an upload whose command was refused)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _where(hits: Sequence[Attachment]) -> str:
    """The events attaching a document: the first, and the last (a draft saved again repeats it)."""
    if not hits:
        return "attached by no event"
    if len(hits) == 1:
        return f"attached by {hits[0]}"
    between = f", {len(hits) - 2} more" if len(hits) > 2 else ""
    return f"attached by {hits[0]}{between} and {hits[-1]}"


async def check_documents(conn: asyncpg.Connection, stores: Iterable[str]) -> DocumentsReport:
    """Every stored document against its hash, and every attached one against the store."""
    report = DocumentsReport()
    records, _ = await erasures(conn)  # the erasure chain itself is `scrutiny erasures`' to check
    erased = {r.subject_ref: r.position for r in records if r.subject_ref and is_sha256(r.subject_ref)}
    hits: dict[str, list[Attachment]] = {}
    for hit in await attachments(conn, stores):
        hits.setdefault(hit.ref.sha256, []).append(hit)
        report.references += 1
    report.documents_referenced = len(hits)
    names = await opened_names(conn, (h[0].ref for h in hits.values()))

    def named(sha: str) -> str:
        return f'document {sha} ("{names[sha]}")' if sha in names else f"document {sha}"

    stored: dict[str, tuple[int, str]] = {}
    if await _exists(conn, f"{SCHEMA}.blobs"):
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for row in conn.cursor(f"SELECT sha256, size, media_type, content FROM {SCHEMA}.blobs ORDER BY sha256", prefetch=4):
                sha, content = bytes(row["sha256"]).hex(), bytes(row["content"])
                report.blobs_checked += 1
                stored[sha] = (row["size"], row["media_type"])
                if hashlib.sha256(content).hexdigest() != sha:
                    report.problems.append(f"{named(sha)}, {_where(hits.get(sha, []))}: its stored bytes do not match"
                                           " its SHA-256 (the document was changed after it was stored)")
                elif len(content) != row["size"]:
                    report.problems.append(f"{named(sha)}: {len(content)} bytes stored, its record says {row['size']}")
                if sha not in hits:
                    report.unattached += 1
    for sha, attached in sorted(hits.items()):
        if sha not in stored:
            if sha in erased:
                report.erased[sha] = erased[sha]
            else:
                report.problems.append(f"{named(sha)}, {_where(attached)}: is missing from the document store"
                                       " (deleted without an erasure record)")
            continue
        size, media_type = stored[sha]
        for hit in attached:
            if (hit.ref.size, hit.ref.media_type) != (size, media_type):
                report.problems.append(f"{named(sha)}, attached by {hit}: the event says {hit.ref.size} bytes of"
                                       f" {hit.ref.media_type}, the store holds {size} bytes of {media_type}")
    return report


async def erase_document(
    conn: asyncpg.Connection,
    partnership_id: str,
    sha256: str,
    *,
    requested_by: str,
    reason: str,
    at: datetime,
    stores: Sequence[str],
) -> Erasure | None:
    """Erase a document that holds personal data: its bytes and its file name's key go, and
    the erasure is recorded (without the name); None when the partnership attaches no such
    document (or it was erased already). The events keep its hash: `verify` reads it as erased."""
    async with conn.transaction():
        done = await erase(conn, partnership_id, sha256, requested_by=requested_by, reason=reason, at=at, stores=stores)
        if done is not None and await _exists(conn, f"{SCHEMA}.blobs"):
            await conn.execute(f"DELETE FROM {SCHEMA}.blobs WHERE sha256 = $1", bytes.fromhex(sha256))
        return done


async def erased_documents(conn: asyncpg.Connection | asyncpg.Pool, refs: Iterable[Ref]) -> dict[str, int | None]:
    """Which of these documents were erased: by the erasure record where this role may read it
    (hash -> its number), else by their file name's key being gone (hash -> None)."""
    refs = list(refs)
    try:
        records, _ = await erasures(conn)
    except asyncpg.InsufficientPrivilegeError:  # a service's role: the record is the administrator's
        names = await opened_names(conn, refs)
        return {r.sha256: None for r in refs if names.get(r.sha256) == ERASED}
    wanted = {r.sha256 for r in refs}
    return {r.subject_ref: r.position for r in records if r.subject_ref in wanted}
