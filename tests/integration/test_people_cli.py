"""`scrutiny people` on real PostgreSQL: an invitation link that opens the invitation, a
sign-in link that signs in once on the running front door, the list, and removing a role;
every fact recorded as `operator:cli`, and no link kept in clear."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.people.accounts import Accounts, digest
from services.reporting.adapters.records_store import RecordsStore
from shared.config import Settings
from shared.runtime import db_roles
from tests.support.people import base_url
from tests.support.platform import PARTNERSHIP, running_platform
from tests.support.platform import test_settings as settings_for

pytestmark = pytest.mark.integration

LINK = re.compile(r"(\S*)/(invitation|sign-in/link)/([A-Za-z0-9_-]{43})")


async def cli(*args: str, database: str, data_dir: Path, **env: str) -> Any:
    environment = {"SCRUTINY_DATABASE_URL": database, "SCRUTINY_BASE_URL": "", "COLUMNS": "200"} | env
    result = await asyncio.to_thread(CliRunner().invoke, app, [*args, "--data-dir", str(data_dir)], env=environment)
    return result


def link_in(output: str) -> tuple[str, str, str]:
    found = LINK.search(output)
    assert found, output
    return found.group(1), found.group(2), found.group(3)


async def test_invite_list_sign_in_link_and_remove_before_the_platform_ever_ran(database: str, tmp_path: Path) -> None:
    invited = await cli("people", "invite", "--profile", PARTNERSHIP, "--email", "Lead@Example.org", "--name", "Sam Whitlow (invented)",
                        "--role", "agency-lead", "--agency", "humberside-police", database=database, data_dir=tmp_path)
    assert invited.exit_code == 0, invited.output
    base, purpose, token = link_in(invited.output)
    assert (base, purpose) == ("", "invitation")  # no address known: the path, and what to put before it
    assert "put the front door's address in front of it" in invited.output

    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        accounts = Accounts(pool, RecordsStore(pool, Settings().clock()), Settings().clock())
        account = await accounts.link(token, "invitation")
        assert account is not None and account.email == "lead@example.org" and account.name == "Sam Whitlow (invented)"
        assert await pool.fetchval("SELECT count(*) FROM reporting_people.links WHERE token_hash = $1", digest(token)) == 1

        second = await cli("people", "invite", "--email", "bu@example.org", "--name", "Morgan Ellery (invented)",
                           "--role", "business-unit", database=database, data_dir=tmp_path)
        assert second.exit_code == 0, second.output
        listed = await cli("people", "list", "--profile", PARTNERSHIP, database=database, data_dir=tmp_path)
        assert listed.exit_code == 0, listed.output
        for shown in ("Sam Whitlow (invented)", "Agency lead: Humberside Police", "Morgan Ellery (invented)", "Business unit", "2 people"):
            assert shown in listed.output, listed.output
        assert token not in listed.output and "invitation" not in listed.output

        signing = await cli("people", "sign-in-link", "--email", "bu@example.org", database=database, data_dir=tmp_path)
        assert signing.exit_code == 0, signing.output
        _, purpose, sign_in = link_in(signing.output)
        assert purpose == "sign-in/link"
        assert (await accounts.link(sign_in, "sign-in")).email == "bu@example.org"  # type: ignore[union-attr]

        removed = await cli("people", "remove", "--email", "lead@example.org", "--role", "agency-lead", "--agency", "humberside-police",
                            database=database, data_dir=tmp_path)
        assert removed.exit_code == 0, removed.output
        assert [a.email for a, _ in await accounts.people_in(PARTNERSHIP)] == ["bu@example.org"]
        again = await cli("people", "remove", "--email", "lead@example.org", "--role", "agency-lead", "--agency", "humberside-police",
                          database=database, data_dir=tmp_path)
        assert again.exit_code == 1 and "does not hold" in again.output
        gone = await cli("people", "sign-in-link", "--email", "lead@example.org", database=database, data_dir=tmp_path)
        assert gone.exit_code == 1 and "holds no role" in gone.output

        history = await pool.fetch("SELECT event_type, actor, payload::text AS payload FROM reporting_records.events ORDER BY position")
        assert not any(token in r["payload"] or sign_in in r["payload"] for r in history)  # links are kept as their SHA-256 only
        assert [(r["event_type"], r["actor"]) for r in history] == [
            ("PersonInvited", "operator:cli"), ("PersonInvited", "operator:cli"), ("RoleRemoved", "operator:cli"),
        ]
    finally:
        await pool.close()


async def test_the_cli_refuses_a_grant_the_profile_does_not_allow(database: str, tmp_path: Path) -> None:
    cases = [
        (["--role", "agency-lead"], "--agency"),
        (["--role", "agency-lead", "--agency", "no-such-agency"], "--agency"),
        (["--role", "partner", "--partner", "humberside-police", "--agency", "humberside-police"], "--agency"),
        (["--role", "inspector"], "--until"),
        (["--role", "scrutineer", "--until", "1999-01-01"], "--until"),
    ]
    for extra, option in cases:
        refused = await cli(
            "people", "invite", "--email", "x@example.org", "--name", "X (invented)", *extra, database=database, data_dir=tmp_path
        )
        assert refused.exit_code == 2 and option in refused.output, (extra, refused.output)


async def test_a_sign_in_link_from_the_cli_signs_in_once_on_the_running_front_door(
    nats_url: str, database: str, namespace: str, tmp_path: Path
) -> None:
    settings = settings_for(nats_url, database, namespace)
    async with running_platform(settings, Settings().clock()) as platform:  # the CLI's clock
        address = await base_url(platform)
        invited = await cli("people", "invite", "--email", "scrutineer@example.org", "--name", "Alex Thornbury (invented)",
                            "--role", "scrutineer", database=database, data_dir=tmp_path, SCRUTINY_BASE_URL=address)
        assert invited.exit_code == 0, invited.output
        assert link_in(invited.output)[:2] == (address, "invitation")
        signing = await cli("people", "sign-in-link", "--email", "scrutineer@example.org",
                            database=database, data_dir=tmp_path, SCRUTINY_BASE_URL=address)
        assert signing.exit_code == 0, signing.output
        base, _, token = link_in(signing.output)
        assert base == address
        async with httpx.AsyncClient(base_url=address) as browser:
            first = await browser.get(f"/sign-in/link/{token}")
            assert first.status_code == 303 and first.headers["location"] == "/", first.text
            home = await browser.get("/")
            assert home.status_code == 200 and "Alex Thornbury (invented)" in home.text
        async with httpx.AsyncClient(base_url=address) as someone_else:
            used = await someone_else.get(f"/sign-in/link/{token}")
            assert used.status_code == 404 and "does not work" in used.text
            assert (await someone_else.get(f"/p/{PARTNERSHIP}")).status_code == 303  # to sign in


async def test_people_invited_before_the_platform_ran_stay_the_reporting_roles_to_write(database: str, tmp_path: Path) -> None:
    """Invited on a fresh database (tables made by the administrator), then the platform's
    roles are set up as `scrutiny up` does: the reporting service, as its role, can still
    make a link and record; and a command run after that acts as the role."""
    first = await cli("people", "invite", "--email", "bu@example.org", "--name", "Morgan Ellery (invented)", "--role", "business-unit",
                      database=database, data_dir=tmp_path)
    assert first.exit_code == 0, first.output
    urls = await db_roles.prepare(database)
    pool = await asyncpg.create_pool(urls["reporting"], min_size=1, max_size=2)
    try:
        clock = Settings().clock()
        accounts = Accounts(pool, RecordsStore(pool, clock), clock)
        account = await accounts.by_email("bu@example.org")
        assert account is not None
        assert await accounts.link(await accounts.sign_in_link(account.account_id), "sign-in") is not None
    finally:
        await pool.close()
    later = await cli("people", "invite", "--email", "board@example.org", "--name", "Jamie Halloway (invented)", "--role", "board-member",
                      database=database, data_dir=tmp_path)
    assert later.exit_code == 0, later.output
    conn = await asyncpg.connect(database)
    try:
        owners = await conn.fetch(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('reporting_people', 'reporting_records') AND c.relkind = 'r'"
        )
    finally:
        await conn.close()
    assert [r["owner"] for r in owners] == ["scrutiny_reporting"]


async def test_erasing_a_person_leaves_their_account_id_naming_no_one(database: str, tmp_path: Path) -> None:
    invited = await cli("people", "invite", "--profile", PARTNERSHIP, "--email", "gone@example.org", "--name", "Robin Leaving (invented)",
                        "--role", "board-member", database=database, data_dir=tmp_path)
    assert invited.exit_code == 0, invited.output
    erased = await cli("people", "erase", "--email", "gone@example.org", "--yes", database=database, data_dir=tmp_path)
    assert erased.exit_code == 0, erased.output
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        assert await pool.fetchval("SELECT count(*) FROM reporting_people.accounts WHERE email = 'gone@example.org'") == 0
        rows = await pool.fetch(
            "SELECT event_type, payload::text AS payload FROM reporting_records.events WHERE stream_id LIKE 'person:%' ORDER BY position"
        )
        erased_rows = [r for r in rows if r["event_type"] == "AccountErased"]
        assert len(erased_rows) == 1
        assert not any("Robin" in r["payload"] or "gone@example.org" in r["payload"] for r in rows)
    finally:
        await pool.close()
    again = await cli("people", "erase", "--email", "gone@example.org", "--yes", database=database, data_dir=tmp_path)
    assert again.exit_code == 1
