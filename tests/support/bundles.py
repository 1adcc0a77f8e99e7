"""Evidence bundles built without a database (a chain from the in-memory store), and
the edits a forger would make to one."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from shared.catalogue.section11 import SubmissionReceived
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore.bundle import MANIFEST, BundleWriter, Link, events_file
from shared.eventstore.memory import InMemoryEventStore
from shared.mapper import new_envelopes
from tests.support.rows import row_of

NL = "north-lincolnshire"
OTHER = "other-partnership"
ORDER = [NL, OTHER, NL, NL, OTHER, NL, OTHER, NL, NL, OTHER]
EVENTS = events_file("section11")
REPORT = "reports/north-lincolnshire/dashboard.html"


async def build_chain() -> list[Envelope]:
    clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    store = InMemoryEventStore("section11", clock=clock)
    for n, partnership in enumerate(ORDER):
        clock.advance(timedelta(hours=7))
        stream = f"s11-return:{partnership}:agency-{n}:2026"
        meta = Metadata(partnership_id=partnership, actor="agency:test", correlation_id=uuid4())
        event = SubmissionReceived(
            submission_id=f"s-{n}", agency_id=f"agency-{n}", cycle_id="2026",
            domain_ratings={"leadership-and-governance": 1 + n % 4}, submitted_by="Safeguarding lead (invented)",
        )
        await store.append(stream, 0, new_envelopes(stream, 0, [event], meta, clock.now()))
    return await store.read_all()


def write_bundle(root: Path, chain: list[Envelope], after: int = 0, only: str | None = None) -> Path:
    """A bundle of the chain after position `after` (of one partnership, or all)."""
    writer = BundleWriter(root)
    chosen = frozenset({only}) if only else None
    anchor = {
        e.partnership_id: Link(e.position or 0, e.hash or "")
        for e in chain
        if (e.position or 0) <= after and (chosen is None or e.partnership_id in chosen)
    }
    with writer.store("section11", after, anchor, chosen) as slice_:
        for envelope in chain:
            if (envelope.position or 0) > after:
                slice_.add(row_of(envelope))
        slice_.end_at(chain[-1].position or 0)
    writer.write(REPORT, b"<html><body>Heat map as of 30 November</body></html>\n")
    writer.finish({"period": {"from": "2026-11-01", "to": "2026-11-30"}, "partnerships": [only or NL], "stores": ["section11"]})
    return root


def lines(root: Path) -> list[bytes]:
    return (root / EVENTS).read_bytes().splitlines(keepends=True)


def reseal(root: Path) -> None:
    """What a forger would do after editing a file: put its new hash in the manifest."""
    manifest = json.loads((root / MANIFEST).read_text())
    for entry in manifest["files"]:
        data = (root / entry["path"]).read_bytes()
        entry["sha256"], entry["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    (root / MANIFEST).write_text(json.dumps(manifest))


def flip_byte(path: Path, inside: bytes) -> None:
    data = path.read_bytes()
    at = data.index(inside)
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
