"""Chain heads and receipts signed with the platform's Ed25519 key, kept outside PostgreSQL.

The key lives in the data directory beside the NATS credentials, never in the database:

    credentials/chain-signing.key   the private key (PKCS#8 PEM), 0600: the services sign with it
    credentials/chain-signing.pub   the public key (SubjectPublicKeyInfo PEM): for agencies and
                                    inspectors, who check heads, receipts and bundles with it

Two kinds of statement are signed, each a JSON object whose canonical form (sorted keys, no
spaces, UTF-8) is what the signature covers, its `kind` saying which it is:

- a signed head (`scrutiny-chain-head/1`): one partnership's chain in one store ends, at
  `signed_at`, at `position` with `hash`, the store then holding `store_position` events
  (positions are dense from 1, so the store's last position is its number of events);
- a receipt (`scrutiny-receipt/1`): the events an accepted command appended, each with its
  position and hash, handed to the sender in the reply.

A database administrator who can rewrite PostgreSQL but can read neither file cannot make a
signature, so a head or a receipt they did not get from the platform does not verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.clock import Clock, SystemClock
from shared.envelope import Envelope

KEY_FILE = Path("credentials") / "chain-signing.key"
PUBLIC_FILE = Path("credentials") / "chain-signing.pub"
HEAD_KIND = "scrutiny-chain-head/1"
RECEIPT_KIND = "scrutiny-receipt/1"


def canonical(statement: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the statement as sorted, compact JSON in UTF-8."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public: Ed25519PublicKey) -> str:
    """A short name of a public key: the first 16 hex digits of the SHA-256 of its 32 bytes."""
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


class PublicKey:
    """What checks signatures: the platform's public key, from its file or its base64 bytes."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self.key_id = key_id_of(key)

    @classmethod
    def from_pem(cls, pem: bytes) -> PublicKey:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the chain's public key must be an Ed25519 key")
        return cls(key)

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        return cls(Ed25519PublicKey.from_public_bytes(base64.b64decode(text)))

    @classmethod
    def of_platform(cls, data_dir: Path) -> PublicKey | None:
        """The installation's public key, or None when it has none yet."""
        path = Path(data_dir) / PUBLIC_FILE
        return cls.from_pem(path.read_bytes()) if path.exists() else None

    @property
    def b64(self) -> str:
        return base64.b64encode(_raw(self._key)).decode()

    def pem(self) -> bytes:
        return self._key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def verifies(self, statement: Mapping[str, Any], signature: str) -> bool:
        """Whether `signature` (base64) is this key's over the statement (its `signature` left out)."""
        body = {k: v for k, v in statement.items() if k != "signature"}
        try:
            self._key.verify(base64.b64decode(signature, validate=True), canonical(body))
        except (InvalidSignature, ValueError):
            return False
        return True


class ChainKey:
    """The platform's signing key (the private half; only the services' processes load it)."""

    def __init__(self, private: Ed25519PrivateKey, clock: Clock | None = None) -> None:
        self._private = private
        self.public = PublicKey(private.public_key())
        self.key_id = self.public.key_id
        self.clock = clock or SystemClock()

    @classmethod
    def of_platform(cls, data_dir: Path, clock: Clock | None = None) -> ChainKey:
        """The installation's key, made on first use. Several processes starting at once
        agree on one: each links a finished file into place, and the first link wins."""
        path = Path(data_dir).resolve() / KEY_FILE
        if not path.exists():
            _create(path)
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        key = cls(private, clock)
        public_file = path.parent / PUBLIC_FILE.name
        if not public_file.exists() or public_file.read_bytes() != key.public.pem():
            _write_new(public_file, key.public.pem(), replace=True)
        return key

    def sign(self, statement: Mapping[str, Any]) -> str:
        return base64.b64encode(self._private.sign(canonical(statement))).decode()

    def now(self) -> str:
        return self.clock.now().isoformat()

    def head(self, store: str, partnership_id: str, position: int, hash: str, store_position: int) -> SignedHead:
        unsigned = SignedHead(store, partnership_id, position, hash, store_position, self.now(), self.key_id, "")
        return SignedHead(**asdict(unsigned) | {"signature": self.sign(unsigned.statement())})

    def receipt(self, envelopes: Sequence[Envelope]) -> dict[str, Any] | None:
        """The receipt of an accepted command: its events' positions and hashes, signed
        (one signature a reply, about 20 µs); None when it appended nothing."""
        if not envelopes or any(e.hash is None or e.position is None for e in envelopes):
            return None
        statement = {
            "kind": RECEIPT_KIND,
            "events": [
                {"store": e.store, "partnership_id": e.partnership_id, "event_id": str(e.event_id), "position": e.position, "hash": e.hash}
                for e in envelopes
            ],
            "signed_at": self.now(),
            "key_id": self.key_id,
        }
        return statement | {"signature": self.sign(statement)}


@dataclass(frozen=True)
class SignedHead:
    store: str
    partnership_id: str
    position: int
    hash: str
    store_position: int
    signed_at: str
    key_id: str
    signature: str

    def statement(self) -> dict[str, Any]:
        return {"kind": HEAD_KIND} | {k: v for k, v in asdict(self).items() if k != "signature"}

    def as_json(self) -> dict[str, Any]:
        return self.statement() | {"signature": self.signature}

    def to_bytes(self) -> bytes:
        return json.dumps(self.as_json(), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedHead:
        if data.get("kind") != HEAD_KIND:
            raise ValueError(f"not a signed chain head: kind {data.get('kind')!r}")
        return cls(
            str(data["store"]), str(data["partnership_id"]), int(data["position"]), str(data["hash"]),
            int(data["store_position"]), str(data["signed_at"]), str(data["key_id"]), str(data["signature"]),
        )

    def verified_by(self, key: PublicKey | None) -> bool:
        return key is not None and key.key_id == self.key_id and key.verifies(self.statement(), self.signature)

    def __str__(self) -> str:
        return f"signed at {self.signed_at}: partnership {self.partnership_id!r} at position {self.position}"


def _create(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_new(path, pem, replace=False)


def _write_new(path: Path, data: bytes, *, replace: bool) -> None:
    """Write a 0600 file atomically; not `replace`: leave one that another process made first."""
    for folder in reversed([path.parent, *path.parent.parents]):
        if not folder.exists():
            folder.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    try:
        if replace:
            os.replace(partial, path)
        else:
            try:
                os.link(partial, path)
            except FileExistsError:
                pass
    finally:
        if partial.exists():
            partial.unlink()
