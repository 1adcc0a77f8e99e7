"""People of a running platform for tests: an account with grants, signed in over HTTP.

An account is invited as the business unit would (the front door's own Accounts), made
active with a password and an authenticator secret the test knows, and signed in either
through the real forms (password, then a TOTP code computed here) or with a one-time
sign-in link, as `scrutiny people sign-in-link` gives an operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import uuid4

import httpx
import pyotp

from services.reporting.adapters.people.accounts import SCHEMA, Accounts
from services.reporting.domain.people.policy import Grant
from services.reporting.entrypoints.web.signin import HASHER
from shared.roles import Role
from shared.waiting import eventually
from tests.support.platform import PARTNERSHIP, RunningPlatform

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class KnownPerson:
    account_id: str
    email: str
    secret: str

    def code(self, at: float | None = None) -> str:
        totp = pyotp.TOTP(self.secret)
        return totp.at(at) if at is not None else totp.now()


def accounts_of(platform: RunningPlatform) -> Accounts:
    return platform.wired["reporting"].accounts


async def base_url(platform: RunningPlatform) -> str:
    server = platform.wired["reporting"].server
    await eventually(lambda: server.started, what="the front door to listen")
    return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


async def make_person(platform: RunningPlatform, role: Role, scope: str | None = None, *,
                      partnership: str = PARTNERSHIP, until=None, name: str | None = None) -> KnownPerson:  # noqa: ANN001
    """An active account (password PASSWORD, a known TOTP secret) holding one role."""
    accounts = accounts_of(platform)
    email = f"{role.value}-{uuid4().hex[:8]}@example.org"
    await accounts.invite(partnership, email, name or f"Test {role.label}", Grant(partnership, role, scope, until), "business-unit")
    account = await accounts.by_email(email)
    assert account is not None
    secret = pyotp.random_base32()
    await platform.pool.execute(
        f"UPDATE {SCHEMA}.accounts SET password_hash = $2, totp_secret = $3 WHERE account_id = $1",
        account.account_id, HASHER.hash(PASSWORD), secret,
    )
    return KnownPerson(account.account_id, email, secret)


async def client_for(platform: RunningPlatform, person: KnownPerson) -> httpx.AsyncClient:
    """An HTTP client signed in as the person (a one-time link, as an operator would give)."""
    accounts = accounts_of(platform)
    client = httpx.AsyncClient(base_url=await base_url(platform), timeout=30)
    token = await accounts.sign_in_link(person.account_id)
    response = await client.get(f"/sign-in/link/{token}")
    assert response.status_code == 303, response.text
    return client


async def signed_in_headers(platform: RunningPlatform, role: Role = Role.BUSINESS_UNIT, scope: str | None = None, *,
                            partnership: str = PARTNERSHIP) -> dict[str, str]:
    """A Cookie header of a fresh session of a person holding `role` (for urllib-based tests)."""
    person = await make_person(platform, role, scope, partnership=partnership)
    client = await client_for(platform, person)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    await client.aclose()
    return {"Cookie": cookie}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)
