"""The evidence bundle's format, and writing one (no database here: rows in, files out).

A bundle is a directory an inspector can check with nothing but this code
(`scrutiny verify BUNDLE`, see `bundle_check.py`):

    manifest.json            every other file with its SHA-256 and size; the period,
                             partnerships, platform version and export time
    anchors.json             per store: where its slice of the hash chain starts (the
                             position just before the period and each partnership's hash
                             there) and ends (the last position and each partnership's head)
    events/<store>.jsonl     the period's events of each store, one JSON object a line,
                             in position order, with every column the chain hashes
    reports/<partnership>/   the dashboard and board pack as of the end of the period
    documents/<sha256>       every document the slice's events attach, named by its hash
    documents.json           each of those documents: included, or erased (bundle_documents.py)

Each partnership's events form their own chain inside a store (an event records
the hash of its partnership's previous event), so an anchor names a hash per
partnership. A bundle for one partnership leaves the others' events out and
records the positions they held, so a gap they leave is not taken for a deletion.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from shared.documents.refs import Ref, refs_in
from shared.eventstore import rows

FORMAT = "scrutiny-evidence-bundle/1"
MANIFEST = "manifest.json"
ANCHORS = "anchors.json"

# The columns of a store's events table, in table order; all but trace_context are hashed.
COLUMNS = rows.COLUMNS


def events_file(store: str) -> str:
    return f"events/{store}.jsonl"


def event_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row (asyncpg Record or dict) as the JSON object of its bundle line."""
    return rows.record(row)


def event_line(row: Mapping[str, Any]) -> bytes:
    return json.dumps(event_record(row), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True)
class Link:
    """One partnership's place in a chain: the position and hash of its last event."""

    position: int
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, "hash": self.hash}


@dataclass
class StoreSlice:
    """What anchors.json says of one store's slice of the chain."""

    store: str
    after_position: int
    anchor: dict[str, Link]
    last_position: int
    head: dict[str, Link]
    events: int
    other_partnerships: list[tuple[int, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": events_file(self.store),
            "after_position": self.after_position,
            "anchor": {p: link.as_json() for p, link in sorted(self.anchor.items())},
            "last_position": self.last_position,
            "head": {p: link.as_json() for p, link in sorted(self.head.items())},
            "events": self.events,
            "other_partnerships": [list(r) for r in self.other_partnerships],
        }


class SliceWriter:
    """Streams one store's rows, in position order, into its JSON Lines file.

    `partnerships` (None: all) picks whose events go in; positions of the others
    are kept as ranges so the checker knows those gaps are not deletions."""

    def __init__(
        self,
        store: str,
        out: IO[bytes],
        after_position: int,
        anchor: Mapping[str, Link],
        partnerships: frozenset[str] | None,
    ) -> None:
        self._out = out
        self._partnerships = partnerships
        self.slice = StoreSlice(store, after_position, dict(anchor), after_position, dict(anchor), 0)
        self.documents: dict[str, Ref] = {}  # the documents the slice's events attach, by hash

    def add(self, row: Mapping[str, Any]) -> None:
        position = row["position"]
        if position <= self.slice.last_position:
            raise ValueError(f"{self.slice.store}: rows must come in position order ({position})")
        self.slice.last_position = position
        partnership = row["partnership_id"]
        if self._partnerships is not None and partnership not in self._partnerships:
            others = self.slice.other_partnerships
            if others and others[-1][1] == position - 1:
                others[-1] = (others[-1][0], position)
            else:
                others.append((position, position))
            return
        record = event_record(row)
        self._out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        for ref in refs_in(record["payload"]):
            self.documents.setdefault(ref.sha256, ref)
        self.slice.head[partnership] = Link(position, record["hash"])
        self.slice.events += 1

    def end_at(self, last_position: int) -> None:
        """The slice's recorded end: normally the last row's position."""
        if last_position < self.slice.last_position:
            raise ValueError(f"{self.slice.store}: the slice ends at {self.slice.last_position}")
        self.slice.last_position = last_position


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class BundleWriter:
    """Writes a bundle directory: files first, then anchors.json and manifest.json last."""

    def __init__(self, root: Path) -> None:
        if root.exists() and any(root.iterdir()):
            raise FileExistsError(f"{root} already exists and is not empty: evidence is never overwritten")
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.slices: list[StoreSlice] = []
        self.documents: dict[str, Ref] = {}  # every document the bundle's events attach, by hash

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    @contextmanager
    def store(
        self,
        store: str,
        after_position: int,
        anchor: Mapping[str, Link],
        partnerships: frozenset[str] | None = None,
    ) -> Iterator[SliceWriter]:
        path = self.root / events_file(store)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            writer = SliceWriter(store, out, after_position, anchor, partnerships)
            yield writer
        self.slices.append(writer.slice)
        for sha, ref in writer.documents.items():
            self.documents.setdefault(sha, ref)

    def files(self) -> list[dict[str, Any]]:
        """Every file but the manifest, by bundle path, with its SHA-256 and size."""
        listed = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            name = path.relative_to(self.root).as_posix()
            if name != MANIFEST:
                listed.append({"path": name, "sha256": sha256_of(path), "bytes": path.stat().st_size})
        return listed

    def finish(self, manifest: Mapping[str, Any]) -> str:
        """Write anchors.json and manifest.json; returns the bundle's fingerprint
        (the SHA-256 of manifest.json, which covers every other file)."""
        anchors = {"format": FORMAT, "stores": {s.store: s.as_json() for s in sorted(self.slices, key=lambda s: s.store)}}
        self.write(ANCHORS, _pretty(anchors))
        document = {"format": FORMAT, **manifest, "files": self.files()}
        data = _pretty(document)
        self.write(MANIFEST, data)
        return hashlib.sha256(data).hexdigest()

    def zip(self) -> Path:
        """A .zip of the bundle beside it, its files under the bundle's directory name."""
        target = self.root.with_name(self.root.name + ".zip")
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
                archive.write(path, f"{self.root.name}/{path.relative_to(self.root).as_posix()}")
        return target


def _pretty(document: Any) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"


def platform_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scrutiny")
    except PackageNotFoundError:
        return "unknown"
