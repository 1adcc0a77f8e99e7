"""Each service connects to PostgreSQL as its own role, which owns its own schemas and
can write nowhere else; reporting may also read the other stores' events tables.

| role                   | owns (creates its tables at start-up)              | may also                       |
|------------------------|----------------------------------------------------|--------------------------------|
| `scrutiny_section11`   | `section11` (events, outbox, chain heads, deadlines) | make and read subject keys   |
| `scrutiny_events`      | `events`                                           | make and read subject keys     |
| `scrutiny_reviews`     | `reviews`                                          | make and read subject keys     |
| `scrutiny_reporting`   | `reporting`, `reporting_records`, `reporting_*`, `documents` | read `*.events`; as-of schemas; keys |

Nobody but the database's administrator may delete a key (`scrutiny erase`) or read the
erasure record. `statements()` is the SQL, idempotent, that `scrutiny up` applies when its
database URL has the rights (the embedded server's superuser has), and that
`scrutiny db roles --print-sql` prints for an operator to run. The event stores are
created in it as their owners, so that reporting finds them and can be granted SELECT
on them before any service has started.

Authentication is the server's: the roles get no password here. The embedded server
listens on no TCP port, only on a Unix socket in a directory only its own account may
enter, and lets the platform's operating-system account in as any role by peer
authentication (`shared.runtime.postgres_cluster`), as it does its superuser; no other
local account can connect. On an external server give each role a password (or a client
certificate) and put it in `~/.pgpass` or the file `PGPASSFILE` names, which asyncpg reads.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import asyncpg

from shared.ddl import _DDL_LOCK
from shared.eventstore.postgres import schema_ddl
from shared.personal_data import DDL as KEYS_DDL
from shared.personal_data import SCHEMA as KEYS
from shared.runtime.postgres_server import quote_ident

log = logging.getLogger(__name__)

SERVICES = ("section11", "events", "reviews", "reporting")
# The event store each service appends to (created here as its owner).
STORES = {"section11": "section11", "events": "events", "reviews": "reviews", "reporting": "reporting_records"}
# Schemas made here for each service; it owns every schema named after it (`reporting_asof_d…` too).
# Reporting's front door keeps the documents uploaded as evidence (shared/documents/store.py).
SCHEMAS = {"section11": ["section11"], "events": ["events"], "reviews": ["reviews"],
           "reporting": ["reporting", "reporting_records", "documents"]}
# Whose events tables a service reads (reporting: projections, gap-fill, rebuilds, the event page).
READS = {"reporting": ("section11", "events", "reviews")}
# Who creates schemas of its own at run time (reporting: the dashboard's as-of records).
CREATES_SCHEMAS = ("reporting",)


class RolesUnavailable(RuntimeError):
    """The roles do not exist and this database URL may not create them."""


def role_name(service: str, prefix: str = "scrutiny") -> str:
    return f"{prefix}_{service}"


def database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "postgres"


def role_url(url: str, role: str) -> str:
    """`url` connecting as `role`, with no password (the server, or ~/.pgpass, authenticates)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in ("user", "password")])
    return parts._replace(netloc=f"{quote(role, safe='')}@{host}", query=query).geturl()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_role(role: str) -> str:
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) THEN"
        f" CREATE ROLE {quote_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$;"
    )


def _own(service: str, role: str) -> str:
    """Give `role` every schema of the service (and the tables and functions in it) that someone
    else made: an installation that ran with one URL before, or an admin's `scrutiny replay` or
    `scrutiny people invite` (the store's DDL replaces its functions, which only their owner may)."""
    like = _literal(service.replace("_", "\\_") + "\\_%")
    return f"""DO $$ DECLARE s record; t record; f record; BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname = {_literal(service)} OR nspname LIKE {like} LOOP
        IF (SELECT nspowner FROM pg_namespace WHERE nspname = s.nspname) <> {_literal(role)}::regrole THEN
            EXECUTE format('ALTER SCHEMA %I OWNER TO %I', s.nspname, {_literal(role)});
        END IF;
        FOR t IN SELECT relname FROM pg_class WHERE relnamespace = s.nspname::regnamespace
                 AND relkind IN ('r', 'p', 'v', 'm') AND relowner <> {_literal(role)}::regrole LOOP
            EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', s.nspname, t.relname, {_literal(role)});
        END LOOP;
        FOR f IN SELECT oid FROM pg_proc WHERE pronamespace = s.nspname::regnamespace
                 AND proowner <> {_literal(role)}::regrole LOOP
            EXECUTE format('ALTER ROUTINE %s OWNER TO %I', f.oid::regprocedure, {_literal(role)});
        END LOOP;
    END LOOP;
END $$;"""


def statements(database: str, prefix: str = "scrutiny") -> list[str]:
    """The SQL that sets up the roles on `database`, in order; each statement idempotent.

    Run as a superuser, or as the database's owner holding CREATEROLE and membership of
    the roles (ALTER … OWNER and SET ROLE need it)."""
    roles = {s: role_name(s, prefix) for s in SERVICES}
    db = quote_ident(database)
    sql = [create_role(role) for role in roles.values()]
    sql += [f"GRANT CONNECT ON DATABASE {db} TO {quote_ident(role)};" for role in roles.values()]
    sql += [f"GRANT CREATE ON DATABASE {db} TO {quote_ident(roles[s])};" for s in CREATES_SCHEMAS]
    for service, role in roles.items():
        r = quote_ident(role)
        sql += [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)} AUTHORIZATION {r};" for schema in SCHEMAS[service]]
        sql.append(_own(service, role))
        # Its event store, made as its owner: reporting can be granted SELECT on it now.
        sql += [f"SET ROLE {r};", schema_ddl(STORES[service]).strip(), "RESET ROLE;"]
    sql.append(KEYS_DDL.strip())
    everyone = ", ".join(quote_ident(role) for role in roles.values())
    sql += [
        f"GRANT USAGE ON SCHEMA {KEYS} TO {everyone};",
        f"GRANT SELECT, INSERT ON {KEYS}.subject_keys TO {everyone};",
        f"GRANT SELECT, INSERT ON {KEYS}.platform_secrets TO {everyone};",
    ]
    for reader, sources in READS.items():
        r = quote_ident(roles[reader])
        sql += [f"GRANT USAGE ON SCHEMA {quote_ident(s)} TO {r};" for s in sources]
        sql += [f"GRANT SELECT ON {quote_ident(s)}.events TO {r};" for s in sources]
    return sql


def script(database: str, prefix: str = "scrutiny") -> str:
    """`statements()` as a psql script, with what to do about passwords."""
    head = [
        f"-- scrutiny: one PostgreSQL role per service on database {database}.",
        "-- Run as a superuser (or the database owner with CREATEROLE and membership of the roles),",
        "-- e.g. psql -v ON_ERROR_STOP=1 -d DATABASE -f roles.sql. Safe to run again.",
        "-- Then give each role a way to authenticate, e.g. \\password " + role_name("section11", prefix) + ",",
        "-- and put the passwords in ~/.pgpass (or the file PGPASSFILE names) of the account running",
        "-- `scrutiny up`, which connects each service as its role to the host, port and database",
        "-- of SCRUTINY_DATABASE_URL.",
        "BEGIN;",
        f"SELECT pg_advisory_xact_lock({_DDL_LOCK});",
    ]
    return "\n".join([*head, *statements(database, prefix), "COMMIT;", ""])


async def _roles_exist(conn: asyncpg.Connection, prefix: str) -> bool:
    found = await conn.fetchval(
        "SELECT count(*) FROM pg_roles WHERE rolname = ANY($1::text[])", [role_name(s, prefix) for s in SERVICES]
    )
    return found == len(SERVICES)


async def apply(url: str, prefix: str = "scrutiny") -> None:
    """Set the roles up on the database of `url` (whose user must have the rights)."""
    database = database_of(url)
    conn = await asyncpg.connect(url)
    try:
        for service in SERVICES:
            # Roles belong to the whole server: another database's set-up may be making them too.
            try:
                await conn.execute(create_role(role_name(service, prefix)))
            except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
                pass
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _DDL_LOCK)  # beside the services' DDL
            for statement in statements(database, prefix)[len(SERVICES):]:
                await conn.execute(statement)
    finally:
        await conn.close()


async def prepare(url: str, prefix: str = "scrutiny") -> dict[str, str]:
    """Each service's database URL: its role on the database of `url`.

    Applies the set-up when `url` may; otherwise uses roles an operator made (with
    `scrutiny db roles --print-sql`), and says what to do when there are none."""
    try:
        await apply(url, prefix)
    except asyncpg.InsufficientPrivilegeError as refused:
        conn = await asyncpg.connect(url)
        try:
            ready = await _roles_exist(conn, prefix)
        finally:
            await conn.close()
        if not ready:
            raise RolesUnavailable(
                f"the database user of SCRUTINY_DATABASE_URL may not set up the services' roles ({refused}); "
                "have an administrator run the SQL of `scrutiny db roles --print-sql`, "
                "or set SCRUTINY_DATABASE_ROLES=false to connect every service with that URL"
            ) from None
        log.info("using the services' roles made by an administrator (%s)", refused)
    return {service: role_url(url, role_name(service, prefix)) for service in SERVICES}


async def acting_as(url: str, service: str, prefix: str = "scrutiny") -> dict[str, str]:
    """`server_settings` under which a command's connections act as `service`'s role, so
    that what it makes in the service's schemas stays the service's own (`scrutiny replay`
    run with the administrator's URL would otherwise leave `reporting` owned by the
    administrator, and the reporting service could no longer write it). Empty where the
    database does not run on roles: the role does not own the service's first schema, or
    this user may not act as it."""
    role = role_name(service, prefix)
    conn = await asyncpg.connect(url)
    try:
        on_roles = await conn.fetchval(
            "SELECT coalesce((SELECT pg_get_userbyid(nspowner) = $1::text"
            " AND pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = $2), false)",
            role, SCHEMAS[service][0],
        )
    finally:
        await conn.close()
    return {"role": role} if on_roles else {}
