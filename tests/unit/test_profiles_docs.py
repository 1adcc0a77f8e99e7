"""docs/profiles-reference.md is generated from the schema and never drifts."""

from __future__ import annotations

from pathlib import Path

from shared.profiles.reference import attribute_docs, main, models, render
from shared.profiles.reporting import Reporting, Tier
from shared.profiles.schema import FrameworkProfile

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "profiles-reference.md"
REGENERATE = ".venv/bin/python -m shared.profiles.reference > docs/profiles-reference.md"


def test_committed_reference_is_what_the_schema_generates() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(), (
        f"docs/profiles-reference.md is out of date; regenerate it: {REGENERATE}"
    )


def test_every_model_and_field_is_in_the_reference() -> None:
    text = render()
    for model in models():
        assert f'<a id="{model.__name__.lower()}"></a>' in text
        for name in model.model_fields:
            assert f"| `{name}` |" in text
    assert Reporting in models() and Tier in models()
    assert models()[0] is FrameworkProfile


def test_every_field_has_a_meaning() -> None:
    """Document a new field with a docstring under it in the schema module."""
    text = render()
    missing: list[str] = []
    for model in models():
        section = text.split(f'<a id="{model.__name__.lower()}"></a>')[1].split("<a id=")[0]
        for line in section.splitlines():
            if line.startswith("| `") and line.endswith("|  |"):
                missing.append(f"{model.__name__}.{line.split('`')[1]}")
    assert not missing, f"fields without a meaning: {missing}"


def test_attribute_docstrings_are_read() -> None:
    docs = attribute_docs(Tier)
    assert docs["level"].startswith("1 for the first line")
    assert "Cross-checked" not in docs.get("id", "")


def test_check_mode(tmp_path: Path, capsys) -> None:
    assert main(["--check", str(REFERENCE)]) == 0
    stale = tmp_path / "stale.md"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_profiles_guide_links_the_reference() -> None:
    guide = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
    assert "profiles-reference.md" in guide
    assert "python -m shared.profiles.reference" in guide
