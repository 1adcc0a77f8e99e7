"""`scrutiny deadletters list|show|replay`: what was refused and parked, and sending it again.

The rule for what counts as replayed, and why replaying twice is safe, is in
`shared/messaging/deadletter_admin.py` and docs/operations.md.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from services.cli.common import nats_url
from shared.messaging.deadletter_admin import DeadLetter, DeadLetterAdmin, Filter, ReplayResult
from shared.messaging.subjects import Subjects

app = typer.Typer(help="Messages refused and parked in the dead-letter stream: list, show, replay", no_args_is_help=True)
console = Console()

T = TypeVar("T")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory of a running platform (default .scrutiny)")]
Service = Annotated[str | None, typer.Option("--service", help="Only those parked by this service")]
Code = Annotated[str | None, typer.Option("--code", help="Only those refused with this error code")]
Partnership = Annotated[str | None, typer.Option("--partnership", help="Only this partnership's")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _with_admin(data_dir: Path | None, work: Callable[[DeadLetterAdmin], Awaitable[T]]) -> T:
    url, settings = nats_url(data_dir)

    async def run() -> T:
        admin = await DeadLetterAdmin.connect(url, Subjects(settings.namespace))
        try:
            return await work(admin)
        finally:
            await admin.close()

    return asyncio.run(run())


def _summary(letter: DeadLetter) -> dict[str, Any]:
    return {
        "sequence": letter.sequence,
        "service": letter.service,
        "partnership": letter.partnership,
        "original_subject": letter.original_subject,
        "code": letter.code,
        "reason": letter.reason,
        "time": letter.time.isoformat() if letter.time else None,
        "status": letter.status,
    }


@app.command("list")
def list_(
    service: Service = None,
    code: Code = None,
    partnership: Partnership = None,
    pending: Annotated[bool, typer.Option("--pending", help="Hide the ones already replayed")] = False,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """List parked messages, oldest first: sequence, service, original subject, code, reason, time."""
    where = Filter(service=service, code=code, partnership=partnership, include_replayed=not pending)
    letters = _with_admin(data_dir, lambda admin: admin.list(where))
    if as_json:
        print(json.dumps([_summary(letter) for letter in letters], indent=2))
        return
    table = Table("seq", "service", "original subject", "code", "reason", "time", "status")
    for letter in letters:
        table.add_row(
            str(letter.sequence), letter.service, letter.original_subject, letter.code, letter.reason,
            letter.time.strftime("%Y-%m-%d %H:%M:%S") if letter.time else "", letter.status,
        )
    console.print(table)
    console.print(f"{len(letters)} dead letter(s)")


@app.command()
def show(
    sequence: Annotated[int, typer.Argument(help="The dead letter's stream sequence (from `list`)")],
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Show one dead letter: its headers, the original bytes (pretty-printed if JSON), its replays."""

    async def fetch(admin: DeadLetterAdmin) -> DeadLetter | None:
        try:
            return await admin.show(sequence)
        except KeyError:
            return None

    letter = _with_admin(data_dir, fetch)
    if letter is None:
        console.print(f"[red]No dead letter with sequence {sequence}[/]")
        raise typer.Exit(1)
    if as_json:
        document = _summary(letter) | {
            "headers": letter.headers,
            "body": letter.data.decode(errors="replace"),
            "replays": [
                {"sequence": r.sequence, "outcome": r.outcome, "code": r.code,
                 "time": r.time.isoformat() if r.time else None}
                for r in letter.replays
            ],
        }
        print(json.dumps(document, indent=2))
        return
    for key, value in _summary(letter).items():
        console.print(f"[bold]{key}:[/] {value}", highlight=False)
    console.print("[bold]headers:[/]")
    for key, value in letter.headers.items():
        console.print(f"  {key}: {value}", highlight=False, markup=False)
    console.print(f"[bold]body ({len(letter.data)} bytes):[/]")
    console.print(letter.pretty(), highlight=False, markup=False)
    for record in letter.replays:
        console.print(f"[bold]replay[/] {record.time}: {record.outcome} {record.code or ''}", highlight=False)


@app.command()
def replay(
    sequences: Annotated[list[int] | None, typer.Argument(help="Sequences to replay (or use the filters)")] = None,
    service: Service = None,
    code: Code = None,
    partnership: Partnership = None,
    every: Annotated[bool, typer.Option("--all", help="Replay every parked message not yet replayed")] = False,
    again: Annotated[bool, typer.Option("--again", help="Also replay ones already replayed (harmless: request ids)")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each reply")] = 10.0,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Re-send parked messages, once their cause is fixed, to their original subjects; report each reply."""
    if not (sequences or service or code or partnership or every):
        console.print("[red]Name sequences, a filter (--service, --code, --partnership) or --all.[/]")
        raise typer.Exit(2)
    where = Filter(service=service, code=code, partnership=partnership, sequences=frozenset(sequences or ()))

    async def work(admin: DeadLetterAdmin) -> list[ReplayResult]:
        return await admin.replay(await admin.list(where), again=again, timeout=timeout)

    results = _with_admin(data_dir, work)
    if as_json:
        print(json.dumps(
            [{"sequence": r.letter.sequence, "outcome": r.outcome, "code": r.code, "reply": r.reply, "record": r.record}
             for r in results],
            indent=2,
        ))
    else:
        for r in results:
            colour = "green" if r.done else "red"
            detail = f" {r.code}" if r.code else ""
            message = ((r.reply or {}).get("error") or {}).get("message", "")
            console.print(
                f"[{colour}]{r.outcome}[/]{detail}  #{r.letter.sequence} {r.letter.original_subject} {message}",
                highlight=False,
            )
        done = sum(r.done for r in results)
        console.print(f"{done} of {len(results)} replayed")
    if any(not r.done for r in results):
        raise typer.Exit(1)
