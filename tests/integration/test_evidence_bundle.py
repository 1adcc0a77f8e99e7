"""Evidence for inspection: activity recorded through the running platform, a period
exported into a bundle, and the bundle checked on its own, intact and tampered with."""

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from click.testing import Result
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.evidence import Exported, Period, export_evidence
from shared.clock import ManualClock
from shared.eventstore.bundle import ANCHORS, MANIFEST
from shared.eventstore.bundle_check import verify_bundle
from shared.eventstore.postgres import PostgresEventStore
from shared.waiting import eventually
from tests.support.bundles import flip_byte, reseal
from tests.support.events import envelopes
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

S11 = "events/section11.jsonl"
DASHBOARD = f"reports/{PARTNERSHIP}/dashboard.html"
BOARD_PACK = f"reports/{PARTNERSHIP}/board-pack.html"
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


async def record_two_days(platform: RunningPlatform, clock: ManualClock) -> None:
    """2 November: a cycle opens and two agencies return. 5 November: a third returns,
    an assurance event concludes and an action is raised."""
    assert (await platform.open_cycle())["status"] == "accepted"
    assert (await platform.submit("humberside-police", {"culture-and-challenge": 2}))["status"] == "accepted"
    assert (await platform.submit("east-midlands-ambulance-service"))["status"] == "accepted"
    clock.advance(timedelta(days=3))
    assert (await platform.submit("nlc-childrens-social-care"))["status"] == "accepted"
    concluded = await platform.command(
        "events", "conclude",
        {
            "assurance_event_id": "thematic-1", "activity_type": "thematic-assurance-event",
            "title": "Thematic assurance event: neglect", "held_on": "2026-11-04", "theme": "neglect",
            "recorded_by": "business unit",
        },
    )
    assert concluded["status"] == "accepted", concluded
    raised = await platform.command(
        "reviews", "raise-action",
        {
            "action_id": "act-1", "title": "Audit strategy meeting attendance", "owner_agency_id": "humberside-police",
            "due_on": "2026-12-20", "source_type": "assurance-event", "source_id": "thematic-1", "raised_by": "business unit",
        },
    )
    assert raised["status"] == "accepted", raised
    # Everything recorded has reached reporting, so no reaction is still on its way.
    await eventually(
        lambda: platform.count("SELECT count(*) FROM reporting.actions"), what="the action projected"
    )


async def export(platform: RunningPlatform, out: Path, period: Period = NOVEMBER, **kw: object) -> Exported:
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    return await export_evidence(platform.pool, period, out, [profile], clock=platform.clock, **kw)  # type: ignore[arg-type]


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_a_period_is_exported_with_its_events_anchors_and_reports_and_verifies(
    platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    await record_two_days(platform, clock)
    exported = await export(platform, tmp_path, partnership=PARTNERSHIP, zip_bundle=True)
    root = exported.directory
    assert root == tmp_path / f"evidence-{PARTNERSHIP}-2026-11-01-2026-11-30"

    manifest = json.loads((root / MANIFEST).read_text())
    assert manifest["period"]["from"] == "2026-11-01" and manifest["period"]["to"] == "2026-11-30"
    assert manifest["partnerships"] == [PARTNERSHIP]
    assert manifest["platform"]["name"] == "scrutiny" and manifest["platform"]["version"]
    assert manifest["exported_at"] == clock.now().isoformat()
    assert {"section11", "events", "reviews"} <= set(manifest["stores"])
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(listed) == on_disk
    assert {S11, "events/events.jsonl", "events/reviews.jsonl", ANCHORS, DASHBOARD, BOARD_PACK} <= on_disk
    assert listed[S11]["sha256"] == hashlib.sha256((root / S11).read_bytes()).hexdigest()

    section11 = lines(root / S11)
    stored = await platform.count("SELECT count(*) FROM section11.events")
    assert [e["position"] for e in section11] == list(range(1, stored + 1))
    assert {"prev_hash", "hash", "payload", "recorded_at", "partnership_id"} <= set(section11[0])
    assert [e["event_type"] for e in lines(root / "events/events.jsonl")] == ["AssuranceEventConcluded"]
    assert "ActionRaised" in [e["event_type"] for e in lines(root / "events/reviews.jsonl")]
    anchors = json.loads((root / ANCHORS).read_text())["stores"]["section11"]
    assert (anchors["after_position"], anchors["anchor"]) == (0, {})
    head = await platform.pool.fetchrow("SELECT position, hash FROM section11.chain_heads WHERE partnership_id = $1", PARTNERSHIP)
    assert anchors["head"][PARTNERSHIP] == {"position": head["position"], "hash": bytes(head["hash"]).hex()}

    dashboard = (root / DASHBOARD).read_text()
    assert "30 November 2026 23:59" in dashboard and returned(dashboard) == 3  # three agencies returned by then
    assert "30 November 2026" in (root / BOARD_PACK).read_text()
    leftovers = await platform.count("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'evidence_%'")
    assert leftovers == 0  # the temporary read models are dropped

    report = verify_bundle(root)
    assert report.intact, [str(p) for p in report.problems]
    assert {s.store: s.chain.events_checked for s in report.stores}["section11"] == stored
    assert exported.zip is not None and verify_bundle(exported.zip).intact
    assert report.fingerprint == exported.fingerprint


async def test_a_period_starting_mid_chain_verifies_from_its_anchor_and_reports_as_of_its_end(
    platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    await record_two_days(platform, clock)
    before = await platform.count(
        "SELECT max(position) FROM section11.events WHERE recorded_at < '2026-11-04T00:00:00+00:00'"
    )
    later = await export(platform, tmp_path, Period(date(2026, 11, 4), date(2026, 11, 30)))
    events = lines(later.directory / S11)
    assert events and events[0]["position"] == before + 1
    assert all(e["recorded_at"] >= "2026-11-04" for e in events)
    anchor = json.loads((later.directory / ANCHORS).read_text())["stores"]["section11"]
    assert anchor["after_position"] == before
    last_before = await platform.pool.fetchval("SELECT hash FROM section11.events WHERE position = $1", before)
    assert anchor["anchor"][PARTNERSHIP] == {"position": before, "hash": bytes(last_before).hex()}
    report = verify_bundle(later.directory)
    assert report.intact, [str(p) for p in report.problems]

    earlier = await export(platform, tmp_path, Period(date(2026, 11, 1), date(2026, 11, 3)))
    assert [e["position"] for e in lines(earlier.directory / S11)] == list(range(1, before + 1))
    assert lines(earlier.directory / "events/events.jsonl") == []
    assert returned((earlier.directory / f"reports/{PARTNERSHIP}/dashboard.html").read_text()) == 2
    assert verify_bundle(earlier.directory).intact


async def test_tampering_with_a_bundle_is_named(platform: RunningPlatform, clock: ManualClock, tmp_path: Path) -> None:
    await record_two_days(platform, clock)
    root = (await export(platform, tmp_path / "export")).directory

    event_byte = shutil.copytree(root, tmp_path / "event-byte")
    # a rating in a return's roll-up: stored in clear (its names and narratives are sealed: docs/security.md)
    data = (event_byte / S11).read_bytes()
    at = next(i for i in range(data.index(b'"domain_ratings"'), len(data)) if data[i:i + 1].isdigit())
    (event_byte / S11).write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:])
    altered = next(e for e in lines(root / S11) if "domain_ratings" in json.dumps(e))
    problems = verify_bundle(event_byte).problems
    assert problems[0].file == S11 and "SHA-256" in problems[0].message
    assert any(
        p.file == S11 and p.position == altered["position"] and p.event_id == altered["event_id"] and "altered" in p.message
        for p in problems
    ), [str(p) for p in problems]

    report_byte = shutil.copytree(root, tmp_path / "report-byte")
    flip_byte(report_byte / DASHBOARD, b"Partnership data dashboard")
    [problem] = verify_bundle(report_byte).problems
    assert problem.file == DASHBOARD and "does not match the manifest" in problem.message

    deleted = shutil.copytree(root, tmp_path / "deleted-line")
    kept = (deleted / S11).read_bytes().splitlines(keepends=True)
    (deleted / S11).write_bytes(b"".join(kept[:1] + kept[2:]))  # position 2 gone
    reseal(deleted)
    problems = verify_bundle(deleted).problems
    assert any(p.file == S11 and p.position == 3 and "positions 2 are missing" in p.message for p in problems), [
        str(p) for p in problems
    ]


async def test_every_store_is_discovered_and_one_partnerships_bundle_leaves_the_others_out(
    platform: RunningPlatform, clock: ManualClock, tmp_path: Path
) -> None:
    await record_two_days(platform, clock)
    extra = PostgresEventStore(platform.pool, "extra_store", clock=clock)
    await extra.create_schema()
    for n in range(5):
        stream = f"x-{n}-{uuid4()}"
        await extra.append(stream, 0, envelopes(stream, 0, 1, partnership=PARTNERSHIP if n % 2 else "elsewhere"))
    await extra.close()

    everyone = await export(platform, tmp_path / "all")
    assert [e["position"] for e in lines(everyone.directory / "events/extra_store.jsonl")] == [1, 2, 3, 4, 5]
    assert set(everyone.partnerships) == {PARTNERSHIP, "elsewhere"}
    assert verify_bundle(everyone.directory).intact

    ours = await export(platform, tmp_path / "ours", partnership=PARTNERSHIP)
    assert [e["position"] for e in lines(ours.directory / "events/extra_store.jsonl")] == [2, 4]
    anchor = json.loads((ours.directory / ANCHORS).read_text())["stores"]["extra_store"]
    assert anchor["other_partnerships"] == [[1, 1], [3, 3], [5, 5]]
    assert "elsewhere" not in (ours.directory / "events/extra_store.jsonl").read_text()
    report = verify_bundle(ours.directory)
    assert report.intact, [str(p) for p in report.problems]


async def _scrutiny(*args: str, database: str) -> Result:
    """The command in this process (in a thread: it runs its own event loop)."""
    env = {"SCRUTINY_DATABASE_URL": database, "COLUMNS": "200"}
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


async def test_the_commands_export_and_verify_with_exit_codes(
    platform: RunningPlatform, clock: ManualClock, database: str, tmp_path: Path
) -> None:
    await record_two_days(platform, clock)
    out = tmp_path / "out"
    period = ["--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out), "--profile", PARTNERSHIP]
    exported = await _scrutiny("evidence", "export", *period, "--zip", database=database)
    assert exported.exit_code == 0, exported.output
    bundle = out / f"evidence-{PARTNERSHIP}-2026-11-01-2026-11-30"
    assert f"Evidence bundle: {bundle}" in exported.output
    assert hashlib.sha256((bundle / MANIFEST).read_bytes()).hexdigest() in exported.output

    # On its own: a separate process told of no database that could answer.
    env = os.environ | {"SCRUTINY_DATABASE_URL": "postgresql://nobody@192.0.2.1:1/none", "COLUMNS": "200"}
    alone = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "services.cli.main", "verify", str(bundle)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "chain intact from its anchor" in alone.stdout and "bundle intact" in alone.stdout
    assert (await _scrutiny("verify", f"{bundle}.zip", database="")).exit_code == 0

    again = await _scrutiny("evidence", "export", *period, database=database)
    assert again.exit_code == 1 and "never overwritten" in again.output

    flip_byte(bundle / BOARD_PACK, b"30 November 2026")
    broken = await _scrutiny("verify", str(bundle), database="")
    assert broken.exit_code == 1
    assert f"{BOARD_PACK}: its SHA-256" in broken.output and "bundle NOT intact" in broken.output

    backwards = await _scrutiny("evidence", "export", "--from", "2026-11-30", "--to", "2026-11-01", database=database)
    assert backwards.exit_code == 2 and "before it starts" in backwards.output


def returned(dashboard: str) -> int:
    """The dashboard's figure of agencies that returned Section 11 (its data-figure)."""
    found = re.search(r'data-figure="agencies-returned">(\d+)<', dashboard)
    assert found, "the dashboard shows no agencies-returned figure"
    return int(found[1])
