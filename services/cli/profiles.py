"""``scrutiny profiles``: list the built-in framework profiles and check a profile file.

``scrutiny profiles list`` shows each built-in profile's id, name, source and
how many agencies and activities it has. ``scrutiny profiles check FILE...``
validates profile files: exit 0 with a summary of each when all are valid,
exit 1 with one line per problem (file, line, field, message) otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shared.profiles import FrameworkProfile, ProfileError, builtin_profiles, load_profile

app = typer.Typer(
    help="Framework profiles: a partnership's scrutiny and assurance framework as configuration.",
    no_args_is_help=True,
)


def summary(profile: FrameworkProfile) -> dict[str, object]:
    """The counts that describe a profile at a glance."""
    s11 = profile.section11
    reporting = profile.reporting
    return {
        "id": profile.id,
        "name": profile.name,
        "source": profile.source,
        "groups": len(profile.groups),
        "agencies": len(profile.agencies),
        "domains": len(s11.domains),
        "standards": len(s11.standards),
        "section11_cadence_months": s11.cadence_months,
        "activities": len(profile.activities),
        "planner_entries": len(profile.planner),
        "tiers": len(reporting.tiers),
        "indicators": sum(len(t.indicators) for t in reporting.tiers),
        "rolling_reports": len(reporting.rolling_reports),
        "templates": len(reporting.templates),
        "evidence_elements": len(reporting.evidence_elements),
        "scrutineer": profile.independent_scrutiny.title,
        "scrutineer_duties": len(profile.independent_scrutiny.duties),
    }


def _describe(path: Path, s: dict[str, object]) -> list[str]:
    return [
        f"{path}: valid profile {s['id']!r} ({s['name']})",
        f"  {s['groups']} groups, {s['agencies']} agencies, {s['activities']} activities,"
        f" {s['planner_entries']} planner entries",
        f"  Section 11: {s['domains']} domains, {s['standards']} standards,"
        f" every {s['section11_cadence_months']} months",
        f"  reporting: {s['tiers']} tiers, {s['indicators']} indicators,"
        f" {s['rolling_reports']} rolling reports, {s['templates']} templates,"
        f" {s['evidence_elements']} evidence elements",
        f"  independent scrutiny: {s['scrutineer']} ({s['scrutineer_duties']} duties)",
    ]


@app.command("list")
def list_profiles(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list instead of a table")
    ] = False,
) -> None:
    """List the built-in profiles: id, name, source, and counts of agencies and activities."""
    rows: list[dict[str, object]] = []
    broken: list[str] = []
    for profile_id, path in builtin_profiles().items():
        try:
            rows.append(summary(load_profile(path)))
        except ProfileError as exc:
            broken.append(f"{profile_id}: invalid built-in profile\n{exc}")
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        width = max((len(str(r["id"])) for r in rows), default=2)
        typer.echo(f"{'id':<{width}}  agencies  activities  name")
        for r in rows:
            typer.echo(
                f"{r['id']!s:<{width}}  {r['agencies']:>8}  {r['activities']:>10}  {r['name']}"
            )
            typer.echo(f"{'':<{width}}  source: {r['source']}")
    for message in broken:
        typer.echo(message, err=True)
    if broken:
        raise typer.Exit(1)


@app.command()
def check(
    files: Annotated[
        list[Path], typer.Argument(help="Profile files (.yaml, .yml or .toml)", show_default=False)
    ],
) -> None:
    """Validate profile files: a summary of each when valid, one line per problem when not."""
    failed = False
    for path in files:
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            failed = True
            for problem in exc.problems:
                typer.echo(problem.render(path), err=True)
            continue
        for line in _describe(path, summary(profile)):
            typer.echo(line)
    if failed:
        raise typer.Exit(1)
