"""Checks an evidence bundle on its own: no database, no network, nothing but the files.

1. manifest.json lists every file: none may be missing or extra, and each one's
   SHA-256 and size must match.
2. Each store's events, read from its JSON Lines file, must form an unbroken
   slice of the hash chain from the anchor in anchors.json to the head recorded
   there (the same ChainChecker as `scrutiny verify` runs on the live database).
3. Every document those events attach is in the bundle and hashes to the SHA-256
   they recorded, or is listed as erased (bundle_documents.py).
4. Each signed chain head the bundle carries verifies with its public key, and the event
   at its position has the signed hash (bundle_heads.py).

Every problem names the file, and for an event its line, store, position and id.
Over 300 lines because both checks report into one list of problems, in one pass over
the files.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from shared.documents.refs import refs_in
from shared.eventstore import bundle_documents, bundle_heads, rows
from shared.eventstore.bundle import ANCHORS, FORMAT, MANIFEST, events_file
from shared.eventstore.verify import ChainChecker, ChainReport

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    store: str | None = None
    position: int | None = None
    event_id: str | None = None

    def __str__(self) -> str:
        return f"{self.file}{f' line {self.line}' if self.line else ''}: {self.message}"


@dataclass
class StoreCheck:
    store: str
    file: str
    after_position: int
    last_position: int
    chain: ChainReport


@dataclass
class BundleReport:
    location: str
    manifest: dict[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None  # SHA-256 of manifest.json
    files_checked: int = 0
    stores: list[StoreCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    attached: bundle_documents.Attached = field(default_factory=bundle_documents.Attached)
    documents: bundle_documents.DocumentsChecked = field(default_factory=bundle_documents.DocumentsChecked)
    signed: bundle_heads.SignedHeadsChecked = field(default_factory=bundle_heads.SignedHeadsChecked)

    @property
    def intact(self) -> bool:
        return not self.problems

    def add(self, file: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(file, message, **where))


class _Files:
    """The bundle's files by their path inside it, from a directory or a .zip."""

    def __init__(self, path: Path) -> None:
        self._dir: Path | None = None
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_dir():
            self._dir = path
            self.names = {
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            }
        else:
            self._zip = zipfile.ZipFile(path)
            members = [n for n in self._zip.namelist() if not n.endswith("/")]
            tops = {n.split("/", 1)[0] for n in members}
            if len(tops) == 1 and all("/" in n for n in members):  # one folder at the top
                self._prefix = f"{tops.pop()}/"
            self.names = {n.removeprefix(self._prefix) for n in members}

    def open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        assert self._dir is not None
        return (self._dir / name).open("rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as f:
            return f.read()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def verify_bundle(path: Path) -> BundleReport:
    """Check the bundle at `path` (its directory or its .zip)."""
    report = BundleReport(str(path))
    if not path.exists():
        report.add(str(path), "no such bundle (a directory or a .zip)")
        return report
    try:
        files = _Files(path)
    except zipfile.BadZipFile:
        report.add(path.name, "is neither a bundle directory nor a readable .zip")
        return report
    try:
        if MANIFEST not in files.names:
            report.add(MANIFEST, "is missing: without it nothing in the bundle can be checked")
            return report
        data = files.read(MANIFEST)
        report.fingerprint = hashlib.sha256(data).hexdigest()
        manifest = _document(report, MANIFEST, data)
        if manifest is None:
            return report
        report.manifest = manifest
        _check_files(report, files, manifest.get("files"))
        if ANCHORS not in files.names:
            if not any(p.file == ANCHORS for p in report.problems):
                report.add(ANCHORS, "is missing: the chains cannot be checked")
            return report
        anchors = _document(report, ANCHORS, files.read(ANCHORS))
        report.signed = bundle_heads.load(report.add, files.names, files.read)
        if anchors is not None:
            _check_chains(report, files, anchors, manifest)
            slices = {s.store: (s.after_position, s.last_position) for s in report.stores}
            bundle_heads.check(report.add, report.signed, slices)
        report.documents = bundle_documents.check(report.add, files.names, files.open, report.attached)
    finally:
        files.close()
    return report


def _document(report: BundleReport, name: str, data: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add(name, f"is not valid JSON ({exc})")
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        report.add(name, f"is not a {FORMAT} document")
        return None
    return document


def _safe(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and "\\" not in name


def _check_files(report: BundleReport, files: _Files, listed: Any) -> None:
    if not isinstance(listed, list):
        report.add(MANIFEST, "has no list of files")
        return
    expected: dict[str, dict[str, Any]] = {}
    for entry in listed:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not _safe(name) or name == MANIFEST:
            report.add(MANIFEST, f"lists an entry that is not a file of the bundle: {entry!r}")
        elif name in expected:
            report.add(MANIFEST, f"lists {name} twice")
        else:
            expected[name] = entry
    present = files.names - {MANIFEST}
    for name in sorted(set(expected) - present):
        report.add(name, "is listed in the manifest but missing from the bundle")
    for name in sorted(present - set(expected)):
        report.add(name, "is in the bundle but not listed in the manifest (a file was added)")
    for name in sorted(set(expected) & present):
        digest, size = _digest(files, name)
        entry = expected[name]
        report.files_checked += 1
        if digest != entry.get("sha256"):
            report.add(
                name,
                f"its SHA-256 {digest} does not match the manifest's {entry.get('sha256')}"
                " (the file was altered)",
            )
        elif size != entry.get("bytes"):
            report.add(name, f"is {size} bytes, the manifest says {entry.get('bytes')}")


def _digest(files: _Files, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with files.open(name) as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _check_chains(report: BundleReport, files: _Files, anchors: dict[str, Any], manifest: dict[str, Any]) -> None:
    stores = anchors.get("stores")
    if not isinstance(stores, dict):
        report.add(ANCHORS, "has no stores")
        return
    listed = manifest.get("stores")
    if isinstance(listed, list) and sorted(listed) != sorted(stores):
        report.add(ANCHORS, f"anchors the stores {sorted(stores)}, the manifest lists {sorted(listed)}")
    for name in sorted(files.names):
        if name.startswith("events/") and name.removeprefix("events/").removesuffix(".jsonl") not in stores:
            report.add(name, "has no anchor in anchors.json, so its chain cannot be checked")
    for store, spec in sorted(stores.items()):
        slice_ = _slice(report, store, spec)
        if slice_ is None:
            continue
        name = events_file(store)
        if name not in files.names:
            if not any(p.file == name for p in report.problems):
                report.add(name, f"is missing: the {store} store's events cannot be checked")
            continue
        report.stores.append(_check_store(report, files, store, name, slice_))


@dataclass(frozen=True)
class _Slice:
    after_position: int
    anchor: dict[str, str]
    last_position: int
    head: dict[str, str]
    events: int
    others: list[tuple[int, int]]


def _slice(report: BundleReport, store: str, spec: Any) -> _Slice | None:
    try:
        assert isinstance(spec, dict) and spec.get("file") == events_file(store)
        after, last = spec["after_position"], spec["last_position"]
        assert _is_int(after) and _is_int(last) and 0 <= after <= last and _is_int(spec["events"])
        anchor = {p: link["hash"] for p, link in spec["anchor"].items()}
        head = {p: link["hash"] for p, link in spec["head"].items()}
        assert all(isinstance(h, str) and _HEX64.fullmatch(h) for h in [*anchor.values(), *head.values()])
        others = [(int(low), int(high)) for low, high in spec["other_partnerships"]]
    except (AssertionError, AttributeError, KeyError, TypeError, ValueError):
        report.add(ANCHORS, f"the anchor of store {store!r} is malformed", store=store)
        return None
    return _Slice(after, anchor, last, head, spec["events"], others)


def _check_store(report: BundleReport, files: _Files, store: str, name: str, slice_: _Slice) -> StoreCheck:
    checker = ChainChecker(
        store, after_position=slice_.after_position, anchors=slice_.anchor, other_positions=slice_.others
    )

    def broke(since: int, line: int | None) -> None:
        for b in checker.report.breaks[since:]:
            report.add(name, str(b), line=line, store=store, position=b.position, event_id=b.event_id)

    unreadable = 0
    with files.open(name) as f:
        for number, raw in enumerate(_lines(f), start=1):
            row, error = _parse(raw)
            if row is None:
                unreadable += 1
                position, event_id = _guess(raw)
                report.add(
                    name,
                    f"{store} position {position} (event {event_id}): is not a well-formed event ({error})",
                    line=number, store=store, position=position if position != "?" else None,
                    event_id=event_id if event_id != "?" else None,
                )
                continue
            before = len(checker.report.breaks)
            checker.feed(row)
            broke(before, number)
            report.signed.saw(store, row)
            report.attached.add(refs_in(row["payload"]), f"{store} position {row['position']} (event {row['event_id']})")
    before = len(checker.report.breaks)
    chain = checker.finish(slice_.head, end_position=slice_.last_position)
    broke(before, None)
    if chain.events_checked + unreadable != slice_.events:
        report.add(name, f"holds {chain.events_checked + unreadable} events; anchors.json records {slice_.events}", store=store)
    return StoreCheck(store, name, slice_.after_position, slice_.last_position, chain)


def _lines(f: IO[bytes]) -> Iterator[bytes]:
    for raw in f:
        yield raw.rstrip(b"\n")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """A line back to the row the chain hashes, or why it cannot be."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    if missing := [c for c in rows.HASHED if c not in record]:
        return None, f"lacks {', '.join(missing)}"
    if bad := [c for c in rows.INTS if not _is_int(record[c])]:
        return None, f"{', '.join(bad)} must be whole numbers"
    if bad := [c for c in rows.TEXTS if not isinstance(record[c], str)]:
        return None, f"{', '.join(bad)} must be text"
    if record["causation_id"] is not None and not isinstance(record["causation_id"], str):
        return None, "causation_id must be text or null"
    if bad := [c for c in rows.HASHES if not (isinstance(record[c], str) and _HEX64.fullmatch(record[c]))]:
        return None, f"{', '.join(bad)} must be 64 hexadecimal digits"
    row = dict(record)
    for column in rows.TIMES:
        try:
            row[column] = datetime.fromisoformat(record[column])
        except (TypeError, ValueError):
            return None, f"{column} is not an ISO 8601 time"
        if row[column].tzinfo is None:
            return None, f"{column} has no time zone"
    return row, ""


def _guess(raw: bytes) -> tuple[int | str, str]:
    """The position and event id of a line too damaged to read, if they can still be seen."""
    text = raw.decode("utf-8", errors="replace")
    position = re.search(r'"position"\s*:\s*(\d+)', text)
    event_id = re.search(r'"event_id"\s*:\s*"([^"]*)"', text)
    return (int(position.group(1)) if position else "?", event_id.group(1) if event_id else "?")
