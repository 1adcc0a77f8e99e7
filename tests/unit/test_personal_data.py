"""Personal texts sealed with their subject's key, opened with it, `[erased]` without it."""

import json
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from shared.catalogue.events import CaseAuditRecorded
from shared.catalogue.reviews import ActionProgressUpdated, RapidReviewDecided
from shared.catalogue.section11 import Answer, AuditCycleClosed, DraftSaved, SubmissionAmended
from shared.envelope import Envelope
from shared.hashchain import GENESIS
from shared.mapper import new_envelopes
from shared.personal_data import (
    ERASED,
    PREFIX,
    UNREADABLE,
    Erasure,
    Keys,
    Personal,
    _sealed_places,
    key_ids,
    open_value,
    opened,
    person_subject,
    plan,
    seal_value,
    sealed_at_most,
)
from shared.sealing import sealed_payload, subjects
from tests.support.events import metadata

P = "north-lincolnshire"
WORDS = "Mum said: nobody listened to us until the school nurse did"
NAME = "Olwen Pryce-Hartley (invented)"


def _key() -> tuple[UUID, bytes]:
    return uuid4(), AESGCM.generate_key(256)


def _envelope(event: object) -> Envelope:
    [envelope] = new_envelopes("stream-1", 0, [event], metadata(P), datetime(2026, 11, 2, tzinfo=UTC))  # type: ignore[list-item]
    return envelope


def _audit() -> Envelope:
    return _envelope(CaseAuditRecorded(assurance_event_id="los-1", case_ref="case-7f3a", agency_id="humberside-police",
                                       auditor_role="Named nurse", summary=WORDS))


def _amended() -> Envelope:
    return _envelope(SubmissionAmended(agency_id="humberside-police", cycle_id="2026-27", answers={}, domain_ratings={},
                                       reason="Policy re-issued", amended_by=NAME))


def _keys_for(envelope: Envelope) -> dict[tuple[str, str], tuple[UUID, bytes]]:
    return {subject: _key() for subject in subjects(envelope)}


def test_a_sealed_value_opens_with_its_key_only() -> None:
    key_id, key = _key()
    sealed = seal_value(WORDS, key_id, key)
    assert sealed.startswith(f"{PREFIX}{key_id.hex}:") and "nobody" not in sealed
    assert seal_value(WORDS, key_id, key) != sealed  # a fresh nonce each time
    assert open_value(sealed, {key_id: key}) == WORDS
    assert open_value(sealed, {}) == ERASED  # the key deleted: erased
    assert open_value(sealed, {key_id: AESGCM.generate_key(256)}) == UNREADABLE  # not its key
    tampered = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    assert open_value(tampered, {key_id: key}) == UNREADABLE
    assert open_value(WORDS, {}) == WORDS  # plain text (recorded before sealing) reads as it is
    assert open_value(PREFIX + "not-a-key:xyz", {}) == PREFIX + "not-a-key:xyz"


@given(st.text())
def test_any_text_comes_back_as_it_was(text: str) -> None:
    key_id, key = _key()
    assert open_value(seal_value(text, key_id, key), {key_id: key}) == text


def test_a_persons_subject_is_a_digest_of_the_name_as_recorded() -> None:
    subject = person_subject(P, NAME)
    assert subject.startswith("person:") and "olwen" not in subject.lower()
    assert person_subject(P, "  olwen PRYCE-hartley   (invented) ") == subject  # case and spacing aside
    assert person_subject("another-partnership", NAME) != subject
    assert person_subject(P, "Olwen Pryce (invented)") != subject


def test_a_case_audits_words_are_sealed_with_the_cases_key() -> None:
    envelope = _audit()
    assert subjects(envelope) == {(P, "case-7f3a")}
    keys = _keys_for(envelope)
    payload = sealed_payload(envelope, keys)
    assert WORDS not in str(payload)
    assert {k: v for k, v in payload.items() if k != "summary"} == {k: v for k, v in envelope.payload().items() if k != "summary"}
    stored = envelope.model_copy(update={"event": CaseAuditRecorded.model_validate(payload)})
    [(key_id, key)] = keys.values()
    assert key_ids(stored) == {key_id}
    assert opened(stored, {key_id: key}).event.summary == WORDS  # type: ignore[attr-defined]
    assert opened(stored, {}).event.summary == ERASED  # type: ignore[attr-defined]


def test_a_practitioners_name_is_sealed_with_the_persons_key() -> None:
    envelope = _amended()
    person, record = (P, person_subject(P, NAME)), (P, "stream-1")
    assert subjects(envelope) == {person, record}  # the name; the reason under the record's key and the person's
    keys = _keys_for(envelope)
    stored = envelope.model_copy(update={"event": SubmissionAmended.model_validate(sealed_payload(envelope, keys))})
    assert NAME not in stored.model_dump_json() and "re-issued" not in stored.model_dump_json()
    assert stored.event.amended_by.startswith(f"{PREFIX}{keys[person][0].hex}:")  # type: ignore[attr-defined]
    assert stored.event.reason.startswith(f"{PREFIX}{keys[record][0].hex}+{keys[person][0].hex}:")  # type: ignore[attr-defined]
    every = dict(keys.values())
    assert key_ids(stored) == set(every)
    assert opened(stored, every).event.amended_by == NAME  # type: ignore[attr-defined]
    assert opened(stored, every).event.reason == "Policy re-issued"  # type: ignore[attr-defined]
    # Erasing either the person or the record makes the typed reason unreadable.
    for gone in (person, record):
        left = {k: v for k, v in every.items() if k != keys[gone][0]}
        assert opened(stored, left).event.reason == ERASED  # type: ignore[attr-defined]
    assert opened(stored, {keys[person][0]: keys[person][1]}).event.amended_by == NAME  # type: ignore[attr-defined]


def test_typed_text_about_a_case_is_sealed_under_the_cases_key_and_its_authors() -> None:
    decided = _envelope(RapidReviewDecided(
        incident_id="inc-1", case_ref="case-7f3a", outcome="learning-review", rationale="The health visitor, Ann (invented), saw it",
        decided_on=datetime(2026, 11, 2).date(), decided_by=NAME, due_on=datetime(2026, 11, 30).date(), within_timescale=True,
        scrutineer_sign_off_required=False,
    ))
    assert subjects(decided) == {(P, "case-7f3a"), (P, person_subject(P, NAME))}  # the case, not the record
    progress = _envelope(ActionProgressUpdated(action_id="a-1", owner_agency_id="humberside-police", update_number=1,
                                               progress="", updated_by=NAME))
    keys = _keys_for(progress)
    assert set(keys) == {(P, person_subject(P, NAME))}  # an empty text: nothing sealed, no key
    assert sealed_payload(progress, keys)["progress"] == ""
    draft = _envelope(DraftSaved(agency_id="humberside-police", cycle_id="2026-27", saved_by=NAME,
                                 answers={"1.1": Answer(rating=2, narrative="Ann said so", evidence=["Policy by Ann"])}))
    sealed = sealed_payload(draft, _keys_for(draft))
    assert "Ann" not in str(sealed) and all(
        v.count("+") == 1 for v in [sealed["answers"]["1.1"]["narrative"], *sealed["answers"]["1.1"]["evidence"]]
    )


def test_events_with_nothing_personal_or_stored_before_sealing_read_as_they_are() -> None:
    closed = _envelope(AuditCycleClosed(cycle_id="2026-27", closed_on=datetime(2027, 4, 1).date()))
    assert subjects(closed) == set() and key_ids(closed) == set()
    assert opened(closed, {}) is closed
    old = _amended()  # recorded in clear before the field was marked
    assert key_ids(old) == set() and opened(old, {}).event.amended_by == NAME  # type: ignore[attr-defined]


class _Quote(BaseModel):
    words: Annotated[str, Personal(subject="case_ref")]
    said_by: str


class _Gathered(BaseModel):
    case_ref: str
    quotes: dict[str, _Quote]
    voices: list[_Quote] = []
    notes: Annotated[list[str], Personal()] = []
    nothing: int = 0


def test_sealed_values_are_found_in_nested_models_and_lists_and_opened_in_place() -> None:
    assert [f.name for f in plan(_Gathered)] == ["quotes", "voices", "notes"]
    sealed = {word: f"{PREFIX}{word}" for word in ("one", "two", "three", "four")}
    payload = _Gathered(
        case_ref="case-91bc", quotes={"q1": _Quote(words=sealed["one"], said_by="parent")},
        voices=[_Quote(words=sealed["two"], said_by="child"), _Quote(words="plain", said_by="carer")],
        notes=[sealed["three"], "", sealed["four"]],
    ).model_dump()
    places = _sealed_places(_Gathered, payload, [])
    assert [value for _, _, value in places] == [sealed[w] for w in ("one", "two", "three", "four")]  # not plain or empty
    for where, field, value in places:
        where[field] = value.removeprefix(PREFIX).upper()
    assert (payload["quotes"]["q1"], payload["voices"][0]["said_by"], payload["voices"][1]["words"], payload["notes"]) == (
        {"words": "ONE", "said_by": "parent"}, "child", "plain", ["THREE", "", "FOUR"],
    )


def test_a_walk_told_how_many_sealed_values_its_text_holds_finds_them_all_and_stops() -> None:
    sealed = {word: f"{PREFIX}{word}" for word in ("one", "two", "three")}
    payload = _Gathered(
        case_ref="case-91bc", quotes={"q1": _Quote(words=sealed["one"], said_by="parent")},
        voices=[_Quote(words=sealed["two"], said_by="child"), _Quote(words="plain", said_by="carer")],
        notes=[sealed["three"], ""],
    ).model_dump()
    text = json.dumps(payload)
    assert sealed_at_most(text) == sealed_at_most(text.encode()) == 3
    assert _sealed_places(_Gathered, payload, [], sealed_at_most(text)) == _sealed_places(_Gathered, payload, [])
    # Told of fewer, it stops there: the count of the whole text can only be more, never less.
    assert [v for _, _, v in _sealed_places(_Gathered, payload, [], 1)] == [sealed["one"]]
    assert _sealed_places(_Gathered, payload, [], 0) == []
    # The prefix in a text that is not sealed counts too (the walk then goes to the end).
    assert sealed_at_most(json.dumps(payload | {"case_ref": f"see {PREFIX}"})) == 4
    # A \u escape could spell the prefix: then the text says nothing.
    assert sealed_at_most(r'{"notes": ["\u0070ersonal:v1:x"]}') is None
    assert sealed_at_most(b'{"notes": ["\\u0070ersonal:v1:x"]}') is None


def test_an_erasure_record_is_chained_and_holds_no_personal_data() -> None:
    record = Erasure(1, datetime(2027, 1, 5, tzinfo=UTC), P, uuid4(), "case-7f3a", "data protection officer",
                     "erasure requested", {"events": 2}, GENESIS, "")
    assert record.link() == record.link() and len(record.link()) == 64
    assert Erasure(**{**record.__dict__, "reason": "changed"}).link() != record.link()
    assert b"case-7f3a" in record.canonical() and b"Olwen" not in record.canonical()


def test_keys_type_is_the_mapping_of_subjects_to_keys() -> None:
    keys: Keys = _keys_for(_audit())
    assert set(keys) == {(P, "case-7f3a")}
