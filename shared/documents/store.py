"""Where documents' bytes are kept: content-addressed, written once per SHA-256.

The store is chosen by `SCRUTINY_DOCUMENTS_URL`:

    unset, or "postgresql"   the platform's own PostgreSQL database, table `documents.blobs`
                             (the default, and the only store implemented)
    s3://bucket/prefix       an S3-compatible object store: not implemented yet; the front
                             door refuses to start rather than keep documents elsewhere

A blob is keyed by the SHA-256 the store computes itself from the bytes it is given, so
what is written under a hash is what hashes to it; writing the same bytes again changes
nothing. Deleting a blob is erasure's alone (checks.py), which records it first.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

from shared.ddl import apply_ddl

SCHEMA = "documents"
ENV = "SCRUTINY_DOCUMENTS_URL"
DDL = f"""
DO $$ BEGIN
    IF to_regnamespace('{SCHEMA}') IS NULL THEN CREATE SCHEMA {SCHEMA}; END IF;
END $$;
CREATE TABLE IF NOT EXISTS {SCHEMA}.blobs (
    sha256     bytea       PRIMARY KEY CHECK (length(sha256) = 32),
    size       bigint      NOT NULL CHECK (size >= 0),
    media_type text        NOT NULL,
    content    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Documents are mostly compressed already (PDF, Office, images): kept out of line, as they are.
ALTER TABLE {SCHEMA}.blobs ALTER COLUMN content SET STORAGE EXTERNAL;
"""


class DocumentsUnavailable(RuntimeError):
    """SCRUTINY_DOCUMENTS_URL names a store this platform cannot use."""


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    media_type: str
    content: bytes
    created_at: datetime | None = None


class DocumentStore(Protocol):
    """What the platform asks of a document store (an S3-compatible one would answer the same)."""

    async def create_schema(self) -> None: ...

    async def put(self, content: bytes, media_type: str) -> str:
        """Keep the bytes; their SHA-256 (hexadecimal), which names them from now on."""
        ...

    async def get(self, sha256: str) -> Blob | None: ...

    async def has(self, sha256: str) -> bool: ...


class PostgresDocuments:
    """Documents in the platform's database, schema `documents`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create_schema(self) -> None:
        if await self._pool.fetchval("SELECT to_regclass($1)", f"{SCHEMA}.blobs") is None:
            await apply_ddl(self._pool, DDL)

    async def put(self, content: bytes, media_type: str) -> str:
        digest = hashlib.sha256(content).digest()
        await self._pool.execute(
            f"INSERT INTO {SCHEMA}.blobs (sha256, size, media_type, content) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (sha256) DO NOTHING",
            digest, len(content), media_type, content,
        )
        return digest.hex()

    async def get(self, sha256: str) -> Blob | None:
        row = await self._pool.fetchrow(
            f"SELECT size, media_type, content, created_at FROM {SCHEMA}.blobs WHERE sha256 = $1", bytes.fromhex(sha256)
        )
        if row is None:
            return None
        return Blob(sha256, row["size"], row["media_type"], bytes(row["content"]), row["created_at"])

    async def has(self, sha256: str) -> bool:
        return bool(await self._pool.fetchval(f"SELECT 1 FROM {SCHEMA}.blobs WHERE sha256 = $1", bytes.fromhex(sha256)))


def document_store(pool: asyncpg.Pool, url: str | None = None) -> DocumentStore:
    """The store `url` (default: SCRUTINY_DOCUMENTS_URL) names, over the platform's database."""
    url = (os.environ.get(ENV, "") if url is None else url).strip()
    if url in ("", "postgresql", "postgres"):
        return PostgresDocuments(pool)
    if url.startswith("s3://"):
        raise DocumentsUnavailable(
            f"{ENV}={url}: S3-compatible document storage is not implemented yet;"
            " unset it to keep documents in the platform's PostgreSQL database (docs/operations.md)"
        )
    raise DocumentsUnavailable(f"{ENV}={url} names no document store: leave it unset (PostgreSQL) (docs/operations.md)")
