"""Sealing a batch's personal texts at append: each payload walked once, then sealed in place.

The store needs every subject of a batch (to read or make their keys) before it can seal,
and the keys before it can hash. `Sealing` walks each payload once, by its event type's plan
(`personal_data.plan`, worked out once per type), and notes each personal text with the
subjects whose keys seal it (`subjects`); given the keys, `seal` seals those texts in
place, one cipher per set of keys (all the typed texts of one record and author share one).
The rules (which subjects, which texts are left as they are) are `personal_data`'s:
`personal_data.subjects_of`, and a value already sealed or empty is kept as it is.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from shared.catalogue import UnknownEventType, event_class
from shared.envelope import Envelope
from shared.personal_data import PREFIX, STREAM, Keys, NewKey, PersonalField, combined_key, ensure_keys, plan, subjects_of

__all__ = ["Sealing", "seal_payloads", "sealed_payload", "subjects"]

Subject = tuple[str, str]  # (partnership, subject)
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _model_of(event_type: str) -> type[BaseModel] | None:
    try:
        model = event_class(event_type)
    except UnknownEventType:
        return None
    return model if plan(model) else None


class _Level:
    """A dict of the payload being walked, and what a personal text's subjects are read
    from: its own fields, then the payload's top-level ones, then the stream (`STREAM`)."""

    __slots__ = ("data", "top", "stream")

    def __init__(self, data: dict[str, Any], top: dict[str, Any], stream: str) -> None:
        self.data, self.top, self.stream = data, top, stream

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.data:
            return self.data[name]
        if name in self.top:
            return self.top[name]
        return self.stream if name == STREAM else default


class Sealing:
    """The personal texts of a batch's payloads, found in one walk, sealed once keys are known.

    `payloads`: each envelope's payload (by event id) to store, for those with personal
    fields; `subjects`: every (partnership, subject) whose key the batch needs."""

    def __init__(self, envelopes: Sequence[Envelope]) -> None:
        self.payloads: dict[UUID, dict[str, Any]] = {}
        # Each text to seal: where it is (a dict and its field, or a list and its index),
        # the text, and the subjects of its keys.
        self._texts: list[tuple[Any, Any, str, tuple[Subject, ...]]] = []
        self._memo: dict[tuple[Any, ...], tuple[Subject, ...]] = {}
        self._in_record: dict[int, tuple[Subject, ...]] = {}
        self.subjects: set[Subject] = set()
        for envelope in envelopes:
            model = _model_of(envelope.event_type)
            if model is None:
                continue
            payload = envelope.payload()
            self._in_record = {}
            before = len(self._texts)
            self._walk(model, payload, payload, envelope.partnership_id, envelope.stream_id)
            if len(self._texts) > before:
                self.payloads[envelope.event_id] = payload

    def _walk(self, model: type[BaseModel], data: dict[str, Any], top: dict[str, Any], p: str, stream: str) -> None:
        level = _Level(data, top, stream)
        for field in plan(model):
            value = data.get(field.name)
            if value is None:
                continue
            if field.marker is not None:  # a text is left as it is if empty, or carried over sealed
                if isinstance(value, str):
                    if value and not value.startswith(PREFIX):
                        self._texts.append((data, field.name, value, self._subjects_of(p, value, field, level)))
                elif isinstance(value, list):
                    for index, text in enumerate(value):
                        if isinstance(text, str) and text and not text.startswith(PREFIX):
                            self._texts.append((value, index, text, self._subjects_of(p, text, field, level)))
                continue
            assert field.nested is not None
            for item in field.payloads_in(value):
                self._walk(field.nested, item, top, p, stream)

    def _subjects_of(self, p: str, text: str, field: PersonalField, level: _Level) -> tuple[Subject, ...]:
        """`personal_data.subjects_of`, worked out once per batch for each marker and what it
        reads (a typed text's subjects are its record's and author's, whatever the text), and
        once per record for a typed text whose model holds none of what it reads
        (`field.from_record`: an answer's narrative and evidence)."""
        marker = field.marker
        assert marker is not None
        if field.from_record and (found := self._in_record.get(id(marker))) is not None:
            return found
        reads = [level.get(f) for f in field.reads]
        by_reference = marker.typed or (isinstance(reads[0], str) and reads[0] != "" if marker.subject else False)
        # By the marker's identity: it is its field's, kept with the plan; hashing the frozen
        # dataclass field by field for every text was most of the time spent finding texts.
        memo = (p, id(marker), *(r if r is None or type(r) is str else repr(r) for r in reads), None if by_reference else text)
        found = self._memo.get(memo)
        if found is None:
            found = self._memo[memo] = tuple((p, s) for s in subjects_of(p, text, marker, level))
            self.subjects.update(found)
        if field.from_record:
            self._in_record[id(marker)] = found
        return found

    def seal(self, keys: Keys) -> dict[UUID, dict[str, Any]]:
        """The payloads with their texts sealed under their subjects' keys (in place)."""
        # One cipher for each set of subjects (making one costs about as much as sealing ten texts).
        ciphers: dict[tuple[Subject, ...], tuple[AESGCM, bytes, str]] = {}
        nonces = os.urandom(12 * len(self._texts))  # random 96-bit nonces: a key seals few values
        for n, (where, key, text, found) in enumerate(self._texts):
            cipher = ciphers.get(found)
            if cipher is None:
                chosen = [keys[s] for s in found]
                secret, associated = combined_key(chosen)
                cipher = ciphers[found] = (AESGCM(secret), associated, "+".join(i.hex for i, _ in chosen))
            aes, associated, ids = cipher
            nonce = nonces[12 * n: 12 * n + 12]
            # base64.urlsafe_b64encode, without its two calls in Python around the C
            sealed = binascii.b2a_base64(nonce + aes.encrypt(nonce, text.encode(), associated), newline=False)
            where[key] = f"{PREFIX}{ids}:{sealed.translate(_URLSAFE).decode().rstrip('=')}"
        self._texts = []
        return self.payloads


def subjects(envelope: Envelope) -> set[Subject]:
    """The (partnership, subject) of each personal text the envelope carries."""
    return Sealing([envelope]).subjects


def sealed_payload(envelope: Envelope, keys: Keys) -> dict[str, Any]:
    """The payload to store: each personal text sealed with its subjects' keys."""
    sealing = Sealing([envelope])
    return sealing.seal(keys).get(envelope.event_id) or envelope.payload()


async def seal_payloads(
    conn: asyncpg.Connection, envelopes: Sequence[Envelope], *, proposed: list[NewKey] | None = None
) -> tuple[dict[UUID, dict[str, Any]], Mapping[Subject, tuple[UUID, bytes]]]:
    """The payload to store for each envelope that carries personal data (by event id), its
    personal texts sealed, and the keys used; envelopes of types with no personal field cost
    nothing. With `proposed`, the keys a subject has none of yet are made but not stored
    (`personal_data.ensure_keys`)."""
    sealing = Sealing(envelopes)
    if not sealing.subjects:
        return {}, {}
    keys = await ensure_keys(conn, sealing.subjects, proposed=proposed)
    return sealing.seal(keys), keys
