"""Personal data that must be kept, kept so that it can be erased (crypto-shredding).

An event field marked `Personal` (`shared.catalogue.personal`) is encrypted at append
(AES-256-GCM) with the key of its data subject: a family, named by the case's
pseudonymous reference, or a person, named by the value itself. The stored payload,
and so the hash chain, the outbox and every JetStream message, hold only the sealed
value, a string `personal:v1:<key id>:<nonce and ciphertext>`. The keys live apart,
in `keys.subject_keys`. The reporting projections open sealed values as they apply
events (`open_envelopes`); with the key deleted a value reads as `[erased]`.

Erasing a subject (`erase`) deletes its key and writes an erasure record, without the
personal data, to `keys.erasures`, itself hash-chained. No event is rewritten: the
chain still verifies and a replay still runs; the read models rebuilt from it show
`[erased]` where the data was. Values stored before a field was marked stay in clear.

Over 300 lines: sealing, the keys and erasure share one key table and one format of
sealed value; they are to be split by concern when a second kind of key arrives.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Union, get_args, get_origin
from uuid import UUID, uuid4

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from shared.catalogue import UnknownEventType, event_class
from shared.catalogue.personal import Personal
from shared.ddl import apply_ddl
from shared.envelope import Envelope
from shared.eventstore.rows import json_of
from shared.hashchain import GENESIS
from shared.mapper import from_row

__all__ = ["ERASED", "Personal", "erase", "open_envelopes"]

SCHEMA = "keys"
PREFIX = "personal:v1:"
ERASED = "[erased]"
UNREADABLE = "[unreadable]"  # a sealed value whose ciphertext does not authenticate (tampered)

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
-- One key per data subject and partnership. Deleting the row erases everything sealed with it.
CREATE TABLE IF NOT EXISTS {SCHEMA}.subject_keys (
    partnership_id text        NOT NULL,
    subject        text        NOT NULL,  -- a case reference, or person:<digest of the name>
    key_id         uuid        NOT NULL UNIQUE,
    key            bytea       NOT NULL,  -- AES-256-GCM
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partnership_id, subject)
);
-- Secrets of the platform's own, made at random once per installation: the deadline
-- watchers derive their request ids from `deadlines`, so no sender can compute them
-- (shared/deadlines.py), and every replay on this installation derives the same ones.
CREATE TABLE IF NOT EXISTS {SCHEMA}.platform_secrets (
    name           text        PRIMARY KEY,
    secret         uuid        NOT NULL DEFAULT gen_random_uuid()
);
-- What was erased, when and at whose request; never the data. Hash-chained like the events.
CREATE TABLE IF NOT EXISTS {SCHEMA}.erasures (
    position       bigint      PRIMARY KEY,
    erased_at      timestamptz NOT NULL,
    partnership_id text        NOT NULL,
    key_id         uuid        NOT NULL,
    subject_ref    text,                  -- the case reference; NULL for a person
    requested_by   text        NOT NULL,
    reason         text        NOT NULL,
    events         jsonb       NOT NULL,  -- per store, how many events held data sealed with the key
    prev_hash      bytea       NOT NULL,
    hash           bytea       NOT NULL
);
"""


async def ensure_schema(pool: asyncpg.Pool | asyncpg.Connection) -> None:
    """Create the key tables unless they exist (where roles are used, the set-up made them
    and the services, which may not create in schema `keys`, find them there)."""
    if await pool.fetchval("SELECT to_regclass($1)", f"{SCHEMA}.platform_secrets") is None:
        if isinstance(pool, asyncpg.Pool):
            await apply_ddl(pool, DDL)
        else:
            await pool.execute(DDL)


# -- which fields are personal ----------------------------------------------------------


@dataclass(frozen=True)
class PersonalField:
    name: str
    marker: Personal | None  # sealed here...
    nested: type[BaseModel] | None = None  # ...or a model (one, a list or a map of them) holding some
    shape: str = "one"
    # For a marker: the fields `subjects_of` reads for a text under it, and whether the text is
    # typed in a model holding none of them, so that its subjects are the record's alone (the
    # same for each such text of the record): worked out with the plan, not for every text.
    reads: tuple[str, ...] = ()
    from_record: bool = False

    def payloads_in(self, value: Any) -> list[dict[str, Any]]:
        """The JSON objects of the nested models this field holds in `value` (one, a list or
        a map of them, as its shape says): where every walk of a payload goes down."""
        if self.shape == "map":
            items = list(value.values()) if isinstance(value, dict) else []
        else:
            items = value if self.shape == "many" and isinstance(value, list) else [value]
        return [item for item in items if isinstance(item, dict)]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _shape(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Union or (origin is not None and getattr(origin, "__name__", "") == "UnionType"):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _shape(inner[0]) if len(inner) == 1 else "one"
    if origin in (list, tuple, set, frozenset):
        return "many"
    if origin is dict:
        return "map"
    return "one"


@functools.cache
def plan(model: type[BaseModel]) -> tuple[PersonalField, ...]:
    """The fields of `model` that are personal, or hold models with personal fields."""
    fields: list[PersonalField] = []
    for name, info in model.model_fields.items():
        marker = next((m for m in info.metadata if isinstance(m, Personal)), None)
        if marker is not None:
            reads = tuple(f for f in (marker.subject, STREAM if marker.typed else None, *marker.by) if f)
            from_record = marker.typed and not any(r in model.model_fields for r in reads)
            fields.append(PersonalField(name, marker, reads=reads, from_record=from_record))
            continue
        for nested in _models_in(info.annotation):
            if plan(nested):
                fields.append(PersonalField(name, None, nested, _shape(info.annotation)))
    return tuple(fields)


def _plan_of(event_type: str) -> tuple[PersonalField, ...]:
    try:
        return plan(event_class(event_type))
    except UnknownEventType:
        return ()


Place = tuple[Any, Any, str]  # a dict and its field, or a list and its index, and the sealed value there


def _sealed_places(
    model: type[BaseModel], data: dict[str, Any], places: list[Place], at_most: int | None = None
) -> list[Place]:
    """Where the JSON `data` of `model` holds a sealed value, appended to `places`: found in
    one walk, so that they can be opened in place once the keys are read (no second walk).
    With `at_most` (`sealed_at_most` of the text `data` was parsed from), the walk ends once it
    has found that many: a return's sealed name is found before its answers, so their walk is
    spared (it was a tenth of the reporting process's CPU under load)."""
    for field in plan(model):
        if at_most is not None and len(places) >= at_most:
            break
        value = data.get(field.name)
        if value is None:
            continue
        if field.marker is not None:
            if isinstance(value, str):
                if value.startswith(PREFIX):
                    places.append((data, field.name, value))
            elif isinstance(value, list):
                places.extend((value, i, v) for i, v in enumerate(value) if isinstance(v, str) and v.startswith(PREFIX))
            continue
        assert field.nested is not None
        for item in field.payloads_in(value):
            if at_most is not None and len(places) >= at_most:
                break
            _sealed_places(field.nested, item, places, at_most)
    return places


_PREFIX_BYTES = PREFIX.encode()


def sealed_at_most(text: Any) -> int | None:
    """The most sealed values a JSON text can hold: the times the sealed prefix occurs in it,
    each sealed value beginning with it (ASCII, which a JSON encoder writes as it is). None
    where the text has a `\\u` escape, which could spell the prefix otherwise, or is not text
    (a payload already parsed)."""
    if isinstance(text, str):
        return None if "\\u" in text else text.count(PREFIX)
    if isinstance(text, bytes):
        return None if b"\\u" in text else text.count(_PREFIX_BYTES)
    return None


# -- subjects and sealed values -----------------------------------------------------------


def person_subject(partnership_id: str, name: str) -> str:
    """The subject of a value that names a person: a digest of the name as recorded (case and
    spacing aside), so that `scrutiny erase --person "NAME"` finds the key without the key
    table holding the name."""
    normal = " ".join(name.casefold().split())
    return "person:" + hashlib.sha256(f"{partnership_id}\x00{normal}".encode()).hexdigest()[:32]


STREAM = "@stream"  # in a rewrite's context: the envelope's stream, a typed text's record


def subject_of(partnership_id: str, value: str, marker: Personal, context: Mapping[str, Any]) -> str:
    if marker.subject is not None:
        reference = context.get(marker.subject)
        if isinstance(reference, str) and reference:
            return reference
    return person_subject(partnership_id, value)


def subjects_of(partnership_id: str, value: str, marker: Personal, context: Mapping[str, Any]) -> tuple[str, ...]:
    """The subjects whose keys seal a value: one for a name or a case's words; for a typed
    text the case (else the record, its stream) and the person who typed it, where named."""
    if not marker.typed:
        return (subject_of(partnership_id, value, marker, context),)
    found: list[str] = []
    case = context.get(marker.subject) if marker.subject else None
    record = case if isinstance(case, str) and case else context.get(STREAM)
    if isinstance(record, str) and record:
        found.append(record)
    for field in marker.by:
        name = context.get(field)
        if isinstance(name, str) and name.strip() and parse_sealed(name) is None:
            found.append(person_subject(partnership_id, name))
            break
    return tuple(dict.fromkeys(found))


def combined_key(keys: Sequence[tuple[UUID, bytes]]) -> tuple[bytes, bytes]:
    """The AES key and associated data of a value sealed under several keys: the key derived
    from all of them (SHA-256 of their concatenation), so that deleting any one erases it."""
    if len(keys) == 1:
        return keys[0][1], keys[0][0].bytes
    return hashlib.sha256(b"".join(k for _, k in keys)).digest(), b"".join(i.bytes for i, _ in keys)


def seal_value(text: str, key_id: UUID, key: bytes, nonce: bytes | None = None) -> str:
    return seal_with([(key_id, key)], text, nonce)


def seal_with(keys: Sequence[tuple[UUID, bytes]], text: str, nonce: bytes | None = None) -> str:
    """`personal:v1:<key id>[+<key id>...]:<nonce and ciphertext>`, under every key given."""
    nonce = nonce or os.urandom(12)  # random 96-bit nonces: a key seals few values
    key, associated = combined_key(keys)
    sealed = AESGCM(key).encrypt(nonce, text.encode(), associated)
    ids = "+".join(i.hex for i, _ in keys)
    return f"{PREFIX}{ids}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def parse_sealed_under(value: str) -> tuple[tuple[UUID, ...], bytes] | None:
    """The key ids and the nonce + ciphertext of a sealed value; None for plain text."""
    ids = _sealed_key_ids(value)
    return None if ids is None else _parsed(value, ids)


def _sealed_key_ids(value: str) -> tuple[UUID, ...] | None:
    """The key ids a sealed value names (its body not decoded); None for plain text."""
    if not value.startswith(PREFIX):
        return None
    try:
        return _key_ids(value[len(PREFIX):].partition(":")[0])
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)
def _key_ids(text: str) -> tuple[UUID, ...]:
    """Key ids from their hex joined by "+" (a rebuild meets the same few sets of keys in many
    thousands of values)."""
    return tuple(UUID(hex=h) for h in text.split("+"))


def parse_sealed(value: str) -> tuple[UUID, bytes] | None:
    """The (first) key id and the nonce + ciphertext of a sealed value; None for plain text."""
    parsed = parse_sealed_under(value)
    return None if parsed is None else (parsed[0][0], parsed[1])


def open_value(value: str, keys: Mapping[UUID, bytes]) -> str:
    """The text of a sealed value, `[erased]` once any of its keys is gone; plain text as it is."""
    return _open_parsed(value, parse_sealed_under(value), keys)


Ciphers = dict[tuple[UUID, ...], tuple[AESGCM, bytes] | None]


def _open_parsed(
    value: str, parsed: tuple[tuple[UUID, ...], bytes] | None, keys: Mapping[UUID, bytes], ciphers: Ciphers | None = None
) -> str:
    """Open one parsed value; `ciphers` keeps each key set's cipher (None once erased) across
    the values of a batch, so a rebuild derives and sets up each key once, not per value."""
    if parsed is None:
        return value
    key_ids, blob = parsed
    if ciphers is not None and key_ids in ciphers:
        cipher = ciphers[key_ids]
    else:
        cipher = None
        if all(k in keys for k in key_ids):
            key, associated = combined_key([(k, keys[k]) for k in key_ids])
            cipher = (AESGCM(key), associated)
        if ciphers is not None:
            ciphers[key_ids] = cipher
    if cipher is None:
        return ERASED
    try:
        return cipher[0].decrypt(blob[:12], blob[12:], cipher[1]).decode()
    except (InvalidTag, ValueError):
        return UNREADABLE


# -- at the store: sealing before the append, opening for the read models -----------------


# A subject's key in use by an append, or being erased: an append holds this advisory lock
# (in this namespace, keyed by the subject) shared from before it reads or checks the key until
# it commits (`ensure_keys`, the store's `append_linked`), an erasure exclusively from before
# it deletes the key (`erase`). So no text is sealed with a key an erasure has deleted, and an
# erasure's count of the events holding the key includes every one sealed with it.
KEY_LOCK = 7_340_033


def key_lock(partnership: str, subject: str, *, shared: bool) -> str:
    """The SQL that takes a subject's `KEY_LOCK` (to the end of the transaction), given the
    SQL of its partnership and subject."""
    kind = "_shared" if shared else ""
    return f"pg_advisory_xact_lock{kind}({KEY_LOCK}, hashtext({partnership} || '|' || {subject}))"


async def ensure_keys(
    conn: asyncpg.Connection, subjects: set[tuple[str, str]], *, proposed: list[NewKey] | None = None
) -> dict[tuple[str, str], tuple[UUID, bytes]]:
    """The key of each (partnership, subject), made for those that have none yet; with
    `proposed`, outside an append's transaction, those are not stored but added to it, for
    the store's one-round-trip append to store with the events (or give up on).

    Inside the append's transaction: a key made for an append that rolls back goes with it,
    and each subject's `KEY_LOCK` is held (shared) until it commits, so no key read here is
    erased before the events sealed with it are stored. Made in sorted order, so two stores
    making the same keys at once cannot deadlock."""
    wanted = sorted(subjects)
    if proposed is None:  # a statement of its own: the read after it sees an erasure it waited for
        await conn.execute(
            f"SELECT count(*) FROM (SELECT {key_lock('p', 's', shared=True)} FROM unnest($1::text[], $2::text[]) AS w(p, s)) AS locked",
            [p for p, _ in wanted], [s for _, s in wanted],
        )
    query = (
        f"SELECT partnership_id, subject, key_id, key FROM {SCHEMA}.subject_keys"
        " WHERE (partnership_id, subject) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
    )
    found = {
        (r["partnership_id"], r["subject"]): (r["key_id"], bytes(r["key"]))
        for r in await conn.fetch(query, [p for p, _ in wanted], [s for _, s in wanted])
    }
    missing = [w for w in wanted if w not in found]
    if missing and proposed is not None:
        for partnership, subject in missing:
            new = NewKey(partnership, subject, uuid4(), AESGCM.generate_key(256))
            proposed.append(new)
            found[(partnership, subject)] = (new.key_id, new.key)
    elif missing:
        await conn.execute(
            f"INSERT INTO {SCHEMA}.subject_keys (partnership_id, subject, key_id, key)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::bytea[]) ON CONFLICT DO NOTHING",
            [p for p, _ in missing], [s for _, s in missing], [uuid4() for _ in missing],
            [AESGCM.generate_key(256) for _ in missing],
        )
        rows = await conn.fetch(query, [p for p, _ in missing], [s for _, s in missing])
        found |= {(r["partnership_id"], r["subject"]): (r["key_id"], bytes(r["key"])) for r in rows}
    return found


Keys = Mapping[tuple[str, str], tuple[UUID, bytes]]  # (partnership, subject) -> (key id, key)


class NewKey(NamedTuple):
    """A subject's key made for an append and not yet stored (`ensure_keys`' `proposed`)."""

    partnership_id: str
    subject: str
    key_id: UUID
    key: bytes


def key_ids(envelope: Envelope) -> set[UUID]:
    """The keys the envelope's sealed values were sealed with."""
    if not _plan_of(envelope.event_type):
        return set()
    places = _sealed_places(event_class(envelope.event_type), envelope.payload(), [])
    return {key_id for _, _, value in places for key_id in _sealed_key_ids(value) or ()}


def opened(envelope: Envelope, keys: Mapping[UUID, bytes]) -> Envelope:
    """The envelope with its sealed values opened, `[erased]` where the key is not in `keys`."""
    if not _plan_of(envelope.event_type):
        return envelope
    model, payload = event_class(envelope.event_type), envelope.payload()
    for where, field, value in _sealed_places(model, payload, []):
        where[field] = open_value(value, keys)
    return envelope.model_copy(update={"event": model.model_validate(payload)})


SealedPlaces = list[tuple[Any, Any, str, tuple[UUID, ...]]]  # where, field, sealed value, its key ids


def _sealed_in(event_type: str, payload: dict[str, Any], at_most: int | None = None) -> SealedPlaces:
    """The sealed values in an event's JSON payload, with the key ids each names (`at_most`:
    `sealed_at_most` of the text it was parsed from)."""
    if at_most == 0:
        return []
    return [
        (where, field, value, ids)
        for where, field, value in _sealed_places(event_class(event_type), payload, [], at_most)
        if (ids := _sealed_key_ids(value)) is not None
    ]


async def _open_in_place(conn: asyncpg.Connection | asyncpg.Pool, found: Collection[SealedPlaces]) -> None:
    """Open every sealed value found, in its payload, with the keys read in one query."""
    wanted = {key_id for places in found for *_, ids in places for key_id in ids}
    rows = await conn.fetch(f"SELECT key_id, key FROM {SCHEMA}.subject_keys WHERE key_id = ANY($1::uuid[])", list(wanted))
    keys = {r["key_id"]: bytes(r["key"]) for r in rows}
    ciphers: Ciphers = {}
    for places in found:
        for where, field, value, ids in places:
            where[field] = _open_parsed(value, _parsed(value, ids), keys, ciphers)


def _opening(event_type: str, only: Collection[str] | None) -> bool:
    return bool(_plan_of(event_type)) and (only is None or event_type in only)


async def open_envelopes(
    conn: asyncpg.Connection | asyncpg.Pool, envelopes: Sequence[Envelope], *, only: Collection[str] | None = None
) -> list[Envelope]:
    """The envelopes with their personal texts opened (or `[erased]`), for the read models;
    with `only`, those of these event types (the others are kept as they are, sealed).

    Unmarked types, plain (older) values and batches with nothing sealed cost no query. Each
    payload is dumped and walked once: the sealed values are found with the keys they name,
    then opened in place once those keys are read; an envelope with nothing sealed is kept
    as it is (opening would give the same event)."""
    sealed: dict[int, tuple[dict[str, Any], SealedPlaces]] = {}
    for i, envelope in enumerate(envelopes):
        if _opening(envelope.event_type, only):
            payload = envelope.payload()
            if places := _sealed_in(envelope.event_type, payload):
                sealed[i] = (payload, places)
    if not sealed:
        return list(envelopes)
    await _open_in_place(conn, [places for _, places in sealed.values()])
    result = list(envelopes)
    for i, (payload, _) in sealed.items():
        model = event_class(result[i].event_type)
        result[i] = result[i].model_copy(update={"event": model.model_validate(payload)})
    return result


async def open_rows(
    conn: asyncpg.Connection | asyncpg.Pool, rows: Sequence[Mapping[str, Any]], store: str, *, only: Collection[str] | None = None
) -> list[Envelope]:
    """Stored rows as `open_envelopes` would give their envelopes, each payload parsed once:
    a rebuild opens every sealed value of the store, so the values are opened in the stored
    JSON and the model built from that, not built from the JSON, dumped, opened and built
    again. A payload recorded at an older version is upcast first, so it takes the long way."""
    envelopes: list[Envelope | None] = []  # None: built once its values are opened, below
    sealed: dict[int, tuple[dict[str, Any], SealedPlaces]] = {}
    older: list[int] = []
    for i, row in enumerate(rows):
        event_type = row["event_type"]
        if not _opening(event_type, only):
            envelopes.append(from_row(row, store))
        elif row["schema_version"] != event_class(event_type).schema_version:
            envelopes.append(from_row(row, store))
            older.append(i)
        elif (at_most := sealed_at_most(row["payload"])) == 0:
            envelopes.append(from_row(row, store))  # nothing sealed in it: built straight from its text
        elif places := _sealed_in(event_type, payload := json_of(row["payload"]), at_most):
            sealed[i] = (payload, places)
            envelopes.append(None)
        else:
            envelopes.append(from_row(row, store, payload))
    if sealed:
        await _open_in_place(conn, [places for _, places in sealed.values()])
        for i, (payload, _) in sealed.items():
            envelopes[i] = from_row(rows[i], store, payload)
    if older:
        reopened = await open_envelopes(conn, [envelopes[i] for i in older], only=only)  # type: ignore[misc]
        for i, envelope in zip(older, reopened, strict=True):
            envelopes[i] = envelope
    return envelopes  # type: ignore[return-value]  # every one built by now


async def open_payloads(
    conn: asyncpg.Connection | asyncpg.Pool,
    payloads: Sequence[tuple[str, int, Any, int | None]],
    *,
    only: Collection[str] | None = None,
) -> list[bool]:
    """Open in place the sealed values of events' payloads parsed from JSON and not yet built
    into models, each given as (event type, schema version, payload, at most how many sealed
    values its text held: `sealed_at_most`, or None), as `open_rows` does for stored rows; the
    keys read in one query. Returns, for each, whether it is now as `open_envelopes` would
    leave it: False for one recorded at an older version (upcast when it is built, then
    opened) or not of its model's shape (which building it refuses)."""
    done = [True] * len(payloads)
    found: list[SealedPlaces] = []
    for i, (event_type, version, payload, at_most) in enumerate(payloads):
        if not _opening(event_type, only):
            continue
        if not isinstance(payload, dict) or version != event_class(event_type).schema_version:
            done[i] = False
            continue
        try:
            places = _sealed_in(event_type, payload, at_most)
        except Exception:  # e.g. a list where its model has a mapping
            done[i] = False
            continue
        if places:
            found.append(places)
    if found:
        await _open_in_place(conn, found)
    return done


def _parsed(value: str, ids: tuple[UUID, ...]) -> tuple[tuple[UUID, ...], bytes] | None:
    """`parse_sealed_under` of a value whose key ids are in hand: only its body is decoded."""
    body = value[len(PREFIX):].partition(":")[2]
    try:  # base64.urlsafe_b64decode, without its two calls in Python around the C
        return ids, binascii.a2b_base64(body.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(body) % 4))
    except (ValueError, binascii.Error):
        return None


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


# -- erasure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    position: int
    erased_at: datetime
    partnership_id: str
    key_id: UUID
    subject_ref: str | None
    requested_by: str
    reason: str
    events: dict[str, int]
    prev_hash: str
    hash: str

    def canonical(self) -> bytes:
        return json.dumps(
            {
                "position": self.position, "erased_at": self.erased_at.astimezone(UTC).isoformat(),
                "partnership_id": self.partnership_id, "key_id": str(self.key_id), "subject_ref": self.subject_ref,
                "requested_by": self.requested_by, "reason": self.reason, "events": self.events,
            },
            sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        ).encode()

    def link(self) -> str:
        return hashlib.sha256(bytes.fromhex(self.prev_hash) + self.canonical()).hexdigest()


def _erasure(row: Mapping[str, Any]) -> Erasure:
    events = row["events"]
    return Erasure(
        row["position"], row["erased_at"], row["partnership_id"], row["key_id"], row["subject_ref"],
        row["requested_by"], row["reason"], json.loads(events) if isinstance(events, str) else events,
        bytes(row["prev_hash"]).hex(), bytes(row["hash"]).hex(),
    )


async def holding(conn: asyncpg.Connection, key_id: UUID, stores: Sequence[str]) -> dict[str, int]:
    """Per store, how many events hold a value sealed with this key (a scan: erasure is rare)."""
    counts: dict[str, int] = {}
    for store in stores:
        if await conn.fetchval("SELECT to_regclass($1)", f"{store}.events") is None:
            continue
        n = await conn.fetchval(f"SELECT count(*) FROM {store}.events WHERE payload::text LIKE $1", f"%{key_id.hex}%")
        if n:
            counts[store] = n
    return counts


async def sealed_values(conn: asyncpg.Connection, key_id: UUID, stores: Sequence[str]) -> dict[str, int]:
    """Per store, how many sealed values this key sealed (alone or with others): the values an
    erasure of the key makes unreadable there, and in every copy (JetStream, outcomes)."""
    counts: dict[str, int] = {}
    for store in stores:
        if await conn.fetchval("SELECT to_regclass($1)", f"{store}.events") is None:
            continue
        n = await conn.fetchval(
            f"SELECT coalesce(sum((length(payload::text) - length(replace(payload::text, $1, ''))) / length($1)), 0)"
            f" FROM {store}.events WHERE payload::text LIKE $2", key_id.hex, f"%{key_id.hex}%",
        )
        if n:
            counts[store] = int(n)
    return counts


async def erase(
    conn: asyncpg.Connection,
    partnership_id: str,
    subject: str,
    *,
    requested_by: str,
    reason: str,
    at: datetime,
    stores: Sequence[str],
) -> Erasure | None:
    """Delete the subject's key and record the erasure, in one transaction; None when the
    subject has no key (never recorded, or erased already)."""
    async with conn.transaction():
        await conn.execute(f"LOCK TABLE {SCHEMA}.erasures IN EXCLUSIVE MODE")
        # Waits for the appends using the key to commit, and holds back those that would (KEY_LOCK).
        await conn.execute(f"SELECT {key_lock('$1::text', '$2::text', shared=False)}", partnership_id, subject)
        key_id = await conn.fetchval(
            f"DELETE FROM {SCHEMA}.subject_keys WHERE partnership_id = $1 AND subject = $2 RETURNING key_id",
            partnership_id, subject,
        )
        if key_id is None:
            return None
        last = await conn.fetchrow(f"SELECT position, hash FROM {SCHEMA}.erasures ORDER BY position DESC LIMIT 1")
        draft = Erasure(
            (last["position"] if last else 0) + 1, at, partnership_id, key_id,
            None if subject.startswith("person:") else subject, requested_by, reason,
            await holding(conn, key_id, stores), bytes(last["hash"]).hex() if last else GENESIS, "",
        )
        done = Erasure(**{**draft.__dict__, "hash": draft.link()})
        await conn.execute(
            f"INSERT INTO {SCHEMA}.erasures VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            done.position, done.erased_at, done.partnership_id, done.key_id, done.subject_ref, done.requested_by,
            done.reason, json.dumps(done.events), bytes.fromhex(done.prev_hash), bytes.fromhex(done.hash),
        )
        return done


async def erasures(conn: asyncpg.Connection | asyncpg.Pool) -> tuple[list[Erasure], list[str]]:
    """Every erasure recorded, and what breaks their chain (nothing when intact)."""
    if await conn.fetchval("SELECT to_regclass($1)", f"{SCHEMA}.erasures") is None:
        return [], []
    records = [_erasure(r) for r in await conn.fetch(f"SELECT * FROM {SCHEMA}.erasures ORDER BY position")]
    problems, prev = [], GENESIS
    for expected, record in enumerate(records, start=1):
        if record.position != expected:
            problems.append(f"erasure {expected} is missing (found {record.position})")
        if record.prev_hash != prev:
            problems.append(f"erasure {record.position} does not link to the one before it")
        if record.link() != record.hash:
            problems.append(f"erasure {record.position} does not match its hash (changed after it was recorded)")
        prev = record.hash
    return records, problems
