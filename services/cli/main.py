"""The `scrutiny` command.

Over 300 lines: the top-level commands (up, demo, service, verify, replay, boardpack,
bench) and the registration of every sub-command group live here, so `scrutiny --help`
and this file list the same things; each group of sub-commands has its own module.
"""

import asyncio
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from services.cli.agency import app as agency_app
from services.cli.backup import backup, restore, streams_app
from services.cli.commands import app as commands_app
from services.cli.common import DataDir, database, settings_for
from services.cli.deadletters import app as deadletters_app
from services.cli.evidence import app as evidence_app
from services.cli.evidence import check_bundle, print_documents
from services.cli.people import app as people_app
from services.cli.profiles import app as profiles_app
from services.cli.reports import app as reports_app
from services.cli.security import app as security_app
from services.cli.witness import SecondPlace, jetstream
from services.platform import demo as demo_scenario
from services.platform.demo import people as demo_people
from services.platform.supervisor import Platform, serve_until_interrupted
from services.reporting.adapters.as_of import SETTLE, AsOfSchemas
from services.reporting.adapters.evidence import discover_stores
from services.reporting.adapters.pages import BoardPackFiles, write_board_pack
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.adapters.sources import projection_runner
from services.reporting.domain.views.board_pack_schedule import (
    UnknownGroup,
    default_group,
    group_of,
)
from services.runner import BOOTSTRAPS
from services.runner import main as run_service
from shared import london
from shared.documents.checks import check_documents
from shared.eventstore.verify import verify_store
from shared.messaging.subjects import Subjects
from shared.profiles.loader import ProfileError, load_builtin
from shared.runtime.private_files import use_private_umask

app = typer.Typer(help="scrutiny: the scrutiny and assurance platform of a safeguarding children partnership", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")
app.add_typer(agency_app, name="agency")
app.add_typer(deadletters_app, name="deadletters")
app.add_typer(evidence_app, name="evidence")
app.add_typer(reports_app, name="report")
app.add_typer(people_app, name="people")
app.add_typer(commands_app, name="commands")
app.add_typer(streams_app, name="streams")
app.command()(backup)
app.command()(restore)
app.add_typer(security_app)  # scrutiny erase, erasures, db roles
console = Console()

@app.command()
def up(data_dir: DataDir = None) -> None:
    """Run the platform: NATS and PostgreSQL (embedded unless SCRUTINY_NATS_URL /
    SCRUTINY_DATABASE_URL are set) and all four services, until Ctrl-C."""

    async def run() -> None:
        platform = await Platform(settings_for(data_dir)).start()
        try:
            console.print(f"[bold green]scrutiny is running[/]  NATS {platform.servers.public_nats_url}")
            console.print(f"Front door: {platform.front_door_url}", soft_wrap=True)
            option = _data_dir_option(data_dir)
            console.print(f"Sign in with a one-time link (15 minutes): scrutiny people sign-in-link --email EMAIL{option}", soft_wrap=True)
            console.print(
                f"No one can sign in yet? Invite the business unit: scrutiny people invite --email EMAIL --name NAME --role "
                f"business-unit{option}",
                soft_wrap=True,
            )
            console.print("Press Ctrl-C to stop.")
            await serve_until_interrupted(platform)
        finally:
            platform.stop()
            console.print("stopped")

    asyncio.run(run())


@app.command()
def demo(
    data_dir: DataDir = None,
    profile: Annotated[
        str, typer.Option(help="Framework profile whose year is played (see `scrutiny profiles list`)")
    ] = "north-lincolnshire",
    seed: Annotated[int, typer.Option(help="Seed of the invented year: the same seed plays the same year")] = 2026,
    until: Annotated[str | None, typer.Option(help="Last day of the year played, YYYY-MM-DD (default today)")] = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Keep the platform running for the dashboard")] = True,
) -> None:
    """Start the platform on the demo's clock, play a year of the partnership through NATS
    day by day as its business unit and agencies would (each fact recorded on its day of
    the year), hand the platform back to the wall clock, and write the board pack (HTML and PDF)."""
    try:
        framework = load_builtin(profile)
    except ProfileError as error:
        raise typer.BadParameter(str(error), param_hint="--profile") from None
    end = _date(until, "--until") if until else None
    clock = settings_for(data_dir).clock()
    if end is not None and end > demo_scenario.today(clock):
        raise typer.BadParameter(f"{until} is after today: the services refuse facts dated in the future", param_hint="--until")
    settings = settings_for(data_dir).model_copy(update={"profiles": [profile]})

    async def run() -> None:
        platform = await Platform(settings, demo_from=demo_scenario.year_starts(end or demo_scenario.today(clock))).start()
        try:
            console.print(f"[bold green]scrutiny is running[/] on the demo's clock (data in {platform.data_dir})")
            # The demo's people first, so that what the year asks of them reaches their inboxes.
            await demo_people.enrol(platform.servers.database_url_for("reporting"), framework, clock, None, links=False)
            console.print(f"Playing a year of {framework.name} (seed {seed}) through NATS, day by day on the platform's clock")
            columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("starting", total=len(demo_scenario.CHAPTERS))

                def chapter(index: int, name: str) -> None:
                    bar.update(task, completed=index, description=name)
                    bar.console.print(f"[bold]{name}[/]")

                try:
                    result = await demo_scenario.play(
                        platform.servers.nats_url,
                        platform.servers.database_url,
                        Subjects(settings.namespace),
                        framework,
                        clock,
                        platform.data_dir / "reports",
                        seed=seed,
                        until=end,
                        progress=lambda line: bar.console.print(f"  • {line}"),
                        chapter=chapter,
                    )
                except demo_scenario.DemoRefused as refused:
                    # Replaying a year stores nothing twice only when the same story plays it: a year
                    # an earlier release played (another story, other dates) cannot be played again.
                    console.print(f"[red]{escape(str(refused))}[/]", soft_wrap=True)
                    console.print(
                        "If this data directory holds a demo year an earlier release played, play into a fresh "
                        "--data-dir (or another --profile): its story is not this release's.", soft_wrap=True,
                    )
                    raise typer.Exit(1) from None
                bar.update(task, completed=len(demo_scenario.CHAPTERS))
            console.print(f"Played {result.until - timedelta(days=364):%d %B %Y} to {result.until:%d %B %Y}: {result.requests} requests")
            console.print("The platform is back on today's clock; the dashboard shows any past day of the year as it stood then")
            console.print(f"[bold]Board pack:[/] {result.board_pack}")
            console.print(f"[bold]Board pack PDF:[/] {result.board_pack_pdf}")
            if result.pdf_note:
                console.print(f"  [yellow]{result.pdf_note}[/]", soft_wrap=True)
            console.print(f"[bold]Front door:[/] {platform.front_door_url}", soft_wrap=True)
            people = await demo_people.enrol(
                platform.servers.database_url_for("reporting"), framework, clock, platform.front_door_url, links=serve
            )
            _print_demo_people(people, serve, data_dir)
            if serve:
                console.print("Press Ctrl-C to stop.")
                await serve_until_interrupted(platform)
        finally:
            platform.stop()

    asyncio.run(run())


def _data_dir_option(data_dir: Path | None) -> str:
    return f" --data-dir {data_dir}" if data_dir is not None else ""


def _print_demo_people(people: list[demo_people.DemoPerson], links: bool, data_dir: Path | None) -> None:
    """Each role's person, with a link to sign in as them now and the command for a fresh one."""
    if links:
        console.print(
            "[bold]Walk through each role:[/] each link signs in once, within 15 minutes (one role per browser or private window)"
        )
    else:
        console.print("[bold]The demo's people:[/] start the platform (scrutiny up), then sign in as one with its command")
    for person in people:
        console.print(f"  [bold]{escape(person.role)}[/]: {escape(person.name)} <{person.email}>", soft_wrap=True)
        if person.link:
            console.print(f"    {person.link}", soft_wrap=True, highlight=False)
        console.print(
            f"    fresh link: scrutiny people sign-in-link --email {person.email}{_data_dir_option(data_dir)}",
            soft_wrap=True, highlight=False,
        )


@app.command()
def service(name: Annotated[str, typer.Argument(help=f"One of {', '.join(BOOTSTRAPS)}")]) -> None:
    """Run one service in this process (URLs from SCRUTINY_NATS_URL / SCRUTINY_DATABASE_URL)."""
    import sys

    sys.argv = [sys.argv[0], name]
    run_service()


@app.command()
def verify(
    bundle: Annotated[
        Path | None, typer.Argument(help="An evidence bundle (directory or .zip) to check on its own, with no database")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Check the hash chain of every event store, against itself, its signed heads and JetStream's
    copies, and every stored document against its SHA-256, or an evidence bundle; name the event
    or the document that breaks it."""
    if bundle is not None:
        if not check_bundle(bundle):
            raise typer.Exit(1)
        return

    async def run() -> bool:
        intact = True
        settings = settings_for(data_dir)
        async with database(settings) as pool, pool.acquire() as conn, jetstream(settings) as (js, why_not):
            second = SecondPlace(console, settings, js, why_not)
            stores = await discover_stores(pool)  # every store, including ones added later
            for store in stores:
                # the chain against itself, then against its signed heads and JetStream's copies
                report = await verify_store(conn, store)
                intact = second.report(STORE_NAMES.get(store, store), report, await second.check(conn, store)) and intact
            # every stored document against its hash, every attached one against the store
            intact = print_documents(await check_documents(conn, stores)) and intact
            second.closing_note()
        return intact

    if not asyncio.run(run()):
        raise typer.Exit(1)


@app.command()
def replay(
    data_dir: DataDir = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Rebuild as of the end of this past day (YYYY-MM-DD, London) into that day's schema reporting_asof_dYYYYMMDD, "
                 "the one the dashboard's as-of pages read"
        ),
    ] = None,
) -> None:
    """Drop and rebuild the reporting projections from the event stores, with progress."""
    settings = settings_for(data_dir)
    until = _end_of_day(as_of) if as_of else None
    if until is not None and settings.clock().now() < until + SETTLE:
        typer.echo(f"Error: {as_of} has not ended yet (London): `scrutiny replay` without --as-of rebuilds the live records", err=True)
        raise typer.Exit(2)

    async def run() -> None:
        async with database(settings, acting_as="reporting") as pool:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
                tasks: dict[str, int] = {}

                def progress(source: str, position: int, head: int) -> None:
                    if source not in tasks:
                        tasks[source] = bar.add_task(f"replaying {source}", total=head)
                    bar.update(tasks[source], completed=position)

                if until is None:
                    runner = projection_runner(pool)
                    schema, applied = runner.schema, await runner.rebuild(progress=progress)
                else:
                    async with AsOfSchemas(pool, settings.clock()).until(until, fresh=True, progress=progress) as then:
                        schema, applied = then.schema, then.events
            console.print(f"rebuilt {schema} from {applied} events")

    asyncio.run(run())


@app.command()
def boardpack(
    meeting: Annotated[str | None, typer.Option(help="Date of the meeting, YYYY-MM-DD (default: today)")] = None,
    group: Annotated[
        str | None, typer.Option(help="Id of the profile's group that meets (default: its Board; an unknown one lists them)")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="The group's last meeting, YYYY-MM-DD (default: from the profile's schedule, else three months before)"),
    ] = None,
    profile: Annotated[str, typer.Option(help="Framework profile id")] = "north-lincolnshire",
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help="Folder to write into (default DATA_DIR/reports)")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Prepare it from the records as of this date (YYYY-MM-DD, end of day, London); read from that day's as-of "
                 "records, as the dashboard's as-of pages are"
        ),
    ] = None,
) -> None:
    """Write the board pack of a group's meeting, as HTML and PDF, from the reporting read models."""
    framework = load_builtin(profile)
    settings = settings_for(data_dir)
    meeting_day = _date(meeting, "--meeting") if meeting else london.today(settings.clock())
    since_day = _date(since, "--since") if since else None
    group = group or default_group(framework)
    try:
        group_of(framework, group)
    except UnknownGroup as unknown:
        typer.echo(f"Error: {unknown}", err=True)
        raise typer.Exit(2) from None

    async def run() -> BoardPackFiles:
        async with database(settings, acting_as="reporting") as pool:
            if not as_of:
                pack = await BoardPackReadModels(pool).board_pack(framework, group, meeting_day, settings.clock().now(), since_day)
                return await asyncio.to_thread(write_board_pack, pack, out or settings.data_dir / "reports")
            async with AsOfSchemas(pool, settings.clock()).until(_end_of_day(as_of), partnership=framework.id) as then:
                typer.echo(f"from {then.schema}, built from the {then.events} events recorded by {then.moment:%d %B %Y %H:%M %Z}")
                pack = await BoardPackReadModels(pool, then.schema).board_pack(framework, group, meeting_day, then.moment, since_day)
                return await asyncio.to_thread(write_board_pack, pack, out or settings.data_dir / "reports")

    files = asyncio.run(run())
    typer.echo(f"Board pack: {files.html}")
    typer.echo(f"Board pack PDF: {files.pdf}")
    if files.pdf_note:
        typer.echo(f"Note: {files.pdf_note}", err=True)


# What each store holds, in the words of `verify`'s report (a store it does not know keeps its schema name).
STORE_NAMES = {
    "section11": "section11 (Section 11 cycles and returns)",
    "events": "events (assurance events)",
    "reviews": "reviews (reviews, audits and actions)",
    "reporting_records": "reporting_records (indicator ratings, yearly reports, risks, people's sign-ins and roles)",
}


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


@app.command()
def bench(events: Annotated[int, typer.Option(help="Events per measurement")] = 5000) -> None:
    """Measure the pipeline against raw NATS and PostgreSQL ceilings (see docs/performance.md)."""
    from bench.pipeline import main as bench_main

    bench_main(events)


def _end_of_day(day: str) -> datetime:
    return london.end_of_day(datetime.fromisoformat(day).date())


def main() -> None:
    use_private_umask()  # board packs, reports, evidence, logs: readable by their owner only
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":
    main()
