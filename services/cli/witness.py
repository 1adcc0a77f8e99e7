"""`scrutiny verify`'s second place: each store against its signed heads and JetStream's copies.

Kept apart from `main.py` (which registers the commands); the checks themselves are
`shared.eventstore.verify_signed`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import nats
from nats.js import JetStreamContext
from rich.console import Console
from rich.markup import escape

from services.platform.servers import running_platform
from services.reporting.adapters.records_store import published_as_reporting
from shared.config import Settings
from shared.eventstore.signing import PublicKey
from shared.eventstore.verify import ChainReport
from shared.eventstore.verify_signed import WitnessReport, check_second_place
from shared.messaging.subjects import Subjects
from shared.runtime.nats_auth import CONFIG_NAME, SERVER_INCLUDE, NatsAuth, without_credentials
from shared.runtime.nats_server import EmbeddedNats

TRACE_CONTEXT_NOTE = (
    "trace_context (each event's tracing ids) is outside the hashed evidence: it is checked only"
    " against JetStream's copies (docs/security.md, Tamper evidence)"
)


@contextlib.asynccontextmanager
async def jetstream(settings: Settings) -> AsyncIterator[tuple[JetStreamContext | None, str]]:
    """JetStream of the platform, or None and why it cannot be reached."""
    url = settings.nats_url or (running_platform(settings) or {}).get("nats_url")
    embedded = None
    if not url and (settings.data_dir / "nats" / CONFIG_NAME).exists():
        # A stopped platform's own NATS, started for this command (as `database` starts its PostgreSQL).
        embedded = EmbeddedNats(settings.data_dir, extra_config=SERVER_INCLUDE)
        url = NatsAuth(settings.data_dir).service_url(embedded.start())
    if not url:
        yield None, "no NATS server (set SCRUTINY_NATS_URL, or run it beside `scrutiny up`)"
        return
    try:
        try:
            nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0, allow_reconnect=False)
        except Exception as error:
            yield None, f"NATS at {without_credentials(url.split(',')[0])} cannot be reached ({type(error).__name__})"
            return
        try:
            yield nc.jetstream(timeout=10), ""
        finally:
            await nc.close()
    finally:
        if embedded is not None:
            embedded.stop()


class SecondPlace:
    """Checks each store against what PostgreSQL cannot rewrite, and prints what it found."""

    def __init__(self, console: Console, settings: Settings, js: JetStreamContext | None, why_not: str) -> None:
        self._console = console
        self._js = js
        self._why_not = why_not
        self._subjects: Subjects = published_as_reporting(Subjects(settings.namespace))
        self._key = PublicKey.of_platform(settings.data_dir)

    async def check(self, conn: asyncpg.Connection, store: str) -> WitnessReport | None:
        if self._js is None:
            return None
        return await check_second_place(conn, store, self._js, self._subjects, self._key)

    def report(self, name: str, chain: ChainReport, witness: WitnessReport | None) -> bool:
        """Print one store's lines; True when nothing was found wrong."""
        problems = chain.breaks + (witness.breaks if witness else [])
        if problems:
            self._console.print(f"[red]✗[/] {name}: {'chain broken' if chain.breaks else 'tampered with'}")
            for problem in problems:
                self._console.print(f"    {escape(str(problem))}")
            return False
        if chain.events_checked == 0 and not (witness and witness.copies_checked):
            self._console.print(f"[green]✓[/] {name}: no events recorded yet")
            return True
        if witness is None:
            self._console.print(f"[green]✓[/] {name}: {chain.events_checked} events, chain intact")
            self._console.print(f"    [yellow]not compared with its signed heads or JetStream's copies[/]: {escape(self._why_not)}")
            return True
        heads = f"its {witness.heads_checked} signed heads" if witness.heads_checked else "no signed head yet"
        self._console.print(
            f"[green]✓[/] {name}: {chain.events_checked} events, chain intact;"
            f" matches {heads} and JetStream's {witness.copies_checked} copies"
        )
        return True

    def closing_note(self) -> None:
        self._console.print(f"  {TRACE_CONTEXT_NOTE}", soft_wrap=True)
