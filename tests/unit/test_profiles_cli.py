"""``scrutiny profiles list`` and ``scrutiny profiles check`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from services.cli.profiles import app
from shared.profiles import builtin_profiles, load_builtin

runner = CliRunner()


def test_list_shows_every_builtin_with_counts() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "agencies", "activities", "name"]
    for profile_id in builtin_profiles():
        profile = load_builtin(profile_id)
        (row,) = [line for line in lines if line.startswith(profile_id + " ")]
        assert row.split()[:3] == [
            profile_id,
            str(len(profile.agencies)),
            str(len(profile.activities)),
        ]
        assert row.endswith(profile.name)
        assert f"source: {profile.source}" in result.output


def test_list_as_json() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert set(rows) == set(builtin_profiles())
    assert rows["somerset"]["section11_cadence_months"] == 24
    assert rows["kent"]["tiers"] == 3
    assert rows["kent"]["indicators"] == 13
    assert rows["calderdale"]["templates"] == 1


def test_check_a_valid_file() -> None:
    path = builtin_profiles()["kent"]
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{path}: valid profile 'kent'")
    assert "3 tiers, 13 indicators" in result.output
    assert "every 12 months" in result.output


def test_check_a_broken_file_names_file_line_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(builtin_profiles()["calderdale"].read_text(encoding="utf-8"))
    data["reporting"]["rolling_reports"][0]["received_by"] = ["nobody"]
    data["activities"][1]["reports_to"] = "nowhere"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    problems = result.stderr.splitlines()
    assert len(problems) == 2
    for line in problems:
        assert line.startswith(f"{path}, line ")
    assert any("activities[1].reports_to: unknown group 'nowhere'" in p for p in problems)
    assert any(
        "reporting.rolling_reports[0].received_by[0]: unknown group 'nobody'" in p for p in problems
    )
    assert "valid profile" not in result.stdout


def test_check_several_files_fails_if_any_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: y\n  z: 1\n", encoding="utf-8")
    missing = tmp_path / "missing.toml"
    good = builtin_profiles()["somerset"]
    result = runner.invoke(app, ["check", str(good), str(bad), str(missing)])
    assert result.exit_code == 1
    assert f"{good}: valid profile 'somerset'" in result.stdout
    assert f"{bad}, line 3: malformed YAML" in result.stderr
    assert f"{missing}: profile file not found" in result.stderr


def test_check_needs_a_file() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code != 0


def test_registered_on_the_scrutiny_command() -> None:
    from services.cli.main import app as scrutiny

    result = runner.invoke(scrutiny, ["profiles", "list"])
    assert result.exit_code == 0, result.output
    assert "north-lincolnshire" in result.output
