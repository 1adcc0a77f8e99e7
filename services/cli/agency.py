"""`scrutiny agency add|list`: each agency's own NATS credentials.

`add` writes the agency's credentials file (0600) under the data directory,
regenerates the NATS server's users, and makes a running embedded server
reload them, so the agency can connect at once. What each agency may publish
and subscribe to is set in `shared/runtime/nats_auth.py`; docs/integrating.md
is what to give the agency's developer.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import nats
import nats.errors
import typer
from rich.console import Console
from rich.table import Table

from services.cli.common import settings_for
from services.platform.servers import running_platform
from shared.config import Settings
from shared.partnerships import Partnerships
from shared.runtime.embedded import EmbeddedNats
from shared.runtime.host import load_partnerships
from shared.runtime.nats_auth import AgencyCredentials, NatsAuth, without_credentials
from shared.waiting import eventually

app = typer.Typer(help="Agencies' NATS credentials: each may publish only as itself and read only what concerns it.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="The platform's data directory (default .scrutiny)")]


def _partnerships(agency: str, served: Partnerships, chosen: list[str]) -> list[str]:
    if chosen:
        profiles = load_partnerships(chosen)
        outside = [p for p in profiles.values() if agency not in {a.id for a in p.agencies}]
        if outside:
            console.print(f"[red]{agency} is not an agency of {', '.join(p.id for p in outside)}[/]")
            raise typer.Exit(1)
        return list(profiles)
    found = [p.id for p in served.values() if agency in {a.id for a in p.agencies}]
    if not found:
        console.print(
            f"[red]{agency} is not an agency of any partnership served here[/] ({', '.join(served)}): "
            "use its id from the profile (`scrutiny profiles list`), or name the partnership with --profile"
        )
        raise typer.Exit(1)
    return found


async def _can_connect(url: str, credentials: AgencyCredentials) -> bool:
    try:
        nc = await nats.connect(
            url, user=credentials.user, password=credentials.password, inbox_prefix=credentials.inbox_prefix,
            connect_timeout=1, max_reconnect_attempts=0, allow_reconnect=False,
        )
    except (nats.errors.Error, OSError):
        return False
    await nc.close()
    return True


def _reload(settings: Settings, credentials: AgencyCredentials) -> str:
    """Tell the running server, if any; returns what happened, for the operator."""
    if settings.nats_url:
        return (
            "This installation uses an external NATS server (SCRUTINY_NATS_URL): copy the accounts of "
            f"{NatsAuth(settings.data_dir).config_file} into its configuration and restart it."
        )
    running = running_platform(settings)
    if not EmbeddedNats(settings.data_dir).reload() or not running:
        return "No platform is running here: `scrutiny up` will start NATS with these credentials."
    url = without_credentials(running["nats_url"])
    asyncio.run(
        eventually(lambda: _can_connect(url, credentials), timeout=10, what=f"NATS to accept {credentials.user}")
    )
    return f"The running NATS server ({url}) reloaded its users: the agency can connect now."


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="The agency's id in the partnership's profile, e.g. humberside-police")],
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            help="A partnership (profile id or file) the agency belongs to; repeat for several. Default: every partnership "
                 "served here that lists it",
        ),
    ] = None,
    rotate: Annotated[bool, typer.Option("--rotate", help="Issue a new password (the old one stops working)")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create (or update) an agency's NATS credentials and load them into the server."""
    settings = settings_for(data_dir)
    served = load_partnerships(settings.profiles)
    partnerships = _partnerships(name, served, profile or [])
    auth = NatsAuth(settings.data_dir)
    had_account = name in auth.accounts()
    credentials = auth.add_agency(name, partnerships, namespace=settings.namespace, rotate=rotate)
    auth.write_config(serving=[*served, *partnerships], agencies=[name])
    path = auth.agency_file(name)
    console.print(f"[bold green]Credentials for {name}[/] ({', '.join(credentials.partnerships)}): {path} (mode 600)")
    console.print(f"  user {credentials.user}; the password is in the file: give it to the agency by a secure route")
    console.print(f"  publish:   {'  '.join(credentials.publish_allow())}")
    console.print(f"  subscribe: {'  '.join(credentials.subscribe_allow())}")
    console.print(_reload(settings, credentials))
    if not had_account and running_platform(settings):
        console.print("[yellow]The running NATS server made no account for this agency when it started:[/] restart"
                      " `scrutiny up` before the agency sends commands (docs/operations.md)")
    url = without_credentials((running_platform(settings) or {}).get("nats_url") or "nats://HOST:PORT")
    console.print("Connect with nats-py:")
    console.print(
        f'  nc = await nats.connect("{url}", user="{credentials.user}", password=<"password" in the file>,\n'
        f'                          inbox_prefix="{credentials.inbox_prefix}")'
    )
    console.print(f"or run the example client: python examples/agency_client.py --url {url} --credentials {path} ...")
    console.print("Guide: docs/integrating.md")


@app.command("list")
def list_(data_dir: DataDir = None) -> None:
    """The agencies with credentials: partnerships, what they may publish, and their files."""
    auth = NatsAuth(settings_for(data_dir).data_dir)
    agencies = auth.agencies()
    table = Table("agency", "partnerships", "publishes on", "since", "credentials file")
    for agency in agencies:
        table.add_row(
            agency.agency_id, ", ".join(agency.partnerships), "\n".join(agency.publish_allow()),
            agency.created_at, str(auth.agency_file(agency.agency_id)),
        )
    console.print(table)
    console.print(f"{len(agencies)} agenc{'y' if len(agencies) == 1 else 'ies'}")
