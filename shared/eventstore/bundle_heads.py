"""The signed chain heads an evidence bundle carries, and their check (no database, no network).

    chain_heads.json   the platform's public key, and per store, for each partnership whose
                       events are in the bundle, the newest signed head at or before the
                       slice's end (`shared.eventstore.signing`, published to JetStream)

The check: each head's signature verifies with the public key in the file (whose key id the
check prints, to compare with the platform's own `credentials/chain-signing.pub` or the one
on an agency's receipts), and the event of the bundle at the head's position has the signed
hash. The chain check proves the slice agrees with itself; a signed head inside it proves the
slice is the history the platform signed when it was recorded, not one recomputed since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.eventstore.signing import PublicKey, SignedHead

FILE = "chain_heads.json"
FORMAT = "scrutiny-chain-heads/1"


def document(key: PublicKey | None, heads: Mapping[str, Sequence[SignedHead]]) -> bytes:
    body = {
        "format": FORMAT,
        "public_key": {"ed25519": key.b64, "key_id": key.key_id} if key else None,
        "stores": {store: [h.as_json() for h in found] for store, found in sorted(heads.items())},
    }
    return json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"


@dataclass
class SignedHeadsChecked:
    present: bool = False
    key_id: str | None = None
    wanted: dict[str, dict[int, SignedHead]] = field(default_factory=dict)  # store -> position -> head
    seen: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)  # (store, position) -> (partnership, hash)
    checked: int = 0
    key: PublicKey | None = None

    def saw(self, store: str, row: Mapping[str, Any]) -> None:
        """Called for every event of the bundle: keeps those at a signed head's position."""
        if row["position"] in self.wanted.get(store, {}):
            self.seen[(store, row["position"])] = (row["partnership_id"], row["hash"])


Add = Callable[..., None]


def load(add: Add, names: Collection[str], read: Callable[[str], bytes]) -> SignedHeadsChecked:
    """Read chain_heads.json (a bundle made before heads were signed has none: nothing to check)."""
    found = SignedHeadsChecked()
    if FILE not in names:
        return found
    found.present = True
    try:
        body = json.loads(read(FILE))
        assert isinstance(body, dict) and body.get("format") == FORMAT
        if body.get("public_key"):
            found.key = PublicKey.from_b64(body["public_key"]["ed25519"])
            found.key_id = found.key.key_id
        for store, heads in body["stores"].items():
            for head in map(SignedHead.from_json, heads):
                if head.store != store:
                    add(FILE, f"a head signed for store {head.store!r} is listed under {store!r}", store=store)
                found.wanted.setdefault(store, {})[head.position] = head
    except (AssertionError, AttributeError, KeyError, TypeError, ValueError) as error:
        add(FILE, f"is malformed ({type(error).__name__}): its signed heads cannot be checked")
    return found


def check(add: Add, found: SignedHeadsChecked, slices: Mapping[str, tuple[int, int]]) -> None:
    """Each head's signature, and the bundle's event at its position (`slices`: store -> (after, last))."""
    for store, heads in sorted(found.wanted.items()):
        after, last = slices.get(store, (0, -1))
        for position, head in sorted(heads.items()):
            where = {"store": store, "position": position}
            if not head.verified_by(found.key):
                add(FILE, f"{store} position {position}: the head {head} does not verify with the bundle's public key", **where)
                continue
            if not after < position <= last:
                add(FILE, f"{store} position {position}: the head {head} is outside the store's slice {after + 1}..{last}", **where)
                continue
            found.checked += 1
            event = found.seen.get((store, position))
            if event is None:
                add(FILE, f"{store} position {position}: the event the head {head} signed is not in the bundle (deleted)", **where)
            elif event != (head.partnership_id, head.hash):
                add(
                    FILE,
                    f"{store} position {position}: its hash differs from the one {head}:"
                    " the history up to here was rewritten (its links recomputed)",
                    **where,
                )
