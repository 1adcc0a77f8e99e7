"""`scrutiny report tiered|thematic|yearly|risks`: a report written as HTML from the
reporting read models (live, or or as of a date, from the one as-of service the pages use: `AsOfSchemas`)."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from services.cli.common import database, settings_for
from services.reporting.adapters.as_of import AsOfSchemas
from services.reporting.adapters.read_models.reports import ReportReadModels
from services.reporting.adapters.report_pages import write_report
from shared import london
from shared.profiles.errors import ProfileError
from shared.profiles.schema import FrameworkProfile
from shared.runtime.host import load_partnerships

app = typer.Typer(
    help="Reports from the records: tiered assurance, thematic, yearly, the risk register (HTML)", no_args_is_help=True
)
console = Console(soft_wrap=True)

Profile = Annotated[str | None, typer.Option(help="Framework profile (built-in id or file); default the installation's first")]
Out = Annotated[Path | None, typer.Option(help="Folder to write into (default DATA_DIR/reports)")]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="From the records as of the end of this day (YYYY-MM-DD, London); read from that day's as-of records (built if need be)",
    ),
]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where embedded servers keep their data (default .scrutiny)")]

Build = Callable[[ReportReadModels, FrameworkProfile, datetime], Awaitable[Any]]


def _profile(name: str | None, settings: Any) -> FrameworkProfile:
    chosen = name or settings.profiles[0]
    try:
        return next(iter(load_partnerships([chosen]).values()))
    except (ProfileError, FileNotFoundError, KeyError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--profile") from None


def _moment(as_of: str | None) -> datetime | None:
    if as_of is None:
        return None
    try:
        return london.end_of_day(datetime.fromisoformat(as_of).date())
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


def _write(
    profile: str | None, out: Path | None, as_of: str | None, data_dir: Path | None, build: Build,
    check: Callable[[FrameworkProfile], None] = lambda framework: None,
) -> None:

    settings = settings_for(data_dir)
    framework = _profile(profile, settings)
    check(framework)
    until = _moment(as_of)

    async def run() -> Path:
        async with database(settings) as pool:
            if until is None:
                report = await build(ReportReadModels(pool), framework, settings.clock().now())
                return await asyncio.to_thread(write_report, report, out or settings.data_dir / "reports")
            async with AsOfSchemas(pool, settings.clock()).until(until, partnership=framework.id) as then:
                console.print(f"from {then.schema}, built from the {then.events} events recorded by {until:%d %B %Y %H:%M %Z}")
                report = await build(ReportReadModels(pool, then.schema), framework, until)
                return await asyncio.to_thread(write_report, report, out or settings.data_dir / "reports")

    console.print(f"[bold]Report:[/] {escape(str(asyncio.run(run())))}")


@app.command("tiered")
def tiered(profile: Profile = None, out: Out = None, as_of: AsOf = None, data_dir: DataDir = None) -> None:
    """The tiered assurance report: each tier's tools and where they are reported, each indicator's rating and evidence."""
    _write(profile, out, as_of, data_dir, lambda r, p, moment: r.tiered(p, moment))


@app.command("thematic")
def thematic(
    theme: Annotated[str, typer.Option(help="The theme (a profile theme's id or name, or the theme records carry)")],
    template: Annotated[str | None, typer.Option(help="Id of the profile's report template (default its thematic one)")] = None,
    profile: Profile = None,
    out: Out = None,
    as_of: AsOf = None,
    data_dir: DataDir = None,
) -> None:
    """The thematic report on a theme, in the sections of the profile's template, with the elements of evidence present and missing."""

    def check(framework: FrameworkProfile) -> None:
        if template and template not in {t.id for t in framework.reporting.templates}:
            known = ", ".join(t.id for t in framework.reporting.templates) or "none"
            raise typer.BadParameter(f"{template!r} is not a template of {framework.id} (known: {known})", param_hint="--template")

    _write(profile, out, as_of, data_dir, lambda r, p, moment: r.thematic(p, theme, moment, template), check)


@app.command("yearly")
def yearly(
    year: Annotated[int, typer.Option(help="The year the report's period starts in (2026 for 2026/27)", min=2000, max=2100)],
    profile: Profile = None,
    out: Out = None,
    as_of: AsOf = None,
    data_dir: DataDir = None,
    report: Annotated[str | None, typer.Option(help="Which of the profile's yearly reports (its id); default its first")] = None,
) -> None:
    """A yearly report of a year, and where it is in its sign-off."""

    def check(framework: FrameworkProfile) -> None:
        if report and framework.reporting.yearly(report) is None:
            known = ", ".join(y.id for y in framework.reporting.yearly_reports) or "none"
            raise typer.BadParameter(f"{report!r} is not a yearly report of {framework.id} (known: {known})", param_hint="--report")

    _write(profile, out, as_of, data_dir, lambda r, p, moment: r.yearly(p, year, moment, report), check)


@app.command("risks")
def risks(profile: Profile = None, out: Out = None, as_of: AsOf = None, data_dir: DataDir = None) -> None:
    """The partnership's risk register."""
    _write(profile, out, as_of, data_dir, lambda r, p, moment: r.risks(p, moment))
