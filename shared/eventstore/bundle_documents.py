"""The documents in an evidence bundle: written beside the events that attach them, and
checked on their own (no database: the files and the events' JSON are enough).

    documents/<sha256>   each document an event of the bundle attaches, its bytes as stored
    documents.json       each of those documents: "included" (its file), "erased" (its bytes
                         were erased before the export, by the erasure numbered there), or
                         "missing" (not in the store when exported: the check reports it)

The check hashes every document file again: its SHA-256 must be the name it is kept under,
which is the hash the events (and so the hash chain) recorded. Every document an event
attaches must be in the bundle, with the size the event says, or be listed as erased.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from shared.documents.refs import Ref, is_sha256

INDEX = "documents.json"
FOLDER = "documents/"
FORMAT = "scrutiny-evidence-documents/1"


def document_file(sha256: str) -> str:
    return f"{FOLDER}{sha256}"


def index(refs: Mapping[str, Ref], included: set[str], erased: Mapping[str, int | None]) -> bytes:
    """documents.json for the bundle's documents (`included`: those written; `erased`: hash -> the
    erasure's number, None where the exporting role may not read the erasure record)."""
    entries: dict[str, dict[str, Any]] = {}
    for sha, ref in sorted(refs.items()):
        entry: dict[str, Any] = {"bytes": ref.size, "media_type": ref.media_type}
        if sha in included:
            entry |= {"status": "included", "file": document_file(sha)}
        elif sha in erased:
            entry |= {"status": "erased", "erasure": erased[sha]}
        else:
            entry |= {"status": "missing"}
        entries[sha] = entry
    return json.dumps({"format": FORMAT, "documents": entries}, indent=2).encode() + b"\n"


@dataclass
class Attached:
    """The documents the bundle's events attach, gathered while their chains are checked."""

    refs: list[tuple[Ref, str]] = field(default_factory=list)  # (document, the event that attaches it)

    def add(self, refs: Sequence[Ref], where: str) -> None:
        self.refs += [(ref, where) for ref in refs]


@dataclass
class DocumentsChecked:
    included: int = 0
    erased: int = 0


Add = Callable[..., None]  # BundleReport.add: (file, message)


def check(add: Add, names: set[str], open_file: Callable[[str], IO[bytes]], attached: Attached) -> DocumentsChecked:
    """Report (through `add`) every document file whose bytes do not hash to its name, and
    every attached document the bundle neither holds nor lists as erased."""
    checked = DocumentsChecked()
    files = sorted(n for n in names if n.startswith(FOLDER))
    if not files and not attached.refs and INDEX not in names:
        return checked
    listed: dict[str, Any] = {}
    if INDEX not in names:
        add(INDEX, "is missing: the documents the events attach cannot be accounted for")
    else:
        with open_file(INDEX) as f:
            try:
                document = json.loads(f.read())
                assert isinstance(document, dict) and document.get("format") == FORMAT
                listed = dict(document["documents"])
            except (ValueError, AssertionError, KeyError, TypeError):
                add(INDEX, f"is not a {FORMAT} document")
    sizes: dict[str, int] = {}
    for name in files:
        sha = name.removeprefix(FOLDER)
        if not is_sha256(sha):
            add(name, "is not named by a SHA-256: it is no document of the bundle")
            continue
        digest, size = _digest(open_file, name)
        sizes[sha] = size
        if digest != sha:
            add(name, f"its bytes hash to {digest}, not to the SHA-256 the events recorded (the document was altered)")
        if (listed.get(sha) or {}).get("status") != "included":
            add(name, f"is not listed as included in {INDEX}")
        checked.included += 1
    seen: set[str] = set()
    for ref, where in attached.refs:
        seen.add(ref.sha256)
        status = (listed.get(ref.sha256) or {}).get("status")
        if status == "erased":
            continue
        if ref.sha256 not in sizes:
            why = "was missing from the platform's store when exported" if status == "missing" else "is not in the bundle"
            add(document_file(ref.sha256), f"attached by {where}: {why}")
        elif sizes[ref.sha256] != ref.size:
            add(document_file(ref.sha256), f"is {sizes[ref.sha256]} bytes; {where} says {ref.size}")
    for sha in sorted(set(listed) - seen):
        add(INDEX, f"lists document {sha}, which no event of the bundle attaches")
    checked.erased = len({r.sha256 for r, _ in attached.refs if (listed.get(r.sha256) or {}).get("status") == "erased"})
    return checked


def _digest(open_file: Callable[[str], IO[bytes]], name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open_file(name) as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
