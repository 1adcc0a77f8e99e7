"""`scrutiny backup`, `scrutiny restore` and `scrutiny streams refill`: the record kept
safe, brought back on new servers, and JetStream filled again from it.

PostgreSQL is the system of record: a backup is `pg_dump` of the platform's database in
its custom format (the stores with their hash chains, the read models, the keys that seal
personal data, the people), made with the embedded server's own `pg_dump` (or the one on
the PATH for an external server). `restore` loads it into a data directory whose database
is new, without owners or grants: `scrutiny up` gives each schema back to its service's
role as it starts. JetStream is not backed up: every event it held is in the stores, and
`streams refill` publishes them again in position order under their event ids, as the
outbox relay does; the projections, whose checkpoints are in PostgreSQL, skip what they
applied before. A backup holds the keys of personal data: keep it as the database is kept,
and erase again what was erased after it was made (`scrutiny erasures` lists them).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import asyncpg
import nats
import typer
from rich.console import Console

from services.cli.common import DataDir, database, database_url, nats_url, settings_for
from services.reporting.adapters.evidence import discover_stores
from services.reporting.adapters.records_store import SCHEMA as RECORDS
from services.reporting.adapters.records_store import published_as_reporting
from shared.messaging.subjects import Subjects
from shared.outbox import republish
from shared.runtime import postgres_cluster

console = Console()
streams_app = typer.Typer(help="JetStream, filled again from the stores: refill", no_args_is_help=True)


def _program(name: str) -> str:
    """The embedded server's own client programs, else the PATH's (an external server)."""
    try:
        found = postgres_cluster.bin_dir() / name
        if found.exists():
            return str(found)
    except Exception:  # noqa: BLE001 - no embedded wheel: the PATH's, said below if absent
        pass
    if path := shutil.which(name):
        return path
    raise typer.BadParameter(f"no {name} found: install PostgreSQL's client programs")


def _run(program: str, *args: str) -> None:
    done = subprocess.run([_program(program), *args], capture_output=True, text=True)
    if done.returncode != 0:
        console.print(f"[red]{program} failed[/]: {done.stderr.strip()[-2000:]}")
        raise typer.Exit(1)


def backup(out: Annotated[Path | None, typer.Option(help="The file to write (default DATA_DIR/backups/scrutiny-TIME.dump)")] = None,
           data_dir: DataDir = None) -> None:
    """Write a backup of the platform's database (pg_dump, custom format)."""
    settings = settings_for(data_dir)
    target = out or settings.data_dir / "backups" / f"scrutiny-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump"
    target.parent.mkdir(parents=True, exist_ok=True)

    async def run() -> None:
        async with database_url(settings) as url:
            await asyncio.to_thread(_run, "pg_dump", "--format=custom", "--file", str(target), url)

    asyncio.run(run())
    target.chmod(0o600)
    console.print(f"Backup: {target} ({target.stat().st_size:,} bytes)")


def restore(backup_file: Annotated[Path, typer.Argument(help="A file `scrutiny backup` wrote")], data_dir: DataDir = None) -> None:
    """Load a backup into this data directory's database, which must hold no records yet."""
    if not backup_file.is_file():
        raise typer.BadParameter(f"{backup_file} is not a file", param_hint="BACKUP_FILE")
    settings = settings_for(data_dir)

    async def run() -> None:
        async with database_url(settings) as url:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
            try:
                if await discover_stores(pool):
                    console.print("[red]This database already holds event stores[/]: restore into a new data directory.")
                    raise typer.Exit(2)
            finally:
                await pool.close()
            await asyncio.to_thread(
                _run, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", url, str(backup_file)
            )

    asyncio.run(run())
    console.print(f"Restored {backup_file}. Start the platform (scrutiny up), then check it: scrutiny verify")


@streams_app.command("refill")
def refill(data_dir: DataDir = None) -> None:
    """Publish every stored event to JetStream again (after the NATS data was lost)."""
    url, settings = nats_url(data_dir)
    subjects = Subjects(settings.namespace)

    async def run() -> dict[str, int]:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            async with database(settings) as pool:
                return {store: await republish(pool, store, js, published_as_reporting(subjects) if store == RECORDS else subjects)
                        for store in await discover_stores(pool)}
        finally:
            await nc.close()

    for store, count in asyncio.run(run()).items():
        console.print(f"{store}: {count} events published again")

