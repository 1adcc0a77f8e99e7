"""Tests for shared.profiles: schema, loader and the North Lincolnshire profile."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from shared.profiles import (
    Cadence,
    FrameworkProfile,
    ProfileError,
    RatingScale,
    builtin_profiles,
    load_builtin,
    load_profile,
    parse_profile,
)

NL_PATH = builtin_profiles()["north-lincolnshire"]


@pytest.fixture(scope="module")
def nl() -> FrameworkProfile:
    return load_builtin("north-lincolnshire")


@pytest.fixture()
def nl_data() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(NL_PATH.read_text(encoding="utf-8")))


def write_yaml(tmp_path: Path, data: Any, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def load_error(path: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return info.value


# ---------------------------------------------------------------------------
# built-in profiles
# ---------------------------------------------------------------------------


def test_builtin_profiles_are_named_by_id_and_all_load() -> None:
    profiles = builtin_profiles()
    assert "north-lincolnshire" in profiles
    for profile_id, path in profiles.items():
        assert path.is_file()
        assert load_builtin(profile_id).id == profile_id


def test_load_builtin_unknown_id() -> None:
    with pytest.raises(ProfileError, match="unknown built-in profile 'nowhere'"):
        load_builtin("nowhere")


def test_nl_identity(nl: FrameworkProfile) -> None:
    assert nl.id == "north-lincolnshire"
    assert "MARS" in nl.name
    assert "2018/20" in nl.source


def test_nl_statutory_partners(nl: FrameworkProfile) -> None:
    assert len(nl.statutory_partners) == 3
    assert {p.role: p.name for p in nl.statutory_partners} == {
        "local_authority": "North Lincolnshire Council",
        "icb": "North Lincolnshire Clinical Commissioning Group",
        "police": "Humberside Police",
    }
    # each partner is also a Section 11 agency, marked as such
    marked = {a.statutory_partner: a.id for a in nl.agencies if a.statutory_partner}
    assert marked == {
        "north-lincolnshire-council": "north-lincolnshire-council",
        "north-lincolnshire-ccg": "north-lincolnshire-ccg",
        "humberside-police": "humberside-police",
    }


def test_nl_groups(nl: FrameworkProfile) -> None:
    ids = {g.id for g in nl.groups}
    assert {
        "childrens-mars-board",
        "safeguarding-partners",
        "innovation-hub",
        "splig",
        "maag",
        "practice-lead-officers-group",
    } <= ids
    assert nl.group("childrens-mars-board").kind == "board"
    assert nl.group("innovation-hub").name == "Safeguarding Partners Multi Agency Innovation Hub"


APPENDIX_2 = {
    # council and its services
    "north-lincolnshire-council",
    "nlc-childrens-social-care",
    "nlc-adult-social-care",
    "nlc-youth-offending-service",
    "nlc-public-health",
    "nlc-housing",
    "nlc-sport-culture-leisure",
    "nlc-licensing",
    "nlc-youth-services",
    # health
    "north-lincolnshire-ccg",
    "general-practitioners",
    "nhs-england-north-yorkshire-and-humber",
    "independent-health-sector",
    "virgin-care-sexual-health-services",
    "thames-ambulance-service",
    "northern-lincolnshire-and-goole-hospitals",
    "rotherham-doncaster-and-south-humber-nhs-ft",
    "east-midlands-ambulance-service",
    # police
    "humberside-police",
    "humberside-opcc",
    "british-transport-police",
    # probation
    "national-probation-service",
    "humberside-lincolnshire-north-yorkshire-crc",
}


def test_nl_appendix_2_agencies(nl: FrameworkProfile) -> None:
    assert {a.id for a in nl.agencies} == APPENDIX_2
    names = " | ".join(a.name for a in nl.agencies)
    for fragment in (
        "Northern Lincolnshire and Goole Hospitals NHS Foundation Trust",
        "Rotherham, Doncaster and South Humber NHS Foundation Trust",
        "East Midlands Ambulance Service NHS Trust",
        "Office of the Police and Crime Commissioner",
        "British Transport Police",
        "National Probation Service",
        "Community Rehabilitation Company",
        "Virgin Care Sexual Health Services",
        "Thames Ambulance Service",
        "NHS England North (Yorkshire and Humber)",
    ):
        assert fragment in names
    services = [a for a in nl.agencies if a.part_of == "north-lincolnshire-council"]
    assert len(services) == 8


def test_nl_section11(nl: FrameworkProfile) -> None:
    s11 = nl.section11
    assert [d.id for d in s11.domains] == [
        "leadership-and-governance",
        "performance-and-outcomes",
        "commissioning-and-quality",
        "priorities-and-partnerships",
        "resource-and-workforce-management",
        "culture-and-challenge",
    ]
    for domain in s11.domains:
        assert 2 <= len(s11.standards_for(domain.id)) <= 3, domain.id
    assert s11.cadence_months == 12
    assert [(lv.value, lv.label, lv.rag) for lv in s11.rating_scale.levels] == [
        (1, "Inadequate", "red"),
        (2, "Requires improvement", "amber"),
        (3, "Good", "green"),
        (4, "Outstanding", "green"),
    ]
    assert (s11.risk_threshold, s11.highest_risk, s11.rollup) == (2, 1, "lowest")
    assert s11.is_risk(2) and not s11.is_risk(3)
    assert s11.proposes_call_in(1) and not s11.proposes_call_in(2)


def test_nl_activities(nl: FrameworkProfile) -> None:
    ids = {a.id for a in nl.activities}
    assert {
        "section-11",
        "agency-call-in",
        "agency-specific-assurance-event",
        "thematic-assurance-event",
        "line-of-sight",
        "pop-up-case-discussion",
        "young-inspectors",
        "peer-review",
        "maag-multi-agency-audit",
        "splig-action-plan",
    } <= ids

    event = nl.activity("agency-specific-assurance-event")
    assert event.cadence == Cadence(count=1, per_months=24, per_agency=True)
    assert [(m.id, m.days_before_event) for m in event.preparation] == [
        ("s11-pack-distributed", 42),
        ("s11-pack-returned", 21),
    ]
    assert set(event.endorsed_by) == {p.id for p in nl.statutory_partners}
    assert event.subject_partner_recused

    assert nl.activity("thematic-assurance-event").cadence == Cadence(count=3, per_months=24)
    los = nl.activity("line-of-sight")
    assert los.cadence == Cadence(count=3, per_months=12)
    assert los.cases_per_event == 5
    assert nl.activity("section-11").cadence == Cadence(count=1, per_months=12)
    assert nl.activity("maag-multi-agency-audit").cadence == Cadence(count=1, per_months=1)
    assert nl.activity("maag-multi-agency-audit").reports_to == "practice-lead-officers-group"
    peer = nl.activity("peer-review")
    assert peer.cadence == Cadence(count=1, per_months=12)
    assert "reciprocal" in peer.condition
    assert nl.activity("pop-up-case-discussion").cadence.as_required
    assert "star rating" in nl.activity("young-inspectors").outcome
    assert nl.activity("splig-action-plan").reports_to == "childrens-mars-board"
    for activity in nl.activities:
        assert activity.lead_role
        assert activity.reports_to in {g.id for g in nl.groups}


def test_nl_planner_is_appendix_1(nl: FrameworkProfile) -> None:
    assert [(e.month, e.activity) for e in nl.planner] == [
        ("2019-01", "section-11"),
        ("2019-02", "thematic-assurance-event"),
        ("2019-03", "agency-specific-assurance-event"),
        ("2019-04", "agency-specific-assurance-event"),
        ("2019-05", "line-of-sight"),
        ("2019-06", "thematic-assurance-event"),
        ("2019-07", "thematic-assurance-event"),
        ("2019-08", "agency-specific-assurance-event"),
        ("2019-10", "line-of-sight"),
        ("2020-01", "section-11"),
        ("2020-02", "line-of-sight"),
        ("2020-03", "agency-specific-assurance-event"),
        ("2020-04", "thematic-assurance-event"),
        ("2020-05", "agency-specific-assurance-event"),
        ("2020-06", "line-of-sight"),
        ("2020-07", "agency-specific-assurance-event"),
        ("2020-08", "agency-specific-assurance-event"),
        ("2020-10", "line-of-sight"),
    ]
    assert nl.planner[9].note == "Section 11 revised"
    assert "indicative" in nl.planner_note


def test_nl_reviews_actions_and_scrutiny(nl: FrameworkProfile) -> None:
    r = nl.reviews
    assert r.serious_incident_notification_working_days == 5
    assert (r.rapid_review_days, r.rapid_review_unit) == (15, "working_days")
    assert r.cspr_months == 6
    assert nl.actions.signed_off_by == "childrens-mars-board"
    assert nl.actions.monitored_by == "splig"
    iso = nl.independent_scrutiny
    assert iso.title == "Independent Scrutiny Officer"
    assert iso.pool
    assert len(iso.duties) >= 10
    assert any("annual report" in d for d in iso.duties)
    assert "line-of-sight" in iso.contributes_to


def test_profile_is_frozen(nl: FrameworkProfile) -> None:
    with pytest.raises(ValidationError):
        nl.id = "elsewhere"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        nl.section11.domains[0].name = "x"  # type: ignore[misc]


def test_profile_round_trips_through_json(nl: FrameworkProfile) -> None:
    again = FrameworkProfile.model_validate_json(nl.model_dump_json())
    assert again == nl


# ---------------------------------------------------------------------------
# broken profiles: each names the file and the field
# ---------------------------------------------------------------------------


def test_standard_pointing_at_missing_domain(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["section11"]["standards"][3]["domain"] = "astrology"
    path = write_yaml(tmp_path, nl_data)
    err = load_error(path)
    message = str(err)
    assert str(path) in message
    assert "section11.standards[3].domain" in message
    assert "unknown domain 'astrology'" in message
    # the reported line is the line of that `domain:` key
    line = int(re.search(r", line (\d+):", message).group(1))  # type: ignore[union-attr]
    assert "domain: astrology" in path.read_text().splitlines()[line - 1]


def test_rating_off_scale(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["section11"]["risk_threshold"] = 7
    nl_data["section11"]["highest_risk"] = 0
    err = load_error(write_yaml(tmp_path, nl_data))
    lines = str(err).splitlines()
    assert len(lines) == 2  # one line per problem
    assert all(line.startswith(str(tmp_path / "broken.yaml")) for line in lines)
    assert "section11.risk_threshold: 7 is not a value on the rating scale" in lines[0]
    assert "section11.highest_risk: 0 is not a value on the rating scale" in lines[1]
    assert [p.field for p in err.problems] == ["section11.risk_threshold", "section11.highest_risk"]


def test_highest_risk_above_threshold(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["section11"]["highest_risk"] = 3
    err = load_error(write_yaml(tmp_path, nl_data))
    assert "section11.highest_risk: highest_risk (3) must be at or below" in str(err)


def test_bad_slug(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["agencies"][2]["id"] = "Youth Offending"
    path = write_yaml(tmp_path, nl_data)
    message = str(load_error(path))
    assert str(path) in message
    assert "agencies[2].id" in message
    assert "pattern" in message and "'Youth Offending'" in message


def test_unknown_field(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["groups"][0]["colour"] = "blue"
    nl_data["section11"]["cadence_years"] = 1
    path = write_yaml(tmp_path, nl_data)
    err = load_error(path)
    assert {p.field for p in err.problems} == {"groups[0].colour", "section11.cadence_years"}
    for line in str(err).splitlines():
        assert line.startswith(f"{path}, line ")
        assert "unknown field" in line


def test_missing_field(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    del nl_data["activities"][1]["reports_to"]
    message = str(load_error(write_yaml(tmp_path, nl_data)))
    assert "activities[1].reports_to: required field is missing" in message


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nname: y\ngroups:\n  - id: a\n   name: b\n", encoding="utf-8")
    err = load_error(path)
    message = str(err)
    assert message.startswith(f"{path}, line ")
    assert "malformed YAML" in message
    assert err.problems[0].line == 5


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("id: x\nname: y\nid: z\n", encoding="utf-8")
    err = load_error(path)
    assert str(err) == f"{path}, line 3: id: duplicate key 'id'"


def test_cross_references(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["planner"][0]["activity"] = "quarterly-bake-off"
    nl_data["activities"][2]["reports_to"] = "nobody"
    nl_data["agencies"][5]["statutory_partner"] = "mi5"
    nl_data["actions"]["signed_off_by"] = "nobody"
    nl_data["agencies"][4]["id"] = nl_data["agencies"][3]["id"]
    err = load_error(write_yaml(tmp_path, nl_data))
    fields = {p.field: p.message for p in err.problems}
    assert "unknown activity 'quarterly-bake-off'" in fields["planner[0].activity"]
    assert "unknown group 'nobody'" in fields["activities[2].reports_to"]
    assert "unknown statutory partner 'mi5'" in fields["agencies[5].statutory_partner"]
    assert "unknown group 'nobody'" in fields["actions.signed_off_by"]
    assert "duplicate id" in fields["agencies[4].id"]
    assert len(str(err).splitlines()) == len(err.problems) == 5


def test_two_partners_with_the_same_role(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["statutory_partners"][2]["role"] = "icb"
    err = load_error(write_yaml(tmp_path, nl_data))
    assert "statutory_partners[2].role: duplicate role 'icb'" in str(err)


def test_not_three_partners(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["statutory_partners"].pop()
    err = load_error(write_yaml(tmp_path, nl_data))
    assert "statutory_partners:" in str(err)


def test_wrong_literal(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["section11"]["rollup"] = "average"
    nl_data["reviews"]["rapid_review_unit"] = "fortnights"
    err = load_error(write_yaml(tmp_path, nl_data))
    assert {p.field for p in err.problems} == {"section11.rollup", "reviews.rapid_review_unit"}


def test_bad_planner_month(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["planner"][1]["month"] = "2019-13"
    err = load_error(write_yaml(tmp_path, nl_data))
    assert "planner[1].month" in str(err)


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert "must be a mapping" in str(load_error(path))


def test_missing_file_and_unsupported_suffix(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert str(load_error(missing)) == f"{missing}: profile file not found"
    other = tmp_path / "profile.json"
    other.write_text("{}", encoding="utf-8")
    assert "unsupported profile format" in str(load_error(other))


# ---------------------------------------------------------------------------
# schema rules checked directly
# ---------------------------------------------------------------------------


def test_rating_scale_must_run_worst_to_best() -> None:
    with pytest.raises(ValidationError, match=r"levels\[1\]\.value"):
        RatingScale.model_validate(
            {
                "levels": [
                    {"value": 3, "label": "Good", "rag": "green"},
                    {"value": 1, "label": "Bad", "rag": "red"},
                ]
            }
        )
    with pytest.raises(ValidationError, match="duplicate value"):
        RatingScale.model_validate(
            {
                "levels": [
                    {"value": 1, "label": "A", "rag": "red"},
                    {"value": 1, "label": "B", "rag": "green"},
                ]
            }
        )


def test_cadence_rules() -> None:
    with pytest.raises(ValidationError, match="as_required"):
        Cadence(count=0, per_months=12)
    assert Cadence(count=0, per_months=12, as_required=True).as_required
    with pytest.raises(ValidationError):
        Cadence(count=1, per_months=0)


# ---------------------------------------------------------------------------
# TOML
# ---------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(
            f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None
        )
        return "{" + items + "}"
    raise TypeError(type(value))


def _to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in data.items() if v is not None)


def test_toml_profile_loads_like_yaml(
    tmp_path: Path, nl: FrameworkProfile, nl_data: dict[str, Any]
) -> None:
    path = tmp_path / "north-lincolnshire.toml"
    path.write_text(_to_toml(nl_data), encoding="utf-8")
    assert load_profile(path) == nl


def test_toml_errors_name_file_and_field(tmp_path: Path, nl_data: dict[str, Any]) -> None:
    nl_data["section11"]["standards"][0]["domain"] = "nowhere"
    path = tmp_path / "broken.toml"
    path.write_text(_to_toml(nl_data), encoding="utf-8")
    message = str(load_error(path))
    assert message.startswith(f"{path}: section11.standards[0].domain: unknown domain 'nowhere'")

    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nname = \n', encoding="utf-8")
    message = str(load_error(bad))
    assert message.startswith(f"{bad}: malformed TOML")
    assert "line 2" in message


def test_parse_profile_from_text(nl: FrameworkProfile) -> None:
    assert parse_profile(NL_PATH.read_text(encoding="utf-8"), source=NL_PATH) == nl


def test_highest_risk_needs_a_call_in_activity(tmp_path: Path) -> None:
    # A call-in proposed where the framework has no call-in activity would be refused by the events service.
    kent = yaml.safe_load(builtin_profiles()["kent"].read_text(encoding="utf-8"))
    kent["section11"]["highest_risk"] = 1
    err = load_error(write_yaml(tmp_path, kent))
    assert "section11.highest_risk: a call-in is proposed at or below 1, but the profile has no activity of kind call_in" in str(err)
    del kent["section11"]["highest_risk"]
    assert load_profile(write_yaml(tmp_path, kent, "kent.yaml")).section11.highest_risk is None


def test_each_review_type_is_the_work_of_one_activity(tmp_path: Path) -> None:
    kent = load_builtin("kent")
    assert kent.review_activity("cspr") == "child-safeguarding-practice-reviews"
    assert kent.review_activity("thematic-review") is None
    north_lincolnshire = load_builtin("north-lincolnshire")
    assert north_lincolnshire.review_activity("learning-review") == "local-learning-review"
    assert north_lincolnshire.review_activity("cspr") is None  # its local learning review is for cases that are not
    data = yaml.safe_load(builtin_profiles()["kent"].read_text(encoding="utf-8"))
    reviews = {a["id"]: a for a in data["activities"]}
    reviews["single-agency-incident-reviews"]["review_types"] = ["cspr"]
    reviews["partnership-risk-register"]["review_types"] = ["learning-review"]
    message = str(load_error(write_yaml(tmp_path, data)))
    assert "review_types: the cspr reviews are already the work of activity 'single-agency-incident-reviews'" in message
    assert "review_types: only a learning_review activity has review types" in message
    del reviews["single-agency-incident-reviews"]["review_types"], reviews["partnership-risk-register"]["review_types"]
    del reviews["child-safeguarding-practice-reviews"]["review_types"]
    message = str(load_error(write_yaml(tmp_path, data)))
    assert "two learning_review activities without review_types" in message
