"""Evidence for inspection: a bundle of a period's events, their chain anchors and
the reports as of the period's end, built from the database (format: shared/eventstore/bundle.py).

The reports are built first, into a temporary schema, by the projection runner
as of the end of the last day (London time); each store's slice then ends at
exactly the position the reports were built from, so the events in the bundle
are the events behind its figures even while the platform keeps recording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import asyncpg

from services.reporting.adapters.as_of import AsOfSchemas
from services.reporting.adapters.pages import render_board_pack, render_dashboard
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.sources import SOURCES
from services.reporting.domain.views.board_pack_schedule import default_group
from shared.clock import Clock, SystemClock
from shared.documents.checks import erased_documents
from shared.documents.store import document_store
from shared.eventstore import bundle_documents, bundle_heads
from shared.eventstore.bundle import BundleWriter, Link, StoreSlice, platform_version
from shared.eventstore.heads import SignedHeads
from shared.eventstore.postgres import PostgresEventStore
from shared.eventstore.signing import SignedHead
from shared.london import LONDON
from shared.profiles.schema import FrameworkProfile

# A schema is an event store when its events table has the columns the chain needs.
_CHAIN_COLUMNS = ["position", "event_id", "partnership_id", "recorded_at", "payload", "prev_hash", "hash"]
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

README = """\
Evidence bundle exported by scrutiny
====================================

manifest.json          every other file with its SHA-256 and size; the period,
                       partnerships, platform version and export time
anchors.json           for each store, where its slice of the hash chain starts
                       (the hash of each partnership's event just before the
                       period) and where it ends (each partnership's head)
events/<store>.jsonl   the period's events, one JSON object a line, in position order
reports/<partnership>/ the dashboard and board pack as of the end of the period
documents/<sha256>     each document the events attach, named by its SHA-256
documents.json         each of those documents: included, or erased before the export
chain_heads.json       the platform's public key and, for each store's chains, the
                       newest head signed inside the period (Ed25519, key outside the
                       database): the events are the history signed when recorded

To check it (no database or network needed):  scrutiny verify <this directory or .zip>
Each event's hash is SHA-256 of the previous hash of its partnership's chain
followed by the event's canonical JSON (shared/hashchain.py). An event that
attaches a document records the document's SHA-256 in its payload, so the chain
covers the document: `sha256sum documents/*` shows each file hashes to its name.
"""


@dataclass(frozen=True)
class Period:
    """Whole days, London time: from the start of the first to the end of the last."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.first_day > self.last_day:
            raise ValueError(f"the period ends ({self.last_day}) before it starts ({self.first_day})")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=LONDON)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day, time.max, tzinfo=LONDON)


@dataclass(frozen=True)
class Exported:
    directory: Path
    zip: Path | None
    fingerprint: str  # SHA-256 of manifest.json
    slices: list[StoreSlice]
    partnerships: list[str]
    reports: list[str]


def bundle_name(period: Period, partnership: str | None) -> str:
    return f"evidence-{partnership or 'all'}-{period.first_day.isoformat()}-{period.last_day.isoformat()}"


async def discover_stores(pool: asyncpg.Pool) -> list[str]:
    """Every schema holding an event store (an events table with the chain's columns)."""
    rows = await pool.fetch(
        "SELECT table_schema FROM information_schema.columns"
        " WHERE table_name = 'events' AND column_name = ANY($1::text[])"
        " GROUP BY table_schema HAVING count(DISTINCT column_name) = $2 ORDER BY table_schema",
        _CHAIN_COLUMNS,
        len(_CHAIN_COLUMNS),
    )
    return [r["table_schema"] for r in rows if _IDENTIFIER.fullmatch(r["table_schema"])]


async def export_evidence(
    pool: asyncpg.Pool,
    period: Period,
    out_dir: Path,
    profiles: Sequence[FrameworkProfile],
    *,
    partnership: str | None = None,
    clock: Clock | None = None,
    zip_bundle: bool = False,
    signed_heads: SignedHeads | None = None,
) -> Exported:
    """Write the bundle of `period` under `out_dir`: every partnership's events, or with
    `partnership` only that one's; reports for each of `profiles`; with `signed_heads`
    (JetStream's), the heads signed inside the period, in chain_heads.json."""
    clock = clock or SystemClock()
    if partnership is not None:
        profiles = [p for p in profiles if p.id == partnership]
    stores = await discover_stores(pool)
    bundle = BundleWriter(out_dir / bundle_name(period, partnership))
    built = await _write_reports(pool, bundle, period, profiles, clock, partnership)
    chosen = frozenset({partnership}) if partnership else None
    for store in stores:
        await _write_store(pool, bundle, store, period, built.get(store), chosen)
    await _write_documents(pool, bundle)
    if signed_heads is not None:
        heads: dict[str, list[SignedHead]] = {}
        for s in bundle.slices:
            heads[s.store] = await signed_heads.covering(s.store, s.after_position, s.last_position, chosen)
        bundle.write(bundle_heads.FILE, bundle_heads.document(signed_heads.key, heads))
    chains = {p for s in bundle.slices for p in s.head}
    partnerships = [partnership] if partnership else sorted(chains | {p.id for p in profiles})
    bundle.write("README.txt", README.encode())
    fingerprint = bundle.finish(
        {
            "title": "Evidence for inspection",
            "period": {
                "from": period.first_day.isoformat(),
                "to": period.last_day.isoformat(),
                "time_zone": "Europe/London",
                "recorded_from": period.start.isoformat(),
                "recorded_until": period.end.isoformat(),
            },
            "partnerships": partnerships,
            "scope": f"partnership {partnership}" if partnership else "every partnership",
            "platform": {"name": "scrutiny", "version": platform_version()},
            "exported_at": clock.now().isoformat(),
            "stores": [s.store for s in bundle.slices],
            "reports": {"as_of": period.end.isoformat(), "partnerships": [p.id for p in profiles]},
        }
    )
    return Exported(
        bundle.root,
        bundle.zip() if zip_bundle else None,
        fingerprint,
        bundle.slices,
        partnerships,
        [p.id for p in profiles],
    )


async def _write_reports(
    pool: asyncpg.Pool, bundle: BundleWriter, period: Period, profiles: Sequence[FrameworkProfile], clock: Clock,
    partnership: str | None,
) -> dict[str, int]:
    """Render each profile's dashboard and board pack as of the period's end, from the one
    as-of service the pages and the command line use; returns the position each source
    was built to."""
    for source in SOURCES:  # as the reporting service does: a store never written to may not exist yet
        await PostgresEventStore(pool, source).create_schema()
    schemas = AsOfSchemas(pool, clock)
    async with schemas.until(period.end, partnership=partnership) as then:
        built = await schemas.positions(then)
        read_models = BoardPackReadModels(pool, then.schema)
        as_of = period.end.astimezone(UTC)  # the pages print their moment in UTC
        for profile in profiles:
            view = await read_models.dashboard(profile, as_of)
            bundle.write(f"reports/{profile.id}/dashboard.html", render_dashboard(view).encode())
            # The board's pack for a meeting on the last day, looking back over the whole period.
            pack = await read_models.board_pack(
                profile, default_group(profile), period.last_day, as_of, period.first_day - timedelta(days=1)
            )
            bundle.write(f"reports/{profile.id}/board-pack.html", render_board_pack(pack).encode())
    return built


async def _write_documents(pool: asyncpg.Pool, bundle: BundleWriter) -> None:
    """Each document the slices' events attach, as stored (a changed one too: the bundle's
    check then names it), and documents.json saying which were erased before now."""
    if not bundle.documents:
        return
    store = document_store(pool)
    included: set[str] = set()
    for sha in sorted(bundle.documents):
        blob = await store.get(sha)
        if blob is not None:
            bundle.write(bundle_documents.document_file(sha), blob.content)
            included.add(sha)
    missing = [ref for sha, ref in bundle.documents.items() if sha not in included]
    erased = await erased_documents(pool, missing)
    bundle.write(bundle_documents.INDEX, bundle_documents.index(bundle.documents, included, erased))


async def _write_store(
    pool: asyncpg.Pool,
    bundle: BundleWriter,
    store: str,
    period: Period,
    built_to: int | None,
    chosen: frozenset[str] | None,
) -> None:
    """One store's slice: the events after the last one recorded before the period,
    up to the position the reports were built from (or the last recorded by its end)."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        after: int = await conn.fetchval(
            f"SELECT coalesce(max(position), 0) FROM {store}.events WHERE recorded_at < $1", period.start
        )
        last: int = built_to if built_to is not None else await conn.fetchval(
            f"SELECT coalesce(max(position), 0) FROM {store}.events WHERE recorded_at <= $1", period.end
        )
        last = max(last, after)
        anchor = {
            r["partnership_id"]: Link(r["position"], bytes(r["hash"]).hex())
            for r in await conn.fetch(
                f"SELECT DISTINCT ON (partnership_id) partnership_id, position, hash FROM {store}.events"
                " WHERE position <= $1 AND ($2::text[] IS NULL OR partnership_id = ANY($2::text[]))"
                " ORDER BY partnership_id, position DESC",
                after,
                sorted(chosen) if chosen else None,
            )
        }
        with bundle.store(store, after, anchor, chosen) as writer:
            async for row in conn.cursor(
                f"SELECT * FROM {store}.events WHERE position > $1 AND position <= $2 ORDER BY position",
                after,
                last,
                prefetch=2000,
            ):
                writer.add(row)
            writer.end_at(last)
