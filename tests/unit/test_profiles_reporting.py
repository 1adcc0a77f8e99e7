"""The ``reporting:`` section of a profile: optional with defaults, and refused
with file, line, field and message when it is broken."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from shared.profiles import ProfileError, builtin_profiles, load_builtin, load_profile
from shared.profiles.reporting import Reporting, RollingReport, TierTool


def _data(profile_id: str) -> dict[str, Any]:
    path = builtin_profiles()[profile_id]
    return copy.deepcopy(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.fixture()
def kent() -> dict[str, Any]:
    return _data("kent")


@pytest.fixture()
def calderdale() -> dict[str, Any]:
    return _data("calderdale")


def write(tmp_path: Path, data: dict[str, Any], name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def refused(path: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return info.value


def line_of(path: Path, error: ProfileError, field: str) -> str:
    """The text of the line the error reports for ``field``."""
    (problem,) = [p for p in error.problems if p.field == field]
    assert problem.line is not None
    return path.read_text(encoding="utf-8").splitlines()[problem.line - 1]


# ---------------------------------------------------------------------------
# defaults
# ---------------------------------------------------------------------------


def test_a_profile_without_reporting_loads_with_empty_defaults(
    tmp_path: Path, kent: dict[str, Any]
) -> None:
    del kent["reporting"]
    profile = load_profile(write(tmp_path, kent, "kent.yaml"))
    assert profile.reporting == Reporting()
    assert profile.reporting.tiers == [] and profile.reporting.yearly_report is None


def test_reporting_round_trips_through_json() -> None:
    from shared.profiles import FrameworkProfile

    for profile_id in ("kent", "calderdale", "somerset", "hertfordshire"):
        profile = load_builtin(profile_id)
        assert FrameworkProfile.model_validate_json(profile.model_dump_json()) == profile


# ---------------------------------------------------------------------------
# references to the rest of the profile
# ---------------------------------------------------------------------------


def test_unknown_receiving_group(tmp_path: Path, calderdale: dict[str, Any]) -> None:
    calderdale["reporting"]["rolling_reports"][3]["received_by"] = ["cscp-executive", "the-board"]
    path = write(tmp_path, calderdale)
    error = refused(path)
    field = "reporting.rolling_reports[3].received_by[1]"
    message = str(error)
    assert message.startswith(f"{path}, line ")
    assert f"{field}: unknown group 'the-board' (known: " in message
    assert "cscp-executive" in message  # the known groups are listed
    assert "the-board" in line_of(path, error, field)


def test_unknown_group_of_a_tier_tool(tmp_path: Path, kent: dict[str, Any]) -> None:
    kent["reporting"]["tiers"][1]["tools"][0]["reported_to"][2] = "lsps"
    error = refused(write(tmp_path, kent))
    assert [p.field for p in error.problems] == ["reporting.tiers[1].tools[0].reported_to[2]"]
    assert "unknown group 'lsps'" in error.problems[0].message


def test_unknown_activity_agency_and_single_references(
    tmp_path: Path, calderdale: dict[str, Any]
) -> None:
    reporting = calderdale["reporting"]
    reporting["rolling_reports"][0]["agency"] = "nowhere-council"
    reporting["rolling_reports"][1]["activity"] = "bake-off"
    reporting["templates"][0]["used_by"] = ["thematic-assurance", "bake-off"]
    reporting["early_warnings"][0]["raised_to"] = "nobody"
    error = refused(write(tmp_path, calderdale))
    fields = {p.field: p.message for p in error.problems}
    assert "unknown agency 'nowhere-council'" in fields["reporting.rolling_reports[0].agency"]
    assert "unknown activity 'bake-off'" in fields["reporting.rolling_reports[1].activity"]
    assert "unknown activity 'bake-off'" in fields["reporting.templates[0].used_by[1]"]
    assert "unknown group 'nobody'" in fields["reporting.early_warnings[0].raised_to"]
    assert len(str(error).splitlines()) == len(error.problems) == 4


def test_yearly_report_groups(tmp_path: Path, kent: dict[str, Any]) -> None:
    kent["reporting"]["yearly_reports"][1]["signed_off_by"] = ["the-mayor"]
    kent["reporting"]["yearly_reports"][1]["scrutineer_comments_to"] = "the-press"
    error = refused(write(tmp_path, kent))
    assert {p.field for p in error.problems} == {
        "reporting.yearly_reports[1].signed_off_by[0]",
        "reporting.yearly_reports[1].scrutineer_comments_to",
    }
    kent["reporting"]["yearly_reports"][0]["id"] = kent["reporting"]["yearly_reports"][1]["id"]
    assert "reporting.yearly_reports[1].id" in {p.field for p in refused(write(tmp_path, kent)).problems}


def test_a_profile_naming_one_yearly_report_the_first_way_still_loads(tmp_path: Path, kent: dict[str, Any]) -> None:
    # `yearly_report: {...}`, as profiles were written when a profile could name only one.
    first = kent["reporting"].pop("yearly_reports")[0]
    del first["id"]
    kent["reporting"]["yearly_report"] = first
    reporting = load_profile(write(tmp_path, kent)).reporting
    assert [r.id for r in reporting.yearly_reports] == ["kscmp-annual-report"]  # named by its activity
    assert reporting.yearly_report is reporting.yearly("") is reporting.yearly(None) is reporting.yearly_reports[0]
    assert reporting.yearly("nope") is None


# ---------------------------------------------------------------------------
# references inside the section
# ---------------------------------------------------------------------------


def test_duplicate_tier_id(tmp_path: Path, kent: dict[str, Any]) -> None:
    kent["reporting"]["tiers"][2]["id"] = "strategic"
    path = write(tmp_path, kent)
    error = refused(path)
    assert [p.field for p in error.problems] == ["reporting.tiers[2].id"]
    assert error.problems[0].message == "duplicate id 'strategic'"
    assert "id: strategic" in line_of(path, error, "reporting.tiers[2].id")


def test_duplicate_tier_level(tmp_path: Path, kent: dict[str, Any]) -> None:
    kent["reporting"]["tiers"][2]["level"] = 2
    error = refused(write(tmp_path, kent))
    assert "reporting.tiers[2].level: duplicate level 2" in str(error)


def test_tool_and_indicator_ids_are_unique_across_tiers(
    tmp_path: Path, kent: dict[str, Any]
) -> None:
    tiers = kent["reporting"]["tiers"]
    tiers[2]["tools"][0]["id"] = "multi-agency-audits"  # a Tier Two tool's id
    tiers[0]["indicators"][1]["id"] = tiers[0]["indicators"][0]["id"]
    error = refused(write(tmp_path, kent))
    fields = {p.field: p.message for p in error.problems}
    assert "also in tiers[1] (strategic)" in fields["reporting.tiers[2].tools[0].id"]
    assert (
        fields["reporting.tiers[0].indicators[1].id"] == "duplicate id 'data-dashboard-developed'"
    )


def test_unknown_objective_and_tool(tmp_path: Path, kent: dict[str, Any]) -> None:
    tiers = kent["reporting"]["tiers"]
    tiers[1]["indicators"][0]["objectives"] = ["children-are-protected", "world-peace"]
    tiers[0]["tools"][0]["feeds"] = ["dashboard"]
    error = refused(write(tmp_path, kent))
    fields = {p.field: p.message for p in error.problems}
    assert (
        "unknown objective 'world-peace'"
        in fields["reporting.tiers[1].indicators[0].objectives[1]"]
    )
    assert "unknown tool 'dashboard'" in fields["reporting.tiers[0].tools[0].feeds[0]"]


def test_a_tool_must_go_somewhere(tmp_path: Path, kent: dict[str, Any]) -> None:
    tool = kent["reporting"]["tiers"][0]["tools"][0]
    del tool["feeds"]
    error = refused(write(tmp_path, kent))
    assert "reporting.tiers[0].tools[0].reported_to: a tool must be reported to a group" in str(
        error
    )


def test_unknown_evidence_element(tmp_path: Path, calderdale: dict[str, Any]) -> None:
    reporting = calderdale["reporting"]
    reporting["evidence_types"][5]["element"] = "gut-feeling"
    reporting["templates"][0]["sections"][1]["evidence"] = ["gut-feeling"]
    reporting["evidence_elements"][2]["triangulates"] = ["service-users"]
    error = refused(write(tmp_path, calderdale))
    fields = {p.field: p.message for p in error.problems}
    assert "unknown evidence element 'gut-feeling'" in fields["reporting.evidence_types[5].element"]
    assert "unknown evidence element" in fields["reporting.templates[0].sections[1].evidence[0]"]
    assert fields["reporting.evidence_elements[2].triangulates[0]"] == (
        "an element cannot refer to itself"
    )


def test_duplicate_template_section(tmp_path: Path, calderdale: dict[str, Any]) -> None:
    sections = calderdale["reporting"]["templates"][0]["sections"]
    sections[6]["id"] = sections[5]["id"]
    error = refused(write(tmp_path, calderdale))
    assert [p.field for p in error.problems] == ["reporting.templates[0].sections[6].id"]


def test_template_needs_a_section(tmp_path: Path, calderdale: dict[str, Any]) -> None:
    calderdale["reporting"]["templates"][0]["sections"] = []
    error = refused(write(tmp_path, calderdale))
    assert error.problems[0].field == "reporting.templates[0].sections"


def test_unknown_key_in_reporting(tmp_path: Path, kent: dict[str, Any]) -> None:
    kent["reporting"]["tiers"][0]["colour"] = "red"
    error = refused(write(tmp_path, kent))
    assert str(error).endswith(
        "reporting.tiers[0].colour: unknown field (not part of the profile schema)"
    )


# ---------------------------------------------------------------------------
# rolling report rules
# ---------------------------------------------------------------------------


def _report(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "dashboard",
        "name": "Data dashboard",
        "received_by": ["qa"],
        "cadence": {"count": 1, "per_months": 3},
    }
    return {**base, **changes}


def test_due_months_agree_with_the_cadence() -> None:
    assert RollingReport.model_validate(_report(due_months=[1, 4, 7, 10])).due_months == [
        1,
        4,
        7,
        10,
    ]
    assert RollingReport.model_validate(_report()).due_months == []
    with pytest.raises(ValidationError, match="2 month\\(s\\) listed but the cadence"):
        RollingReport.model_validate(_report(due_months=[1, 7]))
    with pytest.raises(ValidationError, match="month 4 is listed twice"):
        RollingReport.model_validate(_report(due_months=[1, 4, 4, 10]))
    with pytest.raises(ValidationError):
        RollingReport.model_validate(_report(due_months=[0, 3, 6, 9]))
    # a report every two years, or on demand, may name any month
    biennial = _report(cadence={"count": 1, "per_months": 24}, due_months=[10])
    assert RollingReport.model_validate(biennial).due_months == [10]


def test_due_months_mismatch_in_a_file(tmp_path: Path, calderdale: dict[str, Any]) -> None:
    calderdale["reporting"]["rolling_reports"][0]["due_months"] = [3, 9]
    path = write(tmp_path, calderdale)
    error = refused(path)
    assert re.search(
        r", line \d+: reporting\.rolling_reports\[0\]\.due_months: 2 month\(s\) listed", str(error)
    )


def test_receiving_group_required() -> None:
    with pytest.raises(ValidationError, match="received_by"):
        RollingReport.model_validate(_report(received_by=[]))
    with pytest.raises(ValidationError, match="a tool must be reported"):
        TierTool.model_validate({"id": "t", "name": "T"})


def test_the_scales_default_to_the_platform_s_and_a_profile_may_set_its_own(tmp_path: Path, kent: dict[str, Any]) -> None:
    reporting = load_builtin("kent").reporting
    assert [(level.id, level.name) for level in reporting.assurance_levels] == [
        ("substantial", "Substantial assurance"),
        ("moderate", "Moderate assurance"),
        ("limited", "Limited assurance"),
        ("unsatisfactory", "Unsatisfactory"),
    ]
    matrix = reporting.risk_matrix
    assert (matrix.likelihood, matrix.impact, [b.name for b in matrix.bands]) == (5, 5, ["Low", "Moderate", "High", "Extreme"])
    assert [matrix.band(s).name for s in (3, 4, 6, 8, 12, 15, 25)] == ["Low", "Moderate", "Moderate", "High", "High", "Extreme", "Extreme"]
    kent["reporting"]["assurance_levels"] = [{"id": "good", "name": "Good"}, {"id": "good", "name": "Poor"}]
    kent["reporting"]["risk_matrix"] = {"likelihood": 3, "impact": 3, "bands": [
        {"name": "Low", "from_score": 2, "colour": "green"}, {"name": "High", "from_score": 12, "colour": "red"},
    ]}
    fields = {p.field for p in refused(write(tmp_path, kent)).problems}
    assert {"reporting.risk_matrix.bands[0].from_score", "reporting.risk_matrix.bands[1].from_score"} <= fields
    kent["reporting"]["risk_matrix"]["bands"] = [{"name": "Low", "from_score": 1, "colour": "green"}]
    assert "reporting.assurance_levels[1].id" in {p.field for p in refused(write(tmp_path, kent)).problems}
