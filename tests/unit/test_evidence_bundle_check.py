"""The evidence bundle checked on its own: manifest hashes, no file missing or extra,
each store's slice of the hash chain from its anchor (no database anywhere here)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from shared.envelope import Envelope
from shared.eventstore.bundle import ANCHORS, MANIFEST
from shared.eventstore.bundle_check import verify_bundle
from shared.eventstore.verify import check_chain
from tests.support.bundles import (
    EVENTS,
    NL,
    OTHER,
    REPORT,
    build_chain,
    flip_byte,
    lines,
    reseal,
    write_bundle,
)
from tests.support.rows import row_of


@pytest.fixture
async def chain() -> list[Envelope]:
    return await build_chain()


# -- intact ---------------------------------------------------------------------------------------


async def test_a_whole_chain_bundle_is_intact(chain: list[Envelope], tmp_path: Path) -> None:
    report = verify_bundle(write_bundle(tmp_path / "b", chain))
    assert report.intact, [str(p) for p in report.problems]
    assert report.files_checked == 3  # events, report, anchors
    [store] = report.stores
    assert (store.store, store.chain.events_checked, store.after_position, store.last_position) == ("section11", 10, 0, 10)
    assert report.fingerprint == hashlib.sha256((tmp_path / "b" / MANIFEST).read_bytes()).hexdigest()


async def test_a_slice_starting_mid_chain_verifies_from_its_anchor(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=4)
    report = verify_bundle(root)
    assert report.intact, [str(p) for p in report.problems]
    assert report.stores[0].chain.events_checked == 6
    assert json.loads(lines(root)[0])["position"] == 5
    anchors = json.loads((root / ANCHORS).read_text())["stores"]["section11"]
    assert anchors["anchor"] == {NL: {"position": 4, "hash": chain[3].hash}, OTHER: {"position": 2, "hash": chain[1].hash}}


async def test_the_same_slice_without_its_anchor_fails(chain: list[Envelope]) -> None:
    rows = [row_of(e) for e in chain[4:]]
    heads = {NL: chain[8].hash or "", OTHER: chain[9].hash or ""}
    assert not check_chain("section11", rows, heads, after_position=4).intact
    anchors = {NL: chain[3].hash or "", OTHER: chain[1].hash or ""}
    assert check_chain("section11", rows, heads, after_position=4, anchors=anchors, end_position=10).intact


async def test_one_partnerships_bundle_leaves_the_others_out_and_is_intact(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=3, only=NL)
    assert {json.loads(line)["partnership_id"] for line in lines(root)} == {NL}
    anchors = json.loads((root / ANCHORS).read_text())["stores"]["section11"]
    assert anchors["other_partnerships"] == [[5, 5], [7, 7], [10, 10]]
    report = verify_bundle(root)
    assert report.intact, [str(p) for p in report.problems]
    assert report.stores[0].chain.events_checked == 4


async def test_an_empty_period_is_intact(chain: list[Envelope], tmp_path: Path) -> None:
    report = verify_bundle(write_bundle(tmp_path / "b", chain, after=10))
    assert report.intact, [str(p) for p in report.problems]
    assert report.stores[0].chain.events_checked == 0


async def test_a_zip_of_the_bundle_verifies(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "bundle", chain, after=2)
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, f"bundle/{path.relative_to(root).as_posix()}")
    assert verify_bundle(tmp_path / "bundle.zip").intact
    with zipfile.ZipFile(tmp_path / "bundle.zip", "a") as archive:
        archive.writestr("bundle/notes.txt", "added later")
    [problem] = verify_bundle(tmp_path / "bundle.zip").problems
    assert problem.file == "notes.txt" and "not listed" in problem.message


# -- broken ---------------------------------------------------------------------------------------


async def test_one_byte_changed_in_an_event_names_the_file_and_the_event(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=2)
    flip_byte(root / EVENTS, b"Safeguarding lead")  # in the first line: position 3
    report = verify_bundle(root)
    assert not report.intact
    assert report.problems[0].file == EVENTS and "SHA-256" in report.problems[0].message
    [altered] = [p for p in report.problems if p.position is not None]
    assert (altered.file, altered.line, altered.position, altered.event_id) == (EVENTS, 1, 3, str(chain[2].event_id))
    assert "altered" in altered.message
    assert str(altered).startswith(f"{EVENTS} line 1: section11 position 3 (event {chain[2].event_id})")


async def test_one_byte_changed_in_a_report_names_the_report(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain)
    flip_byte(root / REPORT, b"Heat map")
    report = verify_bundle(root)
    [problem] = report.problems
    assert problem.file == REPORT and "does not match the manifest" in problem.message
    assert report.stores[0].chain.intact


async def test_a_deleted_event_with_the_manifest_resealed_names_the_missing_position(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=2)
    kept = lines(root)
    (root / EVENTS).write_bytes(b"".join(kept[:2] + kept[3:]))  # position 5 gone
    reseal(root)
    report = verify_bundle(root)
    assert not report.intact
    assert all(p.file == EVENTS for p in report.problems)
    missing = [p for p in report.problems if "positions 5 are missing" in p.message]
    assert [(p.position, p.event_id, p.line) for p in missing] == [(6, str(chain[5].event_id), 3)]
    assert any("holds 7 events; anchors.json records 8" in p.message for p in report.problems)


async def test_a_deleted_event_of_a_one_partnership_bundle_is_named(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=0, only=NL)
    kept = lines(root)  # NL positions 1, 3, 4, 6, 8, 9
    (root / EVENTS).write_bytes(b"".join(kept[:2] + kept[3:]))  # position 4 gone
    reseal(root)
    problems = [str(p) for p in verify_bundle(root).problems]
    assert any("position 6" in p and "positions 4 are missing before it" in p for p in problems), problems


async def test_deleting_the_last_events_is_caught_at_the_end_of_the_slice(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=2)
    (root / EVENTS).write_bytes(b"".join(lines(root)[:-2]))  # positions 9 and 10 gone
    reseal(root)
    problems = [str(p) for p in verify_bundle(root).problems]
    assert any("positions 9..10 are missing at the end of the slice" in p for p in problems), problems
    assert any("does not end at its recorded head" in p for p in problems)


async def test_an_unreadable_line_is_named_by_line_and_position(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=2)
    flip_byte(root / EVENTS, b'{"position":4')  # "{" becomes "z" on line 2
    reseal(root)
    report = verify_bundle(root)
    first = report.problems[0]
    assert (first.file, first.line, first.position) == (EVENTS, 2, 4)
    assert "not a well-formed event" in first.message


async def test_a_missing_file_and_an_extra_file_are_named(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain)
    (root / REPORT).unlink()
    (root / "events" / "extra.jsonl").write_text("{}\n")
    problems = {(p.file, p.message.split(" (")[0]) for p in verify_bundle(root).problems}
    assert (REPORT, "is listed in the manifest but missing from the bundle") in problems
    assert ("events/extra.jsonl", "is in the bundle but not listed in the manifest") in problems
    assert ("events/extra.jsonl", "has no anchor in anchors.json, so its chain cannot be checked") in problems


async def test_an_altered_anchor_is_named(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=4)
    anchors = json.loads((root / ANCHORS).read_text())
    anchors["stores"]["section11"]["anchor"][NL]["hash"] = "ab" * 32
    (root / ANCHORS).write_text(json.dumps(anchors))
    report = verify_bundle(root)
    assert report.problems[0].file == ANCHORS and "SHA-256" in report.problems[0].message
    assert any(p.position == 6 and "does not link" in p.message for p in report.problems)


async def test_a_missing_manifest_or_bundle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    [problem] = verify_bundle(tmp_path / "empty").problems
    assert problem.file == MANIFEST and "missing" in problem.message
    assert not verify_bundle(tmp_path / "nowhere").intact


async def test_a_manifest_path_outside_the_bundle_is_refused(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain)
    manifest = json.loads((root / MANIFEST).read_text())
    manifest["files"].append({"path": "../secrets.txt", "sha256": "0" * 64, "bytes": 0})
    (root / MANIFEST).write_text(json.dumps(manifest))
    [problem] = verify_bundle(root).problems
    assert problem.file == MANIFEST and "../secrets.txt" in problem.message


def test_a_slice_checker_names_gaps_around_other_partnerships_positions() -> None:
    from shared.eventstore.verify import ChainChecker

    checker = ChainChecker("s", after_position=2, other_positions=[(4, 4), (7, 8)])
    assert checker._gaps(3, 9) == "3, 5..6, 9"
    assert checker._gaps(4, 4) == ""


async def test_a_repeated_event_line_is_named(chain: list[Envelope], tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", chain, after=2)
    kept = lines(root)
    (root / EVENTS).write_bytes(b"".join(kept[:3] + kept[2:]))  # position 5 twice
    reseal(root)
    problems = verify_bundle(root).problems
    assert any(p.line == 4 and p.position == 5 and "positions must increase" in p.message for p in problems), [
        str(p) for p in problems
    ]
