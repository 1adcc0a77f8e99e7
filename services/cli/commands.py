"""`scrutiny commands`: every command of the running services, from their own tables.

`list` and `show` print what each service says it takes (shared/messaging/describe.py:
the same rows its subscribers, the AsyncAPI contract and the web forms are built from);
`send` sends one on its subject, as the business unit or, with `--agency`, as that agency,
with a fresh request id unless one is given, and prints the service's answer (exit 1 when
refused, with its code, field and message). For an operator at the machine and for
scripts; people use the front door.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any
from uuid import uuid4

import nats
import typer
from rich.console import Console
from rich.table import Table

from services.cli.common import nats_url
from shared.messaging.describe import describe_subject
from shared.messaging.subjects import SERVICES, Subjects

app = typer.Typer(help="The services' commands, from their own tables: list, show, send.", no_args_is_help=True)
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory of a running platform (default .scrutiny)")]


async def _tables(url: str, subjects: Subjects, only: str | None) -> dict[str, list[dict[str, Any]]]:
    nc = await nats.connect(url)
    try:
        out = {}
        for service in [only] if only else SERVICES:
            try:
                msg = await nc.request(describe_subject(subjects.namespace, service), b"", timeout=5)
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                console.print(f"[yellow]{service} is not answering[/]")
                continue
            out[service] = json.loads(msg.data)["rows"]
        return out
    finally:
        await nc.close()


def _row(tables: dict[str, list[dict[str, Any]]], service: str, token: str, agency: bool) -> dict[str, Any]:
    for row in tables.get(service, []):
        if row["token"] == token and (row["sender"] == "agency") == agency:
            return row
    who = "an agency" if agency else "the business unit"
    raise typer.BadParameter(f"{service} has no command {token!r} sent by {who}; see `scrutiny commands list --service {service}`")


@app.command("list")
def list_(service: Annotated[str | None, typer.Option("--service", help="Only this service's")] = None, data_dir: DataDir = None) -> None:
    """Every command: service, subject token, who sends it, and what it records."""
    if service is not None and service not in SERVICES:
        raise typer.BadParameter(f"one of {', '.join(SERVICES)}", param_hint="--service")
    url, settings = nats_url(data_dir)
    tables = asyncio.run(_tables(url, Subjects(settings.namespace), service))
    table = Table("service", "command", "sent by", "from the front door", "what it records")
    for name, rows in tables.items():
        for row in rows:
            table.add_row(name, row["token"], row["sender"], ", ".join(row["roles"]), row["title"])
    console.print(table)


@app.command("show")
def show(service: str, token: str, agency: Annotated[bool, typer.Option("--agency", help="The agency's row")] = False,
         data_dir: DataDir = None) -> None:
    """A command's help and its fields (name, type, required), from its JSON Schema."""
    url, settings = nats_url(data_dir)
    row = _row(asyncio.run(_tables(url, Subjects(settings.namespace), service if service in SERVICES else None)), service, token, agency)
    console.print(f"[bold]{row['title']}[/]\n{row['help']}\n")
    schema = row["schema"]
    required = set(schema.get("required", ()))
    table = Table("field", "type", "required", "description")
    for name, field in schema.get("properties", {}).items():
        kind = field.get("type") or " | ".join(o.get("type", o.get("$ref", "?").rsplit("/", 1)[-1]) for o in field.get("anyOf", []))
        table.add_row(name, str(kind), "yes" if name in required else "", field.get("description", ""))
    console.print(table)


@app.command("send")
def send(
    service: str,
    token: str,
    partnership: Annotated[str, typer.Option("--partnership", help="The partnership's id")],
    agency: Annotated[str | None, typer.Option("--agency", help="Send as this agency (its own subject)")] = None,
    payload: Annotated[str | None, typer.Option("--json", help="The payload as JSON, or - to read it from stdin")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="field=value (a JSON value, else a string); repeatable")] = None,
    data_dir: DataDir = None,
) -> None:
    """Send one command and print the service's answer (exit 1 when refused)."""
    if service not in SERVICES:
        raise typer.BadParameter(f"one of {', '.join(SERVICES)}", param_hint="SERVICE")
    body: dict[str, Any] = {}
    if payload is not None:
        try:
            body = json.loads(sys.stdin.read() if payload == "-" else payload)
        except ValueError as bad:
            raise typer.BadParameter(f"not JSON: {bad}", param_hint="--json") from None
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r} is not field=value", param_hint="--set")
        try:
            body[name] = json.loads(value)
        except ValueError:
            body[name] = value
    body.setdefault("request_id", str(uuid4()))
    url, settings = nats_url(data_dir)
    subjects = Subjects(settings.namespace)
    _row(asyncio.run(_tables(url, subjects, service)), service, token, agency is not None)
    subject = (
        subjects.agency_command(service, token, partnership, agency) if agency else subjects.operator_command(service, token, partnership)
    )

    async def request() -> dict[str, Any]:
        nc = await nats.connect(url)
        try:
            return json.loads((await nc.request(subject, json.dumps(body).encode(), timeout=15)).data)
        finally:
            await nc.close()

    answer = asyncio.run(request())
    console.print_json(json.dumps(answer))
    if answer.get("status") != "accepted":
        raise typer.Exit(1)


@app.command("upload-values")
def upload_values(
    file: Annotated[Path, typer.Argument(help="CSV or Excel (.xlsx) file: columns indicator_id, period, value")],
    partnership: Annotated[str, typer.Option("--partnership", help="The partnership's id")],
    agency: Annotated[str | None, typer.Option("--agency", help="Send as this agency (its own indicators only)")] = None,
    data_dir: DataDir = None,
) -> None:
    """Send a file of performance indicator values as one record-indicator-values: every row
    checked, a refused row named with its line, and then nothing recorded (exit 1)."""
    from services.reporting.adapters.indicator_files import Unreadable, read_values

    try:
        read = read_values(file.read_bytes(), file.name)
    except (OSError, Unreadable) as why:
        raise typer.BadParameter(str(why), param_hint="FILE") from None
    if read.problems:
        for problem in read.problems:
            console.print(f"[red]{problem}[/]")
        console.print("nothing was recorded")
        raise typer.Exit(1)
    body = {"request_id": str(uuid4()), "values": read.values} | ({"agency_id": agency} if agency else {})
    url, settings = nats_url(data_dir)
    subjects = Subjects(settings.namespace)
    token = "record-indicator-values"
    subject = (
        subjects.agency_command("reporting", token, partnership, agency)
        if agency
        else subjects.operator_command("reporting", token, partnership)
    )

    async def request() -> dict[str, Any]:
        nc = await nats.connect(url)
        try:
            return json.loads((await nc.request(subject, json.dumps(body).encode(), timeout=30)).data)
        finally:
            await nc.close()

    answer = asyncio.run(request())
    if answer.get("status") != "accepted":
        error = answer.get("error", {})
        field = error.get("field") or ""
        index = field.split(".")[1] if field.startswith("values.") else ""
        line = read.line_of(int(index)) if index.isdigit() else None
        console.print(f"[red]{f'Line {line}: ' if line else ''}{error.get('message', 'refused')} ({error.get('code')})[/]")
        console.print("nothing was recorded")
        raise typer.Exit(1)
    events = [e["event_type"] for e in answer.get("events", [])]
    console.print(f"{len(read.values)} values read; {events.count('IndicatorValueRecorded')} recorded, "
                  f"{events.count('IndicatorEarlyWarningRaised')} early warnings raised")
