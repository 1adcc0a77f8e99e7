"""Signing in with an organisation's directory (OpenID Connect), through the front door,
against a real provider process: an invitation accepted with the directory, the
authenticator set up, then a later sign-in by the directory and a code."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from services.reporting.domain.people.policy import Grant
from shared.clock import ManualClock
from shared.roles import Role
from tests.support.oidc_provider import free_port, oidc_provider, sign_in
from tests.support.people import KnownPerson, accounts_of, csrf_of
from tests.support.platform import PARTNERSHIP, RunningPlatform, running_platform
from tests.support.platform import test_settings as settings_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as running:
        yield running


@pytest.fixture
async def directory_platform(
    nats_url: str, database: str, namespace: str, clock: ManualClock, issuer: str
) -> AsyncIterator[RunningPlatform]:
    port = free_port()
    settings = settings_for(nats_url, database, namespace).model_copy(update={
        "dashboard_port": port, "base_url": f"http://127.0.0.1:{port}",
        "oidc_issuer": issuer, "oidc_client_id": "scrutiny-test", "oidc_client_secret": "not-a-secret",
        "oidc_name": "Council directory",
    })
    async with running_platform(settings, clock) as running:
        yield running


async def _back(client: httpx.AsyncClient, started: httpx.Response, sub: str) -> httpx.Response:
    assert started.status_code == 303
    returned = await sign_in(started.headers["location"], sub=sub, email=f"{sub}@example.org")
    parts = urlsplit(returned)
    return await client.get(f"{parts.path}?{parts.query}")


async def test_an_invitation_accepted_with_the_directory_then_signing_in_by_it(directory_platform: RunningPlatform) -> None:
    platform = directory_platform
    accounts = accounts_of(platform)
    token = await accounts.invite(
        PARTNERSHIP, "lead@example.org", "Test lead", Grant(PARTNERSHIP, Role.AGENCY_LEAD, "humberside-police"), "business-unit"
    )
    now = platform.clock.now().timestamp()
    async with httpx.AsyncClient(base_url=platform.settings.base_url, timeout=30) as client:
        invitation = await client.get(f"/invitation/{token}")
        assert "Sign in with Council directory" in invitation.text
        started = await client.post("/sign-in/directory", data={"csrf": csrf_of(invitation.text), "invitation": token})
        back = await _back(client, started, "lead-1")
        assert back.headers["location"] == "/sign-in/code"
        enrol = await client.get("/sign-in/code")
        secret = re.search(r'id="setup-key">([A-Z2-7 ]+)<', enrol.text).group(1).replace(" ", "")
        person = KnownPerson("", "lead@example.org", secret)
        done = await client.post("/sign-in/code", data={"csrf": csrf_of(enrol.text), "code": person.code(now)})
        assert done.status_code == 303
        assert (await client.get(f"/p/{PARTNERSHIP}/agency/humberside-police")).status_code == 200
        assert await accounts.link(token, "invitation") is None  # used

    platform.clock.advance(timedelta(seconds=60))  # the next code's time step
    async with httpx.AsyncClient(base_url=platform.settings.base_url, timeout=30) as client:
        page = await client.get("/sign-in")
        started = await client.post("/sign-in/directory", data={"csrf": csrf_of(page.text), "next": "/"})
        back = await _back(client, started, "lead-1")
        assert back.headers["location"] == "/sign-in/code"
        code_page = await client.get("/sign-in/code")
        done = await client.post(
            "/sign-in/code", data={"csrf": csrf_of(code_page.text), "code": person.code(platform.clock.now().timestamp())}
        )
        assert done.status_code == 303
        assert (await client.get("/")).status_code == 200

    # another subject of the same directory has no account here
    async with httpx.AsyncClient(base_url=platform.settings.base_url, timeout=30) as client:
        page = await client.get("/sign-in")
        other = await _back(client, await client.post("/sign-in/directory", data={"csrf": csrf_of(page.text)}), "stranger")
        assert other.status_code == 403 and "not linked" in other.text
