"""A document kept as evidence, downloaded: `/p/{partnership}/documents/{sha256}`.

Who may have it is decided by the records that attach it (domain/people/policy.py,
`may_read_document`): the events of the partnership whose payloads carry its hash, read
from the stores. A document no record of theirs attaches answers "not found", as an
unknown hash does, so its existence is not given away. The bytes are hashed again before
they are served: a document changed in the store is refused, never handed out as evidence.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import asyncpg
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.records_store import SCHEMA as RECORDS
from services.reporting.adapters.sources import SOURCES
from services.reporting.domain.people.policy import Attached, may_read_document
from services.reporting.entrypoints.web.session import visitor
from services.reporting.entrypoints.web.work import NotFound
from shared.documents.checks import attachments, opened_names
from shared.documents.refs import is_sha256
from shared.documents.store import DocumentStore
from shared.partnerships import Partnerships

STORES = (*SOURCES, RECORDS)


def disposition(name: str) -> str:
    """Content-Disposition for a download keeping its name (RFC 6266: an ASCII fallback and UTF-8)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name) or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def routes(accounts: Accounts, partnerships: Partnerships, pool: asyncpg.Pool, documents: DocumentStore) -> list[Route]:
    async def download(request: Request) -> Response:
        found = await visitor(request, accounts)
        partnership, sha = request.path_params["partnership"], request.path_params["sha256"]
        if found.person is None or partnership not in partnerships or not is_sha256(sha):
            raise NotFound(sha)
        hits = await attachments(pool, STORES, partnership=partnership, sha256=sha)
        readable = [Attached(h.agencies, h.draft) for h in hits]
        if not may_read_document(found.person, partnership, request.app.state.today(), readable):
            raise NotFound(sha)
        blob = await documents.get(sha)
        if blob is None:  # erased
            raise NotFound(sha)
        if hashlib.sha256(blob.content).hexdigest() != sha:
            return PlainTextResponse(
                "This document no longer matches the hash recorded when it was attached, so it is not served."
                " Tell the partnership's business unit: `scrutiny verify` names it.\n", status_code=409)
        name = (await opened_names(pool, [hits[-1].ref])).get(sha) or "document"
        return Response(blob.content, media_type=blob.media_type, headers={
            "Content-Disposition": disposition(name), "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff"})

    return [Route("/p/{partnership}/documents/{sha256}", download, methods=["GET"])]
