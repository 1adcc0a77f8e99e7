"""Section 11 returns: pure decide/evolve against the North Lincolnshire profile."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.section11.domain.commands import SubmitSelfAssessment
from services.section11.domain.returns import Return, decide_submission, evolve, stream_id
from shared.catalogue import DomainEvent
from shared.catalogue.section11 import RiskCleared, RiskFlagged, SubmissionReceived
from shared.decisions import fold
from shared.profiles import load_builtin
from shared.refusals import Refusal, parse_message

PROFILE = load_builtin("north-lincolnshire")
DOMAINS = [d.id for d in PROFILE.section11.domains]
AGENCY = "nlc-housing"
THRESHOLD = PROFILE.section11.risk_threshold
SCALE = sorted(level.value for level in PROFILE.section11.rating_scale.levels)


def test_the_profile_is_what_these_tests_assume() -> None:
    assert len(DOMAINS) == 6
    assert SCALE == [1, 2, 3, 4]
    assert THRESHOLD == 2
    assert AGENCY in {a.id for a in PROFILE.agencies}


def command(ratings: dict[str, int], agency: str = AGENCY, cycle: str = "2026") -> SubmitSelfAssessment:
    return SubmitSelfAssessment(
        request_id=uuid4(), agency_id=agency, cycle_id=cycle, domain_ratings=ratings, submitted_by="lead"
    )


def all_rated(rating: int, **overrides: int) -> dict[str, int]:
    return {d: rating for d in DOMAINS} | {k.replace("_", "-"): v for k, v in overrides.items()}


def submit(state: Return, ratings: dict[str, int]) -> tuple[Return, list[DomainEvent]]:
    events = decide_submission(state, command(ratings), PROFILE, "sub")
    return fold(state, evolve, events), events


def test_stream_id_names_partnership_agency_and_cycle() -> None:
    assert stream_id("north-lincolnshire", AGENCY, "2026") == "s11-return:north-lincolnshire:nlc-housing:2026"


def test_a_good_return_is_only_received() -> None:
    events = decide_submission(Return(), command(all_rated(3)), PROFILE, "sub-1")
    [received] = events
    assert received == SubmissionReceived(
        submission_id="sub-1",
        agency_id=AGENCY,
        cycle_id="2026",
        domain_ratings=all_rated(3),
        submitted_by="lead",
    )


def test_each_domain_at_or_below_the_threshold_is_flagged() -> None:
    ratings = all_rated(3, leadership_and_governance=1, culture_and_challenge=2)
    events = decide_submission(Return(), command(ratings), PROFILE, "sub-1")
    assert isinstance(events[0], SubmissionReceived)
    flags = events[1:]
    assert all(isinstance(e, RiskFlagged) for e in flags)
    assert [(f.domain_id, f.rating) for f in flags] == [  # type: ignore[attr-defined]
        ("culture-and-challenge", 2),
        ("leadership-and-governance", 1),
    ]
    inadequate = flags[1]
    assert isinstance(inadequate, RiskFlagged)
    assert inadequate.agency_id == AGENCY and inadequate.cycle_id == "2026"
    assert "Inadequate" in inadequate.reason and "threshold 2" in inadequate.reason


def test_a_second_submission_does_not_flag_again() -> None:
    state, _ = submit(Return(), all_rated(3, leadership_and_governance=1))
    assert state.flagged == {"leadership-and-governance"}
    state, events = submit(state, all_rated(3, leadership_and_governance=2))
    assert [type(e) for e in events] == [SubmissionReceived]
    assert state.submissions == 2
    assert state.ratings["leadership-and-governance"] == 2


def test_a_flagged_domain_back_above_the_threshold_is_cleared() -> None:
    state, _ = submit(Return(), all_rated(3, leadership_and_governance=1, culture_and_challenge=2))
    state, events = submit(state, all_rated(3, culture_and_challenge=3, leadership_and_governance=1))
    assert [type(e) for e in events] == [SubmissionReceived, RiskCleared]
    cleared = events[1]
    assert isinstance(cleared, RiskCleared)
    assert (cleared.domain_id, cleared.rating) == ("culture-and-challenge", 3)
    assert state.flagged == {"leadership-and-governance"}


def test_a_cleared_domain_can_be_flagged_again() -> None:
    state, _ = submit(Return(), {"culture-and-challenge": 1})
    state, _ = submit(state, {"culture-and-challenge": 4})
    assert state.flagged == frozenset()
    state, events = submit(state, {"culture-and-challenge": 2})
    assert [type(e) for e in events] == [SubmissionReceived, RiskFlagged]


def test_a_partial_return_leaves_other_flags_alone() -> None:
    state, _ = submit(Return(), {"culture-and-challenge": 1})
    state, events = submit(state, {"leadership-and-governance": 4})
    assert [type(e) for e in events] == [SubmissionReceived]
    assert state.flagged == {"culture-and-challenge"}


def test_evolve_ignores_events_it_does_not_know() -> None:
    class Unrelated(DomainEvent):
        event_type = "UnrelatedForThisTest"

    assert evolve(Return(), Unrelated()) == Return()


@pytest.mark.parametrize(
    ("agency", "ratings", "code", "field"),
    [
        ("not-an-agency", {"culture-and-challenge": 3}, "unknown_agency", "agency_id"),
        (AGENCY, {"not-a-domain": 3}, "unknown_domain", "domain_ratings.not-a-domain"),
        (AGENCY, {"culture-and-challenge": 0}, "rating_off_scale", "domain_ratings.culture-and-challenge"),
        (AGENCY, {"culture-and-challenge": 5}, "rating_off_scale", "domain_ratings.culture-and-challenge"),
        (AGENCY, {"culture-and-challenge": -1}, "rating_off_scale", "domain_ratings.culture-and-challenge"),
    ],
)
def test_refusals_name_their_code_and_field(
    agency: str, ratings: dict[str, int], code: str, field: str
) -> None:
    with pytest.raises(Refusal) as raised:
        decide_submission(Return(), command(ratings, agency=agency), PROFILE, "sub")
    assert raised.value.code == code
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{code} ({field}): ")


# -- properties ---------------------------------------------------------------------------

domain_names = st.one_of(st.sampled_from(DOMAINS), st.text(max_size=20))
ratings_dicts = st.dictionaries(domain_names, st.integers(min_value=-3, max_value=8) | st.integers(), min_size=1, max_size=8)
flagged_sets = st.frozensets(st.sampled_from(DOMAINS))


@given(ratings=ratings_dicts, flagged=flagged_sets)
def test_decide_returns_events_or_a_refusal_naming_a_field(
    ratings: dict[str, int], flagged: frozenset[str]
) -> None:
    state = Return(submissions=1, flagged=flagged)
    try:
        events = decide_submission(state, command(ratings), PROFILE, "sub")
    except Refusal as refusal:
        assert refusal.code in {"unknown_domain", "rating_off_scale"}
        assert refusal.field is not None and refusal.field.startswith("domain_ratings.")
        offending = refusal.field.removeprefix("domain_ratings.")
        assert offending in ratings
        assert offending not in DOMAINS or ratings[offending] not in SCALE
        return
    # accepted: every key was a domain and every rating on the scale
    assert set(ratings) <= set(DOMAINS) and set(ratings.values()) <= set(SCALE)
    assert isinstance(events[0], SubmissionReceived) and events[0].domain_ratings == ratings
    flagged_now = {e.domain_id for e in events if isinstance(e, RiskFlagged)}
    cleared_now = {e.domain_id for e in events if isinstance(e, RiskCleared)}
    assert flagged_now == {d for d, r in ratings.items() if r <= THRESHOLD} - flagged
    assert cleared_now == {d for d, r in ratings.items() if r > THRESHOLD} & flagged
    after = fold(state, evolve, events)
    assert after.flagged == (flagged | flagged_now) - cleared_now
    # deciding the same command again on the new state flags and clears nothing
    again = decide_submission(after, command(ratings), PROFILE, "sub")
    assert [type(e) for e in again] == [SubmissionReceived]


def valid_document() -> dict[str, Any]:
    return {
        "request_id": str(UUID(int=1)),
        "agency_id": AGENCY,
        "cycle_id": "2026",
        "domain_ratings": {"culture-and-challenge": 3},
        "submitted_by": "lead",
    }


def check_parse(data: bytes) -> None:
    try:
        parsed = parse_message(SubmitSelfAssessment, data)
    except Refusal as refusal:
        assert refusal.code in {"invalid_json", "invalid_field"}
        assert refusal.message
        return
    assert isinstance(parsed, SubmitSelfAssessment)
    assert SubmitSelfAssessment.model_validate(parsed.model_dump()) == parsed


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=512))
@example(data=b"")
@example(data=b"\xff\xfe")
@example(data=b"[]")
@example(data=b"null")
@example(data=b"1" * 5000)  # past Python's int-string conversion limit
@example(data=b"[" * 100_000)  # nesting deep enough to exhaust the recursion limit
@example(data=json.dumps(valid_document()).encode())
def test_parse_message_of_arbitrary_bytes_refuses_or_parses(data: bytes) -> None:
    check_parse(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@given(document=json_values)
def test_parse_message_of_arbitrary_json_refuses_or_parses(document: Any) -> None:
    check_parse(json.dumps(document).encode())


@given(
    changes=st.dictionaries(
        st.sampled_from([*valid_document(), "extra"]), json_values, min_size=1, max_size=3
    )
)
def test_parse_message_of_mangled_commands_refuses_with_a_field_or_parses(changes: dict[str, Any]) -> None:
    document = valid_document() | changes
    data = json.dumps(document).encode()
    check_parse(data)
    try:
        parse_message(SubmitSelfAssessment, data)
    except Refusal as refusal:
        assert refusal.code == "invalid_field"
        assert refusal.field is not None
        assert refusal.field.split(".")[0].split("[")[0] in document


def test_parse_message_names_the_first_offending_field() -> None:
    document = valid_document() | {"domain_ratings": {"culture-and-challenge": "three"}}
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitSelfAssessment, json.dumps(document).encode())
    assert raised.value.code == "invalid_field"
    assert raised.value.field == "domain_ratings.culture-and-challenge"


def test_parse_message_refuses_a_non_object() -> None:
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitSelfAssessment, b"[1, 2]")
    assert (raised.value.code, raised.value.field) == ("invalid_json", None)


def test_parse_message_overrides_win_over_the_payload() -> None:
    data = json.dumps(valid_document()).encode()
    parsed = parse_message(SubmitSelfAssessment, data, agency_id="nlc-public-health")
    assert parsed.agency_id == "nlc-public-health"
