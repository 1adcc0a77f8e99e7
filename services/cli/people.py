"""`scrutiny people invite|sign-in-link|list|remove`: the people who sign in to the front door.

What the business unit does on the front door's People page, from this machine's command
line: for the first business-unit person of a new installation (nobody can sign in yet to
invite them), and for an operator helping someone. An invitation link lets its person set
a password and an authenticator (one use, 7 days); a sign-in link signs them straight in
(one use, 15 minutes) and is for someone the operator can vouch for. Both are printed once
and kept only as their SHA-256. The history records the actor as `operator:cli`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.cli.common import database, settings_for
from services.platform.people import (
    CLI_ACTOR,
    GrantRefused,
    front_door,
    grant_for,
    grant_label,
    link,
    opened_accounts,
    scope_for,
)
from services.reporting.adapters.people.accounts import (
    INVITATION_LASTS,
    SIGN_IN_LINK_LASTS,
    Accounts,
)
from services.reporting.domain.people.policy import Grant
from shared import london
from shared.config import Settings
from shared.profiles.errors import ProfileError
from shared.profiles.schema import FrameworkProfile
from shared.roles import Role
from shared.runtime.host import load_partnerships

app = typer.Typer(
    help="People who sign in to the front door: invite them, give a one-time sign-in link, list, remove a role",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)  # a link is never wrapped

Profile = Annotated[str | None, typer.Option(help="The partnership's framework profile (id or file); default the installation's first")]
Email = Annotated[str, typer.Option(help="The person's email address (their sign-in name)")]
RoleOption = Annotated[Role, typer.Option(help="The role in the partnership", case_sensitive=False)]
Agency = Annotated[str | None, typer.Option(help="An agency lead's agency (its id in the profile)")]
Partner = Annotated[str | None, typer.Option(help="A partner's statutory partner (its id in the profile)")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="The platform's data directory (default .scrutiny)")]

T = TypeVar("T")


def _with_accounts(settings: Settings, work: Callable[[Accounts], Awaitable[T]]) -> T:
    async def run() -> T:
        async with database(settings, acting_as="reporting") as pool, opened_accounts(pool, settings.clock()) as accounts:
            return await work(accounts)

    return asyncio.run(run())


def _profile(name: str | None, settings: Settings) -> FrameworkProfile:
    chosen = name or settings.profiles[0]
    try:
        return next(iter(load_partnerships([chosen]).values()))
    except (ProfileError, FileNotFoundError, KeyError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--profile") from None


def _email(value: str) -> str:
    email = value.strip().lower()
    if "@" not in email or " " in email or len(email) > 254:
        raise typer.BadParameter(f"{value!r} is not an email address, like name@example.org", param_hint="--email")
    return email


def _print_link(settings: Settings, what: str, path: str) -> None:
    base = front_door(settings)
    console.print(f"{what}: {escape(link(base, path))}")
    if base is None:
        console.print(
            "That is a path: put the front door's address in front of it (https://HOST/…). "
            "No platform is running from this data directory and SCRUTINY_BASE_URL is not set."
        )


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{escape(message)}[/]")
    return typer.Exit(1)


@app.command()
def invite(
    email: Email,
    name: Annotated[str, typer.Option(help="The person's name, as the front door greets them")],
    role: RoleOption,
    profile: Profile = None,
    agency: Agency = None,
    partner: Partner = None,
    until: Annotated[str | None, typer.Option(help="Last day of access, YYYY-MM-DD (an inspector's is required)")] = None,
    data_dir: DataDir = None,
) -> None:
    """Invite a person to a role in a partnership; prints their invitation link (one use, 7 days)."""
    settings = settings_for(data_dir)
    framework = _profile(profile, settings)
    address = _email(email)
    if not name.strip():
        raise typer.BadParameter("enter the person's name", param_hint="--name")
    last_day = None
    if until is not None:
        try:
            last_day = date.fromisoformat(until)
        except ValueError:
            raise typer.BadParameter(f"{until!r} is not a date (YYYY-MM-DD)", param_hint="--until") from None
        if last_day < london.today(settings.clock()):
            raise typer.BadParameter(f"{until} has passed", param_hint="--until")
    try:
        grant = grant_for(framework, role, agency=agency, partner=partner, until=last_day)
    except GrantRefused as refused:
        raise typer.BadParameter(str(refused), param_hint=refused.option) from None

    token = _with_accounts(settings, lambda accounts: accounts.invite(framework.id, address, name, grant, CLI_ACTOR))
    if token is None:
        console.print(
            f"{escape(address)} already signs in: the role {escape(grant_label(framework, grant))} of {framework.name} is theirs now."
        )
        return
    console.print(f"Invited {escape(name.strip())} ({escape(address)}) to {framework.name} as {escape(grant_label(framework, grant))}.")
    _print_link(settings, f"Invitation link (one use, {INVITATION_LASTS.days} days)", f"/invitation/{token}")
    console.print("Give it to them by a route only they read: whoever opens it first sets the password and authenticator.")


@app.command("sign-in-link")
def sign_in_link(email: Email, data_dir: DataDir = None) -> None:
    """A link that signs the person in at once (one use, 15 minutes): for someone you can vouch for."""
    settings = settings_for(data_dir)
    address = _email(email)

    async def work(accounts: Accounts) -> str | None:
        account = await accounts.by_email(address)
        if account is None:
            raise _fail(f"No one signs in as {address}: invite them first (scrutiny people invite).")
        person = await accounts.person(account.account_id)
        if person is None or not person.partnerships(london.today(settings.clock())):
            raise _fail(f"{address} holds no role now (removed, or their access ended): invite them to one first.")
        return await accounts.sign_in_link(account.account_id)

    token = _with_accounts(settings, work)
    minutes = int(SIGN_IN_LINK_LASTS.total_seconds() // 60)
    _print_link(settings, f"Sign-in link for {escape(address)} (one use, {minutes} minutes)", f"/sign-in/link/{token}")


@app.command("list")
def list_(profile: Profile = None, data_dir: DataDir = None) -> None:
    """The people of a partnership: their names, addresses and roles (no secrets)."""
    settings = settings_for(data_dir)
    framework = _profile(profile, settings)
    people = _with_accounts(settings, lambda accounts: accounts.people_in(framework.id))
    table = Table("name", "email", "roles", "sign-in", title=framework.name)
    for account, grants in people:
        roles = "\n".join(grant_label(framework, g) for g in grants)
        table.add_row(escape(account.name), escape(account.email), escape(roles), "set up" if account.active else "invited")
    console.print(table)
    console.print(f"{len(people)} {'person' if len(people) == 1 else 'people'}")


@app.command()
def remove(
    email: Email,
    role: RoleOption,
    profile: Profile = None,
    agency: Agency = None,
    partner: Partner = None,
    data_dir: DataDir = None,
) -> None:
    """Take a role away from a person (their sessions end when it was their last)."""
    settings = settings_for(data_dir)
    framework = _profile(profile, settings)
    address = _email(email)
    try:
        grant = Grant(framework.id, role, scope_for(framework, role, agency=agency, partner=partner))
    except GrantRefused as refused:
        raise typer.BadParameter(str(refused), param_hint=refused.option) from None

    async def work(accounts: Accounts) -> bool:
        account = await accounts.by_email(address)
        if account is None:
            raise _fail(f"No one signs in as {address}.")
        return await accounts.remove(account.account_id, grant, CLI_ACTOR)

    if not _with_accounts(settings, work):
        raise _fail(f"{address} does not hold {grant_label(framework, grant)} in {framework.id}.")
    console.print(f"Removed {escape(grant_label(framework, grant))} in {framework.id} from {escape(address)}.")


@app.command()
def erase(email: Email, data_dir: DataDir = None,
          yes: Annotated[bool, typer.Option("--yes", help="Do it without asking")] = False) -> None:
    """Erase a person: their name, address and credentials are deleted, every role and
    session ends; the history keeps only their account id."""
    settings = settings_for(data_dir)
    address = _email(email)
    if not yes:
        typer.confirm(f"Erase {address}? Their name, address and sign-in are deleted for good", abort=True)

    async def work(accounts: Accounts) -> str:
        account = await accounts.by_email(address)
        if account is None:
            raise _fail(f"No one signs in as {address}.")
        await accounts.erase(account, CLI_ACTOR)
        return account.account_id

    account_id = _with_accounts(settings, work)
    console.print(f"Erased {escape(address)}: account {account_id} now names no one.")
