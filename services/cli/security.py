"""`scrutiny erase`, `scrutiny erasures` and `scrutiny db roles`: erasing a data subject's
personal data (docs/security.md) and the services' PostgreSQL roles."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
import typer
from rich.console import Console

from services.cli.common import DataDir, settings_for
from services.platform.servers import DATABASE, running_platform
from shared.config import Settings
from shared.documents.checks import erase_document
from shared.documents.refs import is_sha256
from shared.personal_data import SCHEMA as KEYS
from shared.personal_data import ensure_schema, person_subject, sealed_values
from shared.personal_data import erase as erase_subject
from shared.personal_data import erasures as recorded_erasures
from shared.runtime import db_roles
from shared.runtime.embedded import EmbeddedPostgres

app = typer.Typer()
db = typer.Typer(help="The platform's PostgreSQL database", no_args_is_help=True)
app.add_typer(db, name="db")
console = Console()

# Every store whose events may hold sealed personal data.
STORES = ("section11", "events", "reviews", "reporting_records")


def _admin_url(settings: Settings) -> str | None:
    return settings.database_url or (running_platform(settings) or {}).get("database_url")


@contextlib.asynccontextmanager
async def _admin(settings: Settings) -> AsyncIterator[str]:
    """The administrator's URL of the platform's database: given, a running platform's, or the
    embedded server's, started for this command."""
    url = _admin_url(settings)
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


async def _rebuild_read_models(url: str) -> int:
    """Rebuild the reporting read models so that no copy of erased data stays in them.

    As the reporting service's role where there is one, so that the schema it recreates is
    still the service's own; the as-of records are dropped (built again when next asked for)."""
    # Imported here: the reporting service (its dashboard too) is loaded only to rebuild.
    from services.reporting.adapters.sources import projection_runner

    acting = await db_roles.acting_as(url, "reporting")
    conn = await asyncpg.connect(url)
    try:
        for (schema,) in await conn.fetch(r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'reporting\_asof%'"):
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=10, server_settings=acting)
    try:
        return await projection_runner(pool).rebuild()
    finally:
        await pool.close()


async def _records_about(conn: asyncpg.Connection, partnership_id: str, case_ref: str) -> list[str]:
    """The records (streams) opened about a case: those whose first event names it."""
    found: list[str] = []
    for store in STORES:
        if await conn.fetchval("SELECT to_regclass($1)", f"{store}.events") is None:
            continue
        rows = await conn.fetch(
            f"SELECT DISTINCT stream_id FROM {store}.events WHERE stream_version = 1 AND partnership_id = $1"
            " AND payload->>'case_ref' = $2 ORDER BY stream_id", partnership_id, case_ref,
        )
        found += [r["stream_id"] for r in rows if r["stream_id"] != case_ref]
    return found


@app.command()
def erase(
    subject: Annotated[
        str,
        typer.Argument(
            help="The case reference (e.g. case-7f3a) whose personal data is erased (the records opened about it too), a record "
                 "(a stream id, e.g. incident:PARTNERSHIP:ID), or with --person a person's name as it was recorded"
        ),
    ],
    person: Annotated[bool, typer.Option("--person", help="SUBJECT is a person's name (a practitioner's), not a case reference")] = False,
    document: Annotated[
        bool, typer.Option("--document", help="SUBJECT is a document's SHA-256: its bytes and its file name are erased")
    ] = False,
    partnership: Annotated[
        str | None, typer.Option(help="The partnership that holds the data (default: the first of SCRUTINY_PROFILES)")
    ] = None,
    requested_by: Annotated[str, typer.Option(help="Who asked for it, as a role (recorded; no names)")] = "data protection officer",
    reason: Annotated[str, typer.Option(help="Why, without personal data (recorded)")] = "erasure requested under UK GDPR article 17",
    rebuild: Annotated[
        bool, typer.Option("--rebuild/--no-rebuild", help="Rebuild the reporting read models afterwards, so no copy stays there")
    ] = True,
    data_dir: DataDir = None,
) -> None:
    """Erase a data subject's personal data: delete its key and record the erasure.

    The events, their hash chain and every replay stay as they were; the data sealed with
    the key reads as "erased" from now on (docs/security.md). With --document, a document
    that holds personal data: its bytes go too, and `scrutiny verify` reports it as erased."""
    settings = settings_for(data_dir)
    partnership_id = partnership or settings.profiles[0]
    key = person_subject(partnership_id, subject) if person else subject
    if document and (person or not is_sha256(subject)):
        raise typer.BadParameter("with --document, SUBJECT is the document's SHA-256 (64 hexadecimal digits)", param_hint="SUBJECT")

    async def run() -> bool:
        async with _admin(settings) as url:
            conn = await asyncpg.connect(url)
            try:
                await ensure_schema(conn)
                erasing = erase_document if document else erase_subject
                at = settings.clock().now()
                done = await erasing(conn, partnership_id, key, requested_by=requested_by, reason=reason, at=at, stores=STORES)
                # A case's records (an incident, a review opened about it) hold text sealed with
                # their own key where no event of theirs names the case: erased with the case.
                records = [] if document or person else await _records_about(conn, partnership_id, subject)
                reached = [(subject, done)] if done else []
                for record in records:
                    if (more := await erase_subject(conn, partnership_id, record, requested_by=requested_by,
                                                    reason=f"{reason} (a record about {subject})", at=at, stores=STORES)):
                        reached.append((record, more))
                values = {e.key_id: await sealed_values(conn, e.key_id, STORES) for _, e in reached}
            finally:
                await conn.close()
            if not reached:
                console.print(f"No personal data of that subject is held for {partnership_id} (never recorded, or erased already).")
                return False
            if document:
                console.print(f"[green]✓[/] document {subject}: its bytes deleted from the document store")
            total: dict[str, int] = {}
            for record, e in reached:
                held = ", ".join(f"{n} in {store}" for store, n in e.events.items()) or "none"
                made = values[e.key_id]
                for store, n in made.items():
                    total[store] = total.get(store, 0) + n
                what = f" (record {record})" if record and record != subject else ""
                console.print(
                    f"[green]✓[/] erased{what}: key {e.key_id} deleted (events holding data sealed with it: {held};"
                    f" sealed values made unreadable: {sum(made.values())}); erasure {e.position} recorded"
                )
            stores = ", ".join(f"{n} in {store}" for store, n in total.items()) or "none"
            console.print(
                f"reached: {sum(total.values())} sealed values ({stores}), unreadable there and in every copy of those"
                " events: the JetStream streams and the agencies' outcome messages hold the same sealed values"
            )
            if rebuild:
                applied = await _rebuild_read_models(url)
                console.print(f"read models rebuilt from {applied} events: the data shows as \\[erased]")
            else:
                console.print("read models not rebuilt: they keep a copy until `scrutiny replay`")
            console.print("Board packs, PDFs and evidence bundles written before now keep theirs: delete or reissue them.")
            return True

    asyncio.run(run())


@app.command()
def erasures(data_dir: DataDir = None) -> None:
    """List the erasures recorded and check their hash chain."""

    async def run() -> list[str]:
        async with _admin(settings_for(data_dir)) as url:
            conn = await asyncpg.connect(url)
            try:
                records, problems = await recorded_erasures(conn)
            finally:
                await conn.close()
        for r in records:
            subject = r.subject_ref or "a person"
            counts = ", ".join(f"{n} in {s}" for s, n in r.events.items()) or "no events"
            console.print(
                f"{r.position}  {r.erased_at:%Y-%m-%d %H:%M}  {r.partnership_id}  {subject}  "
                f"key {r.key_id}  ({counts})  by {r.requested_by}: {r.reason}"
            )
        console.print(f"{len(records)} erasures in {KEYS}.erasures" + (", chain intact" if not problems else ""))
        for problem in problems:
            console.print(f"[red]✗[/] {problem}")
        return problems

    if asyncio.run(run()):
        raise typer.Exit(1)


@db.command("roles")
def roles(
    print_sql: Annotated[bool, typer.Option("--print-sql", help="Print the SQL for an administrator to run instead of running it")] = False,
    data_dir: DataDir = None,
) -> None:
    """Set up one PostgreSQL role per service (each owns its schema; reporting reads the
    others' events), as `scrutiny up` does when its database URL may."""
    settings = settings_for(data_dir)
    if print_sql:
        url = _admin_url(settings)
        typer.echo(db_roles.script(db_roles.database_of(url) if url else DATABASE))
        return

    async def run() -> dict[str, str]:
        async with _admin(settings) as url:
            try:
                return await db_roles.prepare(url)
            except db_roles.RolesUnavailable as unavailable:
                typer.echo(f"Error: {unavailable}", err=True)
                raise typer.Exit(1) from None

    for service, url in asyncio.run(run()).items():
        console.print(f"{service}: {url}")
