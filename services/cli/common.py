"""What every `scrutiny` sub-command shares: its settings and the platform's database.

Kept apart from `main.py` (which registers the sub-commands) so that a sub-command
needs nothing of the module that imports it."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import asyncpg
import typer

from services.platform.servers import DATABASE, running_platform
from shared.config import Settings
from shared.runtime import db_roles
from shared.runtime.embedded import EmbeddedPostgres

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where embedded servers keep their data (default .scrutiny)")]


def settings_for(data_dir: Path | None) -> Settings:
    """The environment's settings (SCRUTINY_*), with `--data-dir` if given."""
    settings = Settings()
    return settings.model_copy(update={"data_dir": data_dir}) if data_dir is not None else settings


@contextlib.asynccontextmanager
async def database_url(settings: Settings) -> AsyncIterator[str]:
    """The platform's database URL: given, of a running platform, or of the embedded server
    started for this command (and stopped after it)."""
    url = settings.database_url or (running_platform(settings) or {}).get("database_url")
    embedded = None
    if not url:
        embedded = EmbeddedPostgres(settings.data_dir)
        embedded.start()
        url = await embedded.ensure_database(DATABASE)
    try:
        yield url
    finally:
        if embedded:
            embedded.stop()


@contextlib.asynccontextmanager
async def database(settings: Settings, acting_as: str | None = None) -> AsyncIterator[asyncpg.Pool]:
    """The platform's database: by URL, of a running platform, or the embedded one started for this command.

    `acting_as` a service (where the database runs on roles): a command that builds the
    service's schemas (`replay`, an as-of board pack) builds them as the service's role,
    so that they stay the service's own."""
    async with database_url(settings) as url:
        acting = await db_roles.acting_as(url, acting_as) if acting_as else {}
        pool = await asyncpg.create_pool(url, min_size=1, max_size=10, server_settings=acting)
        try:
            yield pool
        finally:
            await pool.close()

def nats_url(data_dir: Path | None) -> tuple[str, Settings]:
    """The NATS address of the running platform (SCRUTINY_NATS_URL, else the one `scrutiny up`
    wrote down), with the settings; exits saying what to do when there is none."""
    settings = settings_for(data_dir)
    url = settings.nats_url or (running_platform(settings) or {}).get("nats_url")
    if not url:
        from rich.console import Console

        Console(stderr=True).print("[red]No running platform found[/]: start one with `scrutiny up`, or set SCRUTINY_NATS_URL.")
        raise typer.Exit(2)
    return url, settings
