"""A real OpenID Connect provider for the sign-in tests, run as a process of its own.

The front door's OIDC client (services/reporting/adapters/people/oidc.py) is proven against a provider
server, not an object in the test's process: `oidc-provider-mock` from PyPI, a Flask
application on Authlib's authorization server, with discovery, JWKS, a token endpoint that
signs RS256 ID tokens, and an authorization page where a person types a subject (`sub`)
and presses Authorize or Deny. It accepts any client ID and secret, so no registration
step is needed. (It does not check PKCE: the client's S256 challenge is asserted on the
authorization URL instead.)

`oidc_provider()` starts it on a free port on 127.0.0.1 with the same interpreter, waits
until its discovery document answers (polled against a deadline) and yields its issuer URL;
`oidc_issuer` is the same as a generator for a pytest fixture. `sign_in` and `deny` do what
a browser does on the provider's page: open the authorization URL, submit the form, and
return the redirect back to the relying party's redirect URI, with its code (or error) and
state, without following it.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from shared.runtime.processes import free_port

STARTUP_TIMEOUT_SECONDS = 60.0
_ATTEMPTS = 3  # a free port taken by someone else between choosing it and binding it


@contextlib.contextmanager
def oidc_provider(*, startup_timeout: float = STARTUP_TIMEOUT_SECONDS) -> Iterator[str]:
    """Run the provider; yield its issuer (``http://127.0.0.1:<port>``); stop it afterwards."""
    with tempfile.TemporaryFile() as log:
        for attempt in range(1, _ATTEMPTS + 1):
            issuer = f"http://127.0.0.1:{free_port()}"
            process = _start(issuer, log)
            try:
                if _wait_until_serving(
                    process, issuer, log, startup_timeout, last_attempt=attempt == _ATTEMPTS
                ):
                    yield issuer
                    return
            finally:
                _stop(process)


def oidc_issuer() -> Iterator[str]:
    """Fixture body: ``provider = pytest.fixture(scope="module")(oidc_issuer)``."""
    with oidc_provider() as issuer:
        yield issuer


async def sign_in(authorization_url: str, *, sub: str, email: str | None = None) -> str:
    """Sign in on the provider's page as ``sub`` and return the URL it sends the browser back to.

    The provider gives a new subject the email address ``sub``; with ``email`` given, the
    subject's claims are set first through the provider's user endpoint (``PUT /users/<sub>``).
    """
    async with httpx.AsyncClient(timeout=30) as browser:
        await _open_authorization_page(browser, authorization_url)
        if email is not None:
            user = await browser.put(
                f"{_origin(authorization_url)}/users/{quote(sub, safe='')}", json={"email": email}
            )
            user.raise_for_status()
        return _redirect_back(await browser.post(authorization_url, data={"sub": sub}))


async def deny(authorization_url: str) -> str:
    """Press Deny on the provider's page; return the redirect back (with ``error=access_denied``)."""
    async with httpx.AsyncClient(timeout=30) as browser:
        await _open_authorization_page(browser, authorization_url)
        return _redirect_back(await browser.post(authorization_url, data={"action": "deny"}))


def _start(issuer: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    port = urlsplit(issuer).port
    command = [
        sys.executable,
        "-m",
        "oidc_provider_mock",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def _wait_until_serving(
    process: subprocess.Popen[bytes],
    issuer: str,
    log: IO[bytes],
    timeout: float,
    *,
    last_attempt: bool,
) -> bool:
    """True once the discovery document answers; False if the process exited early (port taken)
    and another attempt is left. Polls against a deadline, waiting on the process between polls."""
    deadline = time.monotonic() + timeout
    discovery = f"{issuer}/.well-known/openid-configuration"
    while True:
        if process.poll() is not None:
            if last_attempt:
                raise RuntimeError(
                    f"the OIDC provider exited with {process.returncode}:\n{_tail(log)}"
                )
            return False
        try:
            if httpx.get(discovery, timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"the OIDC provider did not answer at {discovery} within {timeout}s:\n{_tail(log)}"
            )
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(0.05)  # returns at once if it exits


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _tail(log: IO[bytes], size: int = 4000) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-size:]


async def _open_authorization_page(browser: httpx.AsyncClient, authorization_url: str) -> None:
    page = await browser.get(authorization_url)
    if page.status_code != 200 or 'name="sub"' not in page.text:
        raise AssertionError(
            f"no authorization form at the provider ({page.status_code}):\n{page.text[:2000]}"
        )


def _redirect_back(response: httpx.Response) -> str:
    if response.status_code not in (302, 303) or "location" not in response.headers:
        raise AssertionError(
            f"the provider did not redirect back ({response.status_code}):\n{response.text[:2000]}"
        )
    return response.headers["location"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
