"""`scrutiny verify BUNDLE`: exit 0 when the bundle is intact, 1 naming what breaks it."""

from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app
from tests.support.bundles import EVENTS, REPORT, build_chain, flip_byte, write_bundle

ENV = {"COLUMNS": "200", "SCRUTINY_DATABASE_URL": "postgresql://nobody@192.0.2.1:1/none"}  # never used



async def test_scrutiny_verify_bundle_exits_0_when_intact_and_1_naming_the_break(tmp_path: Path) -> None:
    events = await build_chain()
    root = write_bundle(tmp_path / "b", events, after=2)
    runner = CliRunner()
    intact = runner.invoke(app, ["verify", str(root)], env=ENV)
    assert intact.exit_code == 0, intact.output
    assert "files: 3 listed in the manifest, none missing or extra" in intact.output
    assert "section11: 8 events (positions 3..10), chain intact from its anchor after position 2" in intact.output
    assert "bundle intact" in intact.output

    flip_byte(root / EVENTS, b"Safeguarding lead")
    broken = runner.invoke(app, ["verify", str(root)], env=ENV)
    assert broken.exit_code == 1, broken.output
    assert f"{EVENTS}: its SHA-256" in broken.output
    assert f"{EVENTS} line 1: section11 position 3 (event {events[2].event_id})" in broken.output
    assert "section11: chain broken" in broken.output
    assert "bundle NOT intact" in broken.output


async def test_a_changed_report_fails_naming_the_report(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "b", await build_chain())
    flip_byte(root / REPORT, b"Heat map")
    result = CliRunner().invoke(app, ["verify", str(root)], env=ENV)
    assert result.exit_code == 1
    assert f"{REPORT}: its SHA-256" in result.output
    assert "section11: 10 events (positions 1..10), chain intact" in result.output


def test_a_path_that_is_no_bundle_fails(tmp_path: Path) -> None:
    (tmp_path / "not-a-bundle.zip").write_text("hello")
    result = CliRunner().invoke(app, ["verify", str(tmp_path / "not-a-bundle.zip")], env=ENV)
    assert result.exit_code == 1
    assert "neither a bundle directory nor a readable .zip" in result.output
