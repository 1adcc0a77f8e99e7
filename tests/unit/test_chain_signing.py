"""The platform's chain key: made once, outside the database, private; heads and receipts signed with it."""

import stat
from pathlib import Path
from uuid import uuid4

from shared.eventstore.signing import KEY_FILE, PUBLIC_FILE, ChainKey, PublicKey, SignedHead
from tests.support.events import envelopes


def test_the_key_is_made_once_readable_by_its_owner_only_and_its_public_half_published(tmp_path: Path) -> None:
    first = ChainKey.of_platform(tmp_path)
    again = ChainKey.of_platform(tmp_path)
    assert first.key_id == again.key_id
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    public = PublicKey.of_platform(tmp_path)
    assert public is not None and public.key_id == first.key_id
    assert (tmp_path / PUBLIC_FILE).read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_a_signed_head_verifies_and_any_change_to_it_does_not(tmp_path: Path) -> None:
    key = ChainKey.of_platform(tmp_path)
    head = key.head("section11", "north-lincolnshire", 7, "ab" * 32, 9)
    assert head.verified_by(key.public)
    assert SignedHead.from_json(head.as_json()) == head
    for change in ({"position": 6}, {"hash": "cd" * 32}, {"store_position": 8}, {"partnership_id": "other"}):
        forged = SignedHead(**{**head.__dict__, **change})
        assert not forged.verified_by(key.public), change
    other = ChainKey.of_platform(tmp_path / "elsewhere")
    assert not head.verified_by(other.public)
    assert not head.verified_by(None)


def test_a_receipt_names_each_event_and_verifies_with_the_public_key(tmp_path: Path) -> None:
    key = ChainKey.of_platform(tmp_path)
    stream = f"s-{uuid4()}"
    committed = [
        e.committed(store="section11", recorded_at=e.occurred_at, position=4 + n, prev_hash="0" * 64, hash=f"{n:064x}")
        for n, e in enumerate(envelopes(stream, 0, 2))
    ]
    receipt = key.receipt(committed)
    assert receipt is not None
    assert [(e["position"], e["hash"]) for e in receipt["events"]] == [(4, f"{0:064x}"), (5, f"{1:064x}")]
    assert PublicKey.from_b64(key.public.b64).verifies(receipt, receipt["signature"])
    assert not key.public.verifies(receipt | {"signed_at": "2020-01-01T00:00:00+00:00"}, receipt["signature"])
    assert key.receipt([]) is None
