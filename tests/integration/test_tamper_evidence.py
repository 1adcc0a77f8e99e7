"""Tamper evidence that does not trust the database (issue 19, finding 7).

Returns are recorded through the running platform (real NATS and PostgreSQL), the
chain heads are signed into JetStream with the key in the data directory, and then a
database administrator rewrites PostgreSQL by hand (SQL, and a script recomputing the
links as anyone who read shared/hashchain.py could). `scrutiny verify`, run as a
separate process, must name each change: it checks the store against the signed heads
and JetStream's copies, which that administrator can neither sign nor rewrite.
"""

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.reporting.adapters.evidence import Period, export_evidence
from shared.eventstore.bundle import ANCHORS, events_file
from shared.eventstore.bundle_check import verify_bundle
from shared.eventstore.heads import HeadSigner, SignedHeads, latest_heads
from shared.eventstore.signing import PublicKey
from shared.hashchain import link_hash
from shared.waiting import eventually
from tests.support.bundles import reseal
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

EVENTS = events_file("section11")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
AGENCIES = ("humberside-police", "east-midlands-ambulance-service", "nlc-childrens-social-care")


async def _recorded(platform: RunningPlatform) -> list[dict[str, Any]]:
    """A cycle and three returns, each answered; waits until JetStream holds every event
    and a signed head covers the newest."""
    replies = [await platform.open_cycle()] + [await platform.submit(agency) for agency in AGENCIES]
    assert all(r["status"] == "accepted" for r in replies), replies
    newest = await platform.count("SELECT max(position) FROM section11.events")
    js = platform.nc.jetstream()

    async def covered() -> bool:
        heads = await latest_heads(js, platform.subjects, "section11")
        relayed = await platform.count("SELECT count(*) FROM section11.outbox") == 0
        return relayed and PARTNERSHIP in heads and heads[PARTNERSHIP].position == newest

    await eventually(covered, timeout=20, what="the newest section11 event relayed and its head signed")
    return replies


def _verify(platform: RunningPlatform) -> subprocess.CompletedProcess[str]:
    """`scrutiny verify` run from outside, as an operator or inspector would."""
    s = platform.settings
    env = os.environ | {
        "SCRUTINY_DATABASE_URL": str(s.database_url), "SCRUTINY_NATS_URL": str(s.nats_url),
        "SCRUTINY_NAMESPACE": s.namespace, "SCRUTINY_DATA_DIR": str(s.data_dir), "COLUMNS": "300",
    }
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "verify"], env=env, capture_output=True, text=True, timeout=180
    )


async def _newest(platform: RunningPlatform) -> Any:
    return await platform.pool.fetchrow("SELECT * FROM section11.events ORDER BY position DESC LIMIT 1")


async def _delete(platform: RunningPlatform, position: int) -> None:
    await platform.pool.execute("DELETE FROM section11.outbox WHERE position = $1", position)
    await platform.pool.execute("DELETE FROM section11.events WHERE position = $1", position)


async def test_an_untouched_store_verifies_against_its_signed_heads_and_jetstream(platform: RunningPlatform) -> None:
    await _recorded(platform)
    result = _verify(platform)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact; matches its 1 signed heads and JetStream's" in result.stdout
    assert "trace_context (each event's tracing ids) is outside the hashed evidence" in result.stdout


async def test_deleting_the_newest_event_and_its_chain_head_row_is_caught(platform: RunningPlatform) -> None:
    await _recorded(platform)
    newest = await _newest(platform)
    await _delete(platform, newest["position"])
    await platform.pool.execute("DELETE FROM section11.chain_heads WHERE partnership_id = $1", PARTNERSHIP)
    result = _verify(platform)
    assert result.returncode == 1, result.stdout
    assert f"the store was truncated: it ends at position {newest['position'] - 1}" in result.stdout
    assert f"section11 position {newest['position']} (event {newest['event_id']}): deleted from the store" in result.stdout


async def test_deleting_the_newest_event_and_moving_the_head_back_a_link_is_caught(platform: RunningPlatform) -> None:
    await _recorded(platform)
    newest = await _newest(platform)
    await _delete(platform, newest["position"])
    await platform.pool.execute(
        "UPDATE section11.chain_heads SET position = e.position, hash = e.hash FROM section11.events e"
        " WHERE e.position = $1 AND chain_heads.partnership_id = e.partnership_id", newest["position"] - 1,
    )
    result = _verify(platform)
    assert result.returncode == 1, result.stdout
    assert "the store was truncated" in result.stdout
    assert "signed at" in result.stdout and f"position {newest['position']}" in result.stdout
    assert str(newest["event_id"]) in result.stdout


async def test_rewriting_an_old_event_and_recomputing_the_later_links_is_caught(platform: RunningPlatform) -> None:
    await _recorded(platform)
    rows = [dict(r) for r in await platform.pool.fetch("SELECT * FROM section11.events ORDER BY position")]
    victim = next(r for r in rows if r["event_type"] == "SubmissionReceived")
    # The administrator's script: change the return's ratings, then every later link of the
    # partnership's chain and its recorded head, so the chain agrees with itself again.
    prev = None
    for row in rows:
        if row["position"] == victim["position"]:
            payload = json.loads(row["payload"])
            payload["domain_ratings"] = {k: 4 for k in payload["domain_ratings"]}
            row["payload"] = json.dumps(payload)
        if row["position"] >= victim["position"]:
            row["prev_hash"] = prev
            row["hash"] = bytes.fromhex(link_hash(prev.hex(), row | {"payload": json.loads(row["payload"])}))
            await platform.pool.execute(
                "UPDATE section11.events SET payload = $2::jsonb, prev_hash = $3, hash = $4 WHERE position = $1",
                row["position"], row["payload"], row["prev_hash"], row["hash"],
            )
        prev = row["hash"]
    await platform.pool.execute("UPDATE section11.chain_heads SET hash = $1 WHERE partnership_id = $2", prev, PARTNERSHIP)
    result = _verify(platform)
    assert result.returncode == 1, result.stdout
    newest = rows[-1]
    assert f"section11 position {newest['position']} (event {newest['event_id']}): its hash differs from the one signed at" in result.stdout
    assert "history up to here was rewritten" in result.stdout
    assert f"section11 position {victim['position']} (event {victim['event_id']}): its hash differs from JetStream's copy" in result.stdout


async def test_editing_trace_context_is_caught_by_jetstreams_copy(platform: RunningPlatform) -> None:
    await _recorded(platform)
    row = await platform.pool.fetchrow("SELECT position, event_id FROM section11.events ORDER BY position LIMIT 1")
    await platform.pool.execute(
        "UPDATE section11.events SET trace_context = '{\"traceparent\": \"00-forged-01\"}' WHERE position = $1", row["position"]
    )
    result = _verify(platform)
    assert result.returncode == 1, result.stdout
    assert (
        f"section11 position {row['position']} (event {row['event_id']}): its trace_context differs from JetStream's copy" in result.stdout
    )


async def test_an_accepted_command_is_answered_with_a_signed_receipt(platform: RunningPlatform) -> None:
    replies = await _recorded(platform)
    key = PublicKey.of_platform(platform.settings.data_dir)
    assert key is not None  # credentials/chain-signing.pub, handed to agencies
    receipt = replies[1]["receipt"]
    assert receipt["kind"] == "scrutiny-receipt/1" and receipt["key_id"] == key.key_id
    assert key.verifies(receipt, receipt["signature"])
    [event] = receipt["events"]
    assert event["event_id"] == replies[1]["events"][0]["event_id"]
    stored = await platform.pool.fetchrow(
        "SELECT position, encode(hash, 'hex') AS hash FROM section11.events WHERE event_id = $1::uuid", event["event_id"]
    )
    assert (event["store"], event["position"], event["hash"]) == ("section11", stored["position"], stored["hash"])
    forged = receipt | {"events": [event | {"hash": "0" * 64}]}
    assert not key.verifies(forged, receipt["signature"])


async def test_the_evidence_bundle_carries_the_signed_heads_and_its_check_catches_a_recomputed_history(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    await _recorded(platform)
    profile = platform.hosts["section11"].partnerships.profile(PARTNERSHIP)
    signed = SignedHeads(platform.nc.jetstream(), platform.subjects, PublicKey.of_platform(platform.settings.data_dir))
    exported = await export_evidence(
        platform.pool, NOVEMBER, tmp_path, [profile], clock=platform.clock, signed_heads=signed
    )
    intact = verify_bundle(exported.directory)
    assert intact.intact, [str(p) for p in intact.problems]
    assert intact.signed.present and intact.signed.checked == 1
    # A forger rewrites a return in the bundle, recomputes every later link and the recorded
    # head in anchors.json, and reseals the manifest: the chain agrees with itself again.
    root = exported.directory
    records = [json.loads(line) for line in (root / EVENTS).read_text().splitlines()]
    victim = next(r for r in records if r["event_type"] == "SubmissionReceived")
    victim["payload"]["domain_ratings"] = {k: 4 for k in victim["payload"]["domain_ratings"]}
    prev = None
    for record in records:
        if record["position"] >= victim["position"]:
            record["prev_hash"] = prev
            record["hash"] = link_hash(prev, record | {
                "occurred_at": datetime.fromisoformat(record["occurred_at"]),
                "recorded_at": datetime.fromisoformat(record["recorded_at"]),
            })
        prev = record["hash"]
    (root / EVENTS).write_text("".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records))
    anchors = json.loads((root / ANCHORS).read_text())
    anchors["stores"]["section11"]["head"][PARTNERSHIP]["hash"] = prev
    (root / ANCHORS).write_text(json.dumps(anchors))
    reseal(root)
    tampered = verify_bundle(root)
    assert not tampered.intact
    assert [p.file for p in tampered.problems] == ["chain_heads.json"], [str(p) for p in tampered.problems]
    assert f"section11 position {records[-1]['position']}: its hash differs from the one signed at" in str(tampered.problems[0])


async def test_the_platform_never_signs_a_head_that_went_back_or_was_rewritten(platform: RunningPlatform) -> None:
    await _recorded(platform)
    js = platform.nc.jetstream()
    before = (await latest_heads(js, platform.subjects, "section11"))[PARTNERSHIP]
    newest = await _newest(platform)
    await _delete(platform, newest["position"])
    await platform.pool.execute(
        "UPDATE section11.chain_heads SET position = e.position, hash = e.hash FROM section11.events e"
        " WHERE e.position = $1 AND chain_heads.partnership_id = e.partnership_id", newest["position"] - 1,
    )
    # A signer as a service starts with (its last heads read back from JetStream), after the change.
    signer = HeadSigner(platform.pool, "section11", js, platform.subjects, platform.hosts["section11"].chain_key)
    assert await signer.sign_once() == 0
    # Nor once a new event follows the truncated chain: the signed position now holds another hash.
    assert (await platform.submit("nlc-housing"))["status"] == "accepted"
    assert await signer.sign_once() == 0
    assert (await latest_heads(js, platform.subjects, "section11"))[PARTNERSHIP] == before
