"""People of the front door from this machine: what `scrutiny people` and the demo share.

Both act on the reporting service's accounts (services/reporting/adapters/people/) with
the database in hand, as the front door's own People page does over HTTP: they may run
before the platform ever started, so the accounts' tables and the records store are made
if missing. A grant is checked against the partnership's profile here (an agency lead's
agency, a partner's statutory partner, an inspector's last day) so that both refuse the
same mistakes. Links are whole when the front door's address is known (settings.base_url,
else the running platform's, recorded in data_dir/runtime.json), else a path.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date

import asyncpg

from services.platform.servers import running_platform
from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.records_store import RecordsStore
from services.reporting.domain.people.policy import Grant
from shared.clock import Clock
from shared.config import Settings
from shared.profiles.schema import FrameworkProfile
from shared.roles import SCOPED, Role

# Who the person's history records as having acted: an operator at this machine's command
# line (the front door records `person:{account_id}`; neither names anyone).
CLI_ACTOR = "operator:cli"


class GrantRefused(ValueError):
    """A grant the partnership's profile does not allow; `option` is the one to correct."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@contextlib.asynccontextmanager
async def opened_accounts(pool: asyncpg.Pool, clock: Clock) -> AsyncIterator[Accounts]:
    """The accounts on this database, their tables and the records store made if missing."""
    store = RecordsStore(pool, clock)
    await store.create_schema()
    accounts = Accounts(pool, store, clock)
    await accounts.setup()
    try:
        yield accounts
    finally:
        await store.close()


def scope_for(profile: FrameworkProfile, role: Role, *, agency: str | None = None, partner: str | None = None) -> str | None:
    """The grant's scope: an agency lead's agency, a partner's statutory partner, else None;
    GrantRefused when it is missing, unknown to the profile, or given to another role."""
    if agency and role is not Role.AGENCY_LEAD:
        raise GrantRefused("--agency", "only an agency lead has an agency")
    if partner and role is not Role.PARTNER:
        raise GrantRefused("--partner", "only a partner has a statutory partner")
    agencies = {a.id for a in profile.agencies}
    partners = {p.id for p in profile.statutory_partners}
    if role is Role.AGENCY_LEAD and agency not in agencies:
        known = ", ".join(sorted(agencies))
        raise GrantRefused("--agency", f"an agency lead needs the id of one of {profile.id}'s agencies ({known})")
    if role is Role.PARTNER and partner not in partners:
        known = ", ".join(sorted(partners))
        raise GrantRefused("--partner", f"a partner needs the id of one of {profile.id}'s statutory partners ({known})")
    scope = agency if role is Role.AGENCY_LEAD else partner if role is Role.PARTNER else None
    assert (role in SCOPED) == bool(scope)
    return scope


def grant_for(profile: FrameworkProfile, role: Role, *, agency: str | None = None, partner: str | None = None,
              until: date | None = None) -> Grant:
    """The grant of `role` in the profile's partnership, or GrantRefused saying what is wrong."""
    scope = scope_for(profile, role, agency=agency, partner=partner)
    if role is Role.INSPECTOR and until is None:
        raise GrantRefused("--until", "an inspector's access needs its last day (YYYY-MM-DD)")
    return Grant(profile.id, role, scope, until)


def grant_label(profile: FrameworkProfile, grant: Grant) -> str:
    """`Agency lead: Humberside Police`, `Inspector until 5 January 2027`, `Business unit`."""
    names = {a.id: a.name for a in profile.agencies} | {p.id: p.name for p in profile.statutory_partners}
    label = grant.role.label + (f": {names.get(grant.scope, grant.scope)}" if grant.scope else "")
    return label + (f" until {grant.until.day} {grant.until:%B %Y}" if grant.until else "")


def front_door(settings: Settings) -> str | None:
    """The front door's address as people reach it, when this machine can know it."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    return (running_platform(settings) or {}).get("front_door")


def link(base: str | None, path: str) -> str:
    return f"{base}{path}" if base else path


async def ensure_person(accounts: Accounts, profile: FrameworkProfile, email: str, name: str, grant: Grant,
                        actor: str) -> str:
    """The account of `email` holding `grant` (invited if new, granted if it lacks it):
    nothing is recorded when it already holds it, so doing it again changes nothing."""
    account = await accounts.by_email(email)
    if account is None:
        await accounts.invite(profile.id, email, name, grant, actor)
        account = await accounts.by_email(email)
        assert account is not None
        return account.account_id
    person = await accounts.person(account.account_id)
    if person is None or grant not in person.grants:
        await accounts.grant(account.account_id, grant, actor)
    return account.account_id
