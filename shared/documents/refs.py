"""The documents an event's payload attaches, found in its JSON wherever they sit (pure).

A `DocumentRef` (shared/catalogue/documents.py) may sit at the top of a payload, in a list,
or deep in a map of answers; it is recognised by its shape: an object with `sha256`,
`name`, `media_type` and `size`, the hash 64 hexadecimal digits. The same walk serves the
live store (`scrutiny verify`, the download route) and an evidence bundle on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SHA256 = re.compile(r"[0-9a-f]{64}")
KEYS = frozenset({"sha256", "name", "media_type", "size"})
# Payload fields that name the agencies a record is about (its own, or shared with them).
AGENCY_FIELDS = ("agency_id", "owner_agency_id")
AGENCY_LISTS = ("agency_ids",)
# Events whose documents only the agency and the business unit may read (a draft is never reported).
DRAFTS = frozenset({"DraftSaved"})


@dataclass(frozen=True)
class Ref:
    """One document as an event names it (the name as stored: sealed, in a live store)."""

    sha256: str
    name: str
    media_type: str
    size: int


def refs_in(payload: Any) -> list[Ref]:
    """Every document the payload attaches, in the order they appear (repeats kept)."""
    return list(_walk(payload))


def _walk(node: Any) -> Iterator[Ref]:
    if isinstance(node, Mapping):
        if KEYS <= node.keys() and isinstance(node["sha256"], str) and SHA256.fullmatch(node["sha256"]):
            size = node["size"]
            yield Ref(node["sha256"], str(node["name"]), str(node["media_type"]), size if isinstance(size, int) else -1)
            return
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def is_sha256(text: str) -> bool:
    return bool(SHA256.fullmatch(text))


def agencies_named(payload: Mapping[str, Any]) -> frozenset[str]:
    """The agencies the record is about: whose own it is, or with whom it was shared."""
    found = {payload[f] for f in AGENCY_FIELDS if isinstance(payload.get(f), str)}
    for f in AGENCY_LISTS:
        if isinstance(payload.get(f), list):
            found |= {a for a in payload[f] if isinstance(a, str)}
    return frozenset(found)
