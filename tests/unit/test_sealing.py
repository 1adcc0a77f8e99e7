"""The append's sealing walks each payload once (`shared.sealing`): it finds the subjects the
rules of `personal_data` name (checked against a generic walk of the rules, `_rewrite`), seals every
personal text under exactly their keys, and the store keeps keys it saw stored (`KeyCache`)."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.catalogue import event_class
from shared.catalogue.events import CaseAuditRecorded
from shared.catalogue.personal import Personal
from shared.catalogue.reviews import RapidReviewDecided
from shared.catalogue.section11 import Answer, DraftSaved, SubmissionAmended, SubmissionReceived
from shared.envelope import Envelope
from shared.eventstore.key_cache import KeyCache
from shared.mapper import new_envelopes
from shared.personal_data import PREFIX, STREAM, opened, parse_sealed_under, plan, subjects_of
from shared.sealing import Sealing
from tests.support.events import metadata

P = "north-lincolnshire"
NAME, OTHER = "Olwen Pryce-Hartley (invented)", "Ann Example (invented)"


def _envelope(event: object, stream: str) -> Envelope:
    [envelope] = new_envelopes(stream, 0, [event], metadata(P), datetime(2026, 11, 2, tzinfo=UTC))  # type: ignore[list-item]
    return envelope


def _batch() -> list[Envelope]:
    answers = {f"s-{n}": Answer(rating=2, narrative=f"note {n}", evidence=[f"doc {n}", ""]) for n in range(3)}
    return [
        _envelope(SubmissionReceived(submission_id="x", agency_id="a", cycle_id="c", domain_ratings={}, submitted_by=NAME,
                                     answers=answers), "s11-return:1"),
        _envelope(SubmissionAmended(agency_id="a", cycle_id="c", answers={}, domain_ratings={}, reason="re-issued",
                                    amended_by=OTHER), "s11-return:1"),
        _envelope(DraftSaved(agency_id="a", cycle_id="c", saved_by=NAME, answers=answers), "s11-draft:2"),
        _envelope(CaseAuditRecorded(assurance_event_id="e", case_ref="case-7f3a", agency_id="a", auditor_role="nurse",
                                    summary="words"), "audit:3"),
        _envelope(RapidReviewDecided(incident_id="i", case_ref="case-9", outcome="learning-review", rationale="why",
                                     decided_on=datetime(2026, 11, 2).date(), decided_by=OTHER,
                                     due_on=datetime(2026, 11, 30).date(), within_timescale=True,
                                     scrutineer_sign_off_required=False), "incident:4"),
    ]


def _rewrite(model: Any, data: dict[str, Any], top: dict[str, Any], fn: Any) -> None:
    """Each personal text in the JSON `data` of `model` replaced by `fn(text, marker, context)`,
    the context being the payload before any of it was rewritten: the rules restated plainly,
    against which the store's one-walk sealing is held."""
    original = dict(data)
    for field in plan(model):
        value = data.get(field.name)
        if value is None:
            continue
        if field.marker is not None:
            context = top | original
            if isinstance(value, str):
                data[field.name] = fn(value, field.marker, context)
            elif isinstance(value, list):
                data[field.name] = [fn(v, field.marker, context) if isinstance(v, str) else v for v in value]
            continue
        for item in field.payloads_in(value):
            _rewrite(field.nested, item, top, fn)


def _by_the_rules(envelope: Envelope) -> list[tuple[str, tuple[str, ...]]]:
    """Each personal text and its subjects, by personal_data's generic walk and rules."""
    found: list[tuple[str, tuple[str, ...]]] = []
    payload = envelope.payload()

    def note(value: str, marker: Personal, context: Any) -> str:
        if value and parse_sealed_under(value) is None:
            found.append((value, subjects_of(P, value, marker, context)))
        return value

    _rewrite(event_class(envelope.event_type), payload, dict(payload) | {STREAM: envelope.stream_id}, note)
    return found


def test_one_walk_finds_the_subjects_the_rules_name_and_seals_under_exactly_their_keys() -> None:
    batch = _batch()
    sealing = Sealing(batch)
    expected = {(P, s) for e in batch for _, found in _by_the_rules(e) for s in found}
    assert sealing.subjects == expected
    keys = {subject: (uuid4(), AESGCM.generate_key(256)) for subject in expected}
    sealed = sealing.seal(keys)
    assert set(sealed) == {e.event_id for e in batch}
    every: dict[UUID, bytes] = dict(keys.values())
    for envelope in batch:
        stored = envelope.model_copy(update={"event": event_class(envelope.event_type).model_validate(sealed[envelope.event_id])})
        texts = _by_the_rules(envelope)
        sealed_texts = _sealed_values(sealed[envelope.event_id])
        assert len(sealed_texts) == len(texts)  # every text sealed, none twice, the empty one left
        assert sorted(ids for ids in sealed_texts) == sorted(tuple(keys[(P, s)][0] for s in found) for _, found in texts)
        assert opened(stored, every).payload() == envelope.payload()


def _sealed_values(value: Any) -> list[tuple[UUID, ...]]:
    if isinstance(value, str):
        parsed = parse_sealed_under(value)
        return [parsed[0]] if parsed and value.startswith(PREFIX) else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [ids for item in items for ids in _sealed_values(item)]


def test_a_value_sealed_already_is_kept_as_it_is() -> None:
    [envelope] = _batch()[:1]
    keys = {s: (uuid4(), AESGCM.generate_key(256)) for s in Sealing([envelope]).subjects}
    once = Sealing([envelope]).seal(keys)[envelope.event_id]
    again = envelope.model_copy(update={"event": SubmissionReceived.model_validate(once)})
    assert Sealing([again]).subjects == set() and Sealing([again]).seal({}) == {}


def test_the_key_cache_keeps_the_latest_used_and_forgets_on_request() -> None:
    cache = KeyCache(size=2)
    a, b, c = ((P, s) for s in "abc")
    cache.put({a: (uuid4(), b"1"), b: (uuid4(), b"2")})
    assert set(cache.get([a, c])) == {a}  # a used lately: b goes first
    cache.put({c: (uuid4(), b"3")})
    assert set(cache.get([a, b, c])) == {a, c} and len(cache) == 2
    cache.drop([a, b])
    assert set(cache.get([a, b, c])) == {c}
