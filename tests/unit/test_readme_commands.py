"""The README's table of `scrutiny` commands names every command the CLI has, and every
sub-command of each group (issue 20: README and CLI agree)."""

from pathlib import Path

import typer.main

from services.cli.main import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_command_and_sub_command_is_in_the_readme() -> None:
    cli = typer.main.get_command(app)
    table = README[README.index("## The `scrutiny` command"):README.index("## Tests")]
    missing = []
    for name, command in cli.commands.items():  # type: ignore[attr-defined]
        if f"`scrutiny {name}" not in table:
            missing.append(name)
        for sub in getattr(command, "commands", {}):
            row = next((line for line in table.splitlines() if f"`scrutiny {name} " in line), "")
            if sub not in row:
                missing.append(f"{name} {sub}")
    assert missing == []
