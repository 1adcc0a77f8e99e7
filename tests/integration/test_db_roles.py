"""Each service connects as its own PostgreSQL role: it writes only its own schema, and
reporting reads the other stores' events tables but cannot change them. The platform that
`scrutiny up` starts (the supervisor, services as processes) runs on those roles."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import nats
import pytest

from services.platform.supervisor import Platform
from shared.eventstore.postgres import PostgresEventStore
from shared.messaging.subjects import Subjects
from shared.personal_data import open_envelopes
from shared.profiles import load_builtin
from shared.runtime import db_roles
from shared.waiting import eventually
from tests.support.events import envelopes
from tests.support.platform import PARTNERSHIP
from tests.support.platform import test_settings as settings_for
from tests.support.returns import answers

pytestmark = pytest.mark.integration


@pytest.fixture
async def roles(database: str) -> dict[str, str]:
    return await db_roles.prepare(database)


@pytest.fixture
async def connect(roles: dict[str, str]) -> AsyncIterator[Callable[[str], Awaitable[asyncpg.Connection]]]:
    opened: list[asyncpg.Connection] = []

    async def as_service(service: str) -> asyncpg.Connection:
        conn = await asyncpg.connect(roles[service])
        opened.append(conn)
        return conn

    yield as_service
    for conn in opened:
        await conn.close()


async def _refused(conn: asyncpg.Connection, sql: str, *args: Any) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await conn.execute(sql, *args)


INSERT = (
    "INSERT INTO {}.events (position, event_id, stream_id, stream_version, event_type, schema_version,"
    " partnership_id, actor, occurred_at, recorded_at, correlation_id, payload, prev_hash, hash)"
    " VALUES (999, gen_random_uuid(), 's', 1, 'X', 1, 'p', 'a', now(), now(), gen_random_uuid(), '{{}}', '', '')"
)


async def test_a_service_role_cannot_write_another_services_schema(roles: dict[str, str], connect: Any) -> None:
    assert roles["section11"].startswith("postgresql://scrutiny_section11@")
    section11 = await connect("section11")
    assert await section11.fetchval("SELECT current_user") == "scrutiny_section11"
    await _refused(section11, INSERT.format("reviews"))
    await _refused(section11, "SELECT count(*) FROM reviews.events")
    await _refused(section11, "CREATE TABLE reviews.intruder (x int)")
    await _refused(section11, "CREATE SCHEMA intruder")  # only reporting makes schemas (its as-of records)
    await _refused(section11, "DELETE FROM keys.subject_keys")  # erasure is the administrator's
    # its own schema is its own: it made the deadline tables there at start-up, and can make more
    await section11.execute("CREATE TABLE section11.scratch (x int); DROP TABLE section11.scratch")
    await section11.execute(INSERT.format("section11").replace("999", "1"))


async def test_reporting_reads_the_other_stores_events_and_cannot_change_them(connect: Any, database: str) -> None:
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)  # the administrator
    try:
        await PostgresEventStore(pool, "section11").create_schema()  # as it was: nothing to change
    finally:
        await pool.close()
    writer = await asyncpg.create_pool((await db_roles.prepare(database))["section11"], min_size=1, max_size=2)
    try:
        store = PostgresEventStore(writer, "section11")
        await store.create_schema()
        await store.append("s11-return:p:a:c", 0, envelopes("s11-return:p:a:c", 0, 2))
        await store.close()
    finally:
        await writer.close()

    reporting = await connect("reporting")
    assert await reporting.fetchval("SELECT count(*) FROM section11.events") == 2
    await _refused(reporting, INSERT.format("section11"))
    await _refused(reporting, "UPDATE section11.events SET actor = 'someone else'")
    await _refused(reporting, "DELETE FROM section11.events")
    await _refused(reporting, "SELECT count(*) FROM section11.outbox")  # the events table only
    await _refused(reporting, "SELECT count(*) FROM section11.chain_heads")
    await _refused(reporting, "CREATE TABLE section11.intruder (x int)")
    # and it reads them as the projections do: the store as it is, personal data opened with its key
    pool = await asyncpg.create_pool((await db_roles.prepare(database))["reporting"], min_size=1, max_size=2)
    try:
        source = PostgresEventStore(pool, "section11")
        await source.create_schema()  # reporting's bootstrap does this for its sources: a no-op here
        read = await open_envelopes(pool, await source.read_all())
        assert [e.event.submitted_by for e in read] == ["lead (invented)"] * 2  # type: ignore[attr-defined]
    finally:
        await pool.close()


async def test_the_printed_sql_sets_the_roles_up_as_the_command_does(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(db_roles.script(db_roles.database_of(database)))
        await conn.execute(db_roles.script(db_roles.database_of(database)))  # safe to run again
        owners = await conn.fetch(
            "SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname LIKE 'section11' OR nspname "
            "LIKE 'reporting%'"
        )
        grants = await conn.fetchval("SELECT has_table_privilege('scrutiny_reporting', 'reviews.events', 'SELECT')")
    finally:
        await conn.close()
    assert {(r["nspname"], r["owner"]) for r in owners} == {
        ("section11", "scrutiny_section11"), ("reporting", "scrutiny_reporting"), ("reporting_records", "scrutiny_reporting"),
    }
    assert grants


async def test_a_user_who_may_not_make_roles_is_told_what_to_run(database: str) -> None:
    nobody, prefix = f"t_nobody_{uuid4().hex[:8]}", f"t_absent_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(database)
    await admin.execute(f'CREATE ROLE "{nobody}" LOGIN')
    try:
        with pytest.raises(db_roles.RolesUnavailable, match="scrutiny db roles --print-sql"):
            await db_roles.prepare(db_roles.role_url(database, nobody), prefix=prefix)
    finally:
        await admin.execute(f'DROP ROLE "{nobody}"')
        await admin.close()


async def test_the_command_line_sets_the_roles_up_and_prints_the_sql(database: str) -> None:
    # Wide: the embedded server's URLs name its socket's folder, longer than 80 columns.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")} | {"SCRUTINY_DATABASE_URL": database, "COLUMNS": "300"}
    scrutiny = [sys.executable, "-m", "services.cli.main", "db", "roles"]
    applied = await asyncio.to_thread(subprocess.run, scrutiny, env=env, capture_output=True, text=True, timeout=120)
    assert applied.returncode == 0, applied.stderr
    assert "reporting: postgresql://scrutiny_reporting@" in applied.stdout
    printed = await asyncio.to_thread(subprocess.run, [*scrutiny, "--print-sql"], env=env, capture_output=True, text=True, timeout=120)
    assert printed.stdout.startswith("-- scrutiny: one PostgreSQL role per service on database t_")
    assert 'GRANT SELECT ON "section11".events TO "scrutiny_reporting";' in printed.stdout


async def test_replay_with_the_administrators_url_leaves_reporting_its_own(roles: dict[str, str], database: str) -> None:
    """`scrutiny replay` drops and rebuilds the read models: as the reporting role, so the
    service can still write them afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")} | {"SCRUTINY_DATABASE_URL": database}
    replay = [sys.executable, "-m", "services.cli.main", "replay"]
    done = await asyncio.to_thread(subprocess.run, replay, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conn = await asyncpg.connect(database)
    try:
        owners = await conn.fetch(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'reporting' AND c.relkind = 'r'"
        )
        schema = await conn.fetchval("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'reporting'")
    finally:
        await conn.close()
    assert schema == "scrutiny_reporting"
    assert [r["owner"] for r in owners] == ["scrutiny_reporting"]


@pytest.mark.e2e
async def test_the_supervisors_platform_runs_each_service_as_its_role(
    nats_url: str, database: str, namespace: str, tmp_path: Path
) -> None:
    settings = settings_for(nats_url, database, namespace).model_copy(update={"data_dir": tmp_path})
    platform = await Platform(settings).start()
    admin = await asyncpg.connect(database)
    try:
        assert platform.servers.database_url_for("reviews").startswith("postgresql://scrutiny_reviews@")
        profile = load_builtin(PARTNERSHIP)
        agency = profile.agencies[0].id
        nc = await nats.connect(nats_url)
        try:
            subjects = Subjects(namespace)
            for subject, body in [
                (subjects.operator_command("section11", "open-cycle", PARTNERSHIP), {"cycle_id": "2026-27", "opened_on": "2026-11-01"}),
                (subjects.agency_command("section11", "submit", PARTNERSHIP, agency),
                 {"agency_id": agency, "cycle_id": "2026-27", "answers": answers(profile), "submitted_by": "Lead (invented)"}),
            ]:
                reply = await nc.request(subject, json.dumps({"request_id": str(uuid4())} | body).encode(), timeout=30)
                assert json.loads(reply.data)["status"] == "accepted", reply.data
        finally:
            await nc.close()

        async def projected() -> Any:
            return await admin.fetchval(
                "SELECT status FROM reporting.s11_returns WHERE agency_id = $1 AND status <> 'due'", agency
            )

        assert await eventually(projected, timeout=120, what="the submission projected by reporting") is not None
        users = {r["usename"] for r in await admin.fetch(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
        )}
        assert {"scrutiny_section11", "scrutiny_events", "scrutiny_reviews", "scrutiny_reporting"} <= users
        owners = {(r["schemaname"], r["tableowner"]) for r in await admin.fetch(
            "SELECT schemaname, tableowner FROM pg_tables WHERE tablename IN ('deadlines', 'deadline_checkpoint', 'checkpoints')"
        )}
        assert owners == {
            ("section11", "scrutiny_section11"), ("events", "scrutiny_events"), ("reviews", "scrutiny_reviews"),
            ("reporting", "scrutiny_reporting"), ("reporting_notices", "scrutiny_reporting"),  # the notifier's own
        }
        # `scrutiny erase` rebuilds the read models as the reporting role: they stay the service's own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")} | {"SCRUTINY_DATABASE_URL": database}
        erased = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "services.cli.main", "erase", "Lead (invented)", "--person"],
            env=env, capture_output=True, text=True, timeout=300,
        )
        assert erased.returncode == 0 and "1 in section11" in erased.stdout, erased.stdout + erased.stderr
        assert (
            await admin.fetchval("SELECT tableowner FROM pg_tables WHERE schemaname = 'reporting' AND tablename = 'checkpoints'")
            == "scrutiny_reporting"
        )
        assert await eventually(projected, timeout=60, what="the rebuilt read models") is not None
    finally:
        await admin.close()
        platform.stop()
