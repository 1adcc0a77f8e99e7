"""Properties of the roll-up rule (standards to a domain rating), and of a return's
validation against malformed input: whatever arrives, the answer is a return or a
refusal with a code, naming the field at fault."""

from __future__ import annotations

import json
from datetime import date
from statistics import median_low
from typing import Any, get_args
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from services.section11.domain import cycles
from services.section11.domain.commands import OpenAuditCycle, SubmitReturn
from services.section11.domain.cycles import Cycle
from services.section11.domain.returns import Return
from services.section11.domain.rollup import domain_ratings, roll_up
from services.section11.domain.submissions import decide_submit
from shared.catalogue.section11 import Answer, SubmissionReceived
from shared.profiles import load_builtin
from shared.profiles.schema import FrameworkProfile
from shared.profiles.section11 import Section11Rules
from shared.refusals import Refusal, parse_message
from tests.support.returns import answers

PROFILE = load_builtin("north-lincolnshire")
RULES = PROFILE.section11
STANDARDS = [s.id for s in RULES.standards]
SCALE = RULES.rating_scale.values
AGENCY = "nlc-housing"
CYCLE = "2026-27"
RULE_NAMES: tuple[str, ...] = get_args(Section11Rules.model_fields["rollup"].annotation)
# No per-example deadline: the machine is shared with other suites, and time is not what is tested here.
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_rule_the_profile_schema_allows_is_tested() -> None:
    assert set(RULE_NAMES) == {"lowest", "mean_rounded_down", "median"}


# -- the roll-up rule -------------------------------------------------------------------------------

scales = st.lists(st.integers(), min_size=2, max_size=6, unique=True).map(sorted)


@st.composite
def scale_and_ratings(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    scale = draw(scales)
    return scale, draw(st.lists(st.sampled_from(scale), min_size=1, max_size=15))


rules = st.sampled_from(RULE_NAMES)


@RELAXED
@given(rule=rules, case=scale_and_ratings())
@example(rule="mean_rounded_down", case=([2**60 + 1, 2**61], [2**60 + 1] * 3))  # a float mean rounds below them
def test_a_domain_rating_is_on_the_scale_between_the_weakest_and_the_strongest(
    rule: str, case: tuple[list[int], list[int]]
) -> None:
    scale, ratings = case
    rating = roll_up(rule, ratings, scale)
    assert rating in scale
    assert min(ratings) <= rating <= max(ratings)
    if len(set(ratings)) == 1:
        assert rating == ratings[0]


@RELAXED
@given(case=scale_and_ratings())
def test_each_rule_is_what_it_says(case: tuple[list[int], list[int]]) -> None:
    scale, ratings = case
    assert roll_up("lowest", ratings, scale) == min(ratings)
    assert roll_up("median", ratings, scale) == median_low(ratings)
    mean = roll_up("mean_rounded_down", ratings, scale)
    # The best level at or below the mean, compared exactly.
    assert mean * len(ratings) <= sum(ratings)
    assert all(level * len(ratings) > sum(ratings) for level in scale if level > mean)


@RELAXED
@given(rule=rules, case=scale_and_ratings(), data=st.data())
def test_raising_one_standard_never_lowers_the_domain(
    rule: str, case: tuple[list[int], list[int]], data: st.DataObject
) -> None:
    scale, ratings = case
    index = data.draw(st.integers(min_value=0, max_value=len(ratings) - 1), label="index")
    higher = data.draw(st.sampled_from([level for level in scale if level >= ratings[index]]), label="higher")
    raised = ratings[:index] + [higher] + ratings[index + 1 :]
    assert roll_up(rule, raised, scale) >= roll_up(rule, ratings, scale)


@RELAXED
@given(rule=rules, case=scale_and_ratings(), data=st.data())
def test_the_order_of_the_ratings_does_not_matter(
    rule: str, case: tuple[list[int], list[int]], data: st.DataObject
) -> None:
    scale, ratings = case
    shuffled = data.draw(st.permutations(ratings), label="shuffled")
    assert roll_up(rule, shuffled, scale) == roll_up(rule, ratings, scale)


@pytest.mark.parametrize(("rule", "ratings"), [("lowest", []), ("median", []), ("mean_rounded_down", []), ("best", [3])])
def test_no_ratings_or_an_unknown_rule_is_an_error(rule: str, ratings: list[int]) -> None:
    with pytest.raises(ValueError):
        roll_up(rule, ratings, SCALE)


def with_rollup(rule: str) -> FrameworkProfile:
    document = PROFILE.model_dump()
    document["section11"]["rollup"] = rule
    return FrameworkProfile.model_validate(document)


PROFILES = {rule: with_rollup(rule) for rule in RULE_NAMES}


@RELAXED
@given(
    rule=rules,
    rated=st.dictionaries(st.sampled_from(STANDARDS) | st.text(max_size=8), st.sampled_from(SCALE), max_size=20),
)
def test_every_domain_with_a_rated_standard_is_rolled_up_by_the_profiles_rule(rule: str, rated: dict[str, int]) -> None:
    section11 = PROFILES[rule].section11
    out = domain_ratings(section11, rated)
    expected = {
        d.id: [rated[s.id] for s in section11.standards_for(d.id) if s.id in rated] for d in section11.domains
    }
    assert out == {d: roll_up(rule, r, SCALE) for d, r in expected.items() if r}


# -- validation of malformed input --------------------------------------------------------------------

CYCLE_STATE = cycles.evolve(
    Cycle(),
    cycles.decide_open(Cycle(), OpenAuditCycle(request_id=UUID(int=7), cycle_id=CYCLE, opened_on=date(2026, 9, 1)), PROFILE)[0],
)
COMPLETE = answers(PROFILE)
DRAFTED = Return(draft={s: Answer(rating=3) for s in STANDARDS[:5]})
SUBMITTED = Return(
    submitted=True, answers={s: Answer(rating=3) for s in STANDARDS}, self_ratings=dict.fromkeys((d.id for d in RULES.domains), 3)
)
DOMAIN_CODES = {
    "unknown_agency", "unknown_cycle", "cycle_closed", "not_in_cycle", "already_submitted",
    "no_answers", "unknown_standard", "rating_off_scale", "missing_standard",
}


def valid_document() -> dict[str, Any]:
    return {
        "request_id": str(UUID(int=1)),
        "agency_id": AGENCY,
        "cycle_id": CYCLE,
        "answers": answers(PROFILE),
        "submitted_by": "Safeguarding lead (invented)",
    }


def top_level(field: str) -> str:
    return field.split(".")[0].split("[")[0]


def check(data: bytes, state: Return = Return()) -> None:
    """Parse, then decide: only a return's events or a refusal with a code (and its field) may come out."""
    try:
        command = parse_message(SubmitReturn, data)
    except Refusal as refusal:
        event(f"refused on parsing: {refusal.code}")
        assert refusal.message
        if refusal.code == "invalid_json":
            assert refusal.field is None
            return
        assert refusal.code == "invalid_field"
        assert refusal.field is not None
        document = json.loads(data)
        shown = refusal.field.replace("\\u0000", "\x00")  # a NUL in a key is shown escaped
        # The field begins with a key of the document (which may itself hold "." or "[") or a command field.
        assert any(shown.startswith(str(key)) for key in document) or top_level(shown) in SubmitReturn.model_fields
        return
    assert SubmitReturn.model_validate(command.model_dump()) == command
    try:
        events = decide_submit(
            state, CYCLE_STATE, command, PROFILE,
            cycle_id=command.cycle_id, submission_id="sub", today=date(2026, 9, 2), also_submitted_to=[],
        )
    except Refusal as refusal:
        event(f"refused on deciding: {refusal.code}")
        assert refusal.code in DOMAIN_CODES, refusal
        assert refusal.message and refusal.field is not None
        assert top_level(refusal.field) in SubmitReturn.model_fields
        if refusal.code in {"unknown_standard", "rating_off_scale"}:
            assert command.answers is not None
            standard = refusal.field.split(".")[1]
            assert standard in command.answers
            assert standard not in STANDARDS or command.answers[standard].rating not in SCALE
        if refusal.code == "missing_standard":
            assert refusal.field.removeprefix("answers.") in STANDARDS
        return
    event("received")
    received = events[0]
    assert isinstance(received, SubmissionReceived)
    assert set(received.answers) == set(STANDARDS)
    assert {a.rating for a in received.answers.values()} <= set(SCALE)
    assert received.domain_ratings == domain_ratings(RULES, {s: a.rating for s, a in received.answers.items()})


@RELAXED
@given(data=st.binary(max_size=512))
@example(data=b"")
@example(data=b"\xff\xfe")
@example(data=b"[]")
@example(data=b"null")
@example(data=b'"a string"')
@example(data=b"1" * 5000)  # past Python's int-string conversion limit
@example(data=b"[" * 100_000)  # nesting deep enough to exhaust the recursion limit
@example(data=b'{"answers": ' * 5000)
@example(data=json.dumps(valid_document()).encode())
def test_arbitrary_bytes_are_a_return_or_a_refusal(data: bytes) -> None:
    check(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@RELAXED
@given(document=json_values)
def test_arbitrary_json_is_a_return_or_a_refusal(document: Any) -> None:
    check(json.dumps(document).encode())


small = st.integers(min_value=-2, max_value=7)
ratings = st.one_of(small, small, small, json_values)  # mostly plausible, so deciding is reached too
answer_values = st.one_of(
    st.fixed_dictionaries(
        {"rating": ratings},
        optional={"narrative": st.text(max_size=20), "evidence": st.lists(st.text(max_size=8), max_size=3)},
    ),
    st.fixed_dictionaries({"rating": small}, optional={"narrative": json_values, "evidence": json_values, "mood": json_values}),
    json_values,
)
standard_keys = st.sampled_from(STANDARDS) | st.sampled_from(["astrology", "Not A Slug", "", "-x"]) | st.text(max_size=8)
states = st.sampled_from([Return(), DRAFTED, SUBMITTED])
plausible_changes = st.fixed_dictionaries(
    {},
    optional={
        "agency_id": st.sampled_from([AGENCY, "humberside-police", "acme-widgets", "Not A Slug"]),
        "cycle_id": st.sampled_from([CYCLE, "1999-00"]),
        "answers": st.none(),
        "also_submit_to": st.just([]),
    },
)
changes = plausible_changes | st.dictionaries(
    st.sampled_from([*valid_document(), "also_submit_to", "extra"]), json_values, max_size=2
)


@RELAXED
@given(
    changes=changes,
    answer_changes=st.dictionaries(standard_keys, answer_values, max_size=3),
    dropped=st.sets(st.sampled_from(STANDARDS), max_size=3),
    state=states,
)
@example(changes={}, answer_changes={}, dropped=set(), state=Return())
@example(changes={"answers": None}, answer_changes={}, dropped=set(), state=DRAFTED)
@example(changes={}, answer_changes={"rw-training": {"rating": 9}}, dropped=set(), state=Return())
@example(changes={}, answer_changes={"rw-training": {"rating": True}}, dropped=set(), state=Return())
def test_a_mangled_return_is_accepted_or_refused_naming_the_field(
    changes: dict[str, Any], answer_changes: dict[str, Any], dropped: set[str], state: Return
) -> None:
    document = valid_document()
    document["answers"] = {s: a for s, a in document["answers"].items() if s not in dropped} | answer_changes
    document |= changes
    check(json.dumps(document).encode(), state)


def test_an_untouched_return_is_received() -> None:
    command = parse_message(SubmitReturn, json.dumps(valid_document()).encode())
    events = decide_submit(
        Return(), CYCLE_STATE, command, PROFILE, cycle_id=CYCLE, submission_id="s", today=date(2026, 9, 2), also_submitted_to=[]
    )
    assert [type(e) for e in events] == [SubmissionReceived]


def test_parse_message_names_the_first_offending_field() -> None:
    document = valid_document()
    document["answers"]["rw-training"] = {"rating": "three"}
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitReturn, json.dumps(document).encode())
    assert (raised.value.code, raised.value.field) == ("invalid_field", "answers.rw-training.rating")


def test_a_boolean_is_not_a_rating() -> None:
    document = valid_document()
    document["answers"]["rw-training"] = {"rating": True}
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitReturn, json.dumps(document).encode())
    assert (raised.value.code, raised.value.field) == ("invalid_field", "answers.rw-training.rating")


def test_parse_message_refuses_a_non_object() -> None:
    with pytest.raises(Refusal) as raised:
        parse_message(SubmitReturn, b"[1, 2]")
    assert (raised.value.code, raised.value.field) == ("invalid_json", None)


def test_parse_message_overrides_win_over_the_payload() -> None:
    parsed = parse_message(SubmitReturn, json.dumps(valid_document()).encode(), agency_id="nlc-public-health")
    assert parsed.agency_id == "nlc-public-health"


@RELAXED
@given(
    changes=plausible_changes,
    answer_changes=st.dictionaries(st.sampled_from([*STANDARDS, "astrology", "lg-bespoke"]), small, max_size=4),
    dropped=st.sets(st.sampled_from(STANDARDS), max_size=2),
    state=states,
)
def test_a_well_formed_but_wrong_return_is_refused_naming_the_field(
    changes: dict[str, Any], answer_changes: dict[str, int], dropped: set[str], state: Return
) -> None:
    document = valid_document()
    document["answers"] = {s: a for s, a in document["answers"].items() if s not in dropped} | {
        s: {"rating": r} for s, r in answer_changes.items()
    }
    check(json.dumps(document | changes).encode(), state)
