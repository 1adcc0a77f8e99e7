"""The front door's OpenID Connect client against a real provider process.

`tests/support/oidc_provider.py` runs `oidc-provider-mock` (a Flask OIDC provider from PyPI)
on a port of its own; these tests sign in on its authorization page as a browser would and
hand the redirect back to `OidcClient.finish`, so discovery, the code exchange, the RS256
signature against the provider's JWKS and the claim checks all run for real. The refusals a
person can meet -- a tampered state, a directory that says no, a provider that is down, an ID
token minted for another sign-in, a code used twice -- each end in an OidcError with a plain
message, never a raw exception.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from services.reporting.adapters.people.oidc import (
    DENIED,
    EXPIRED,
    NOT_VERIFIED,
    UNAVAILABLE,
    Identity,
    OidcClient,
    OidcError,
    OidcProvider,
    Started,
    providers_from_env,
)
from tests.support.oidc_provider import deny, free_port, oidc_issuer, sign_in

pytestmark = pytest.mark.integration

# Never requested: the tests carry the provider's redirect back to the client themselves.
REDIRECT_URI = "https://front-door.invalid/sign-in/callback"
SUBJECT = "a4c1e0f2-council-user-0001"
EMAIL = "jo.bloggs@northlincs.gov.uk"

issuer = pytest.fixture(scope="module")(oidc_issuer)


@pytest.fixture
async def client(issuer: str) -> AsyncIterator[OidcClient]:
    provider = OidcProvider(
        name="Council directory",
        issuer=issuer,
        client_id="scrutiny-front-door",
        client_secret="s3cret",
    )
    async with OidcClient(provider, REDIRECT_URI) as client:
        yield client


def _query(location: str) -> dict[str, str]:
    assert location.startswith(REDIRECT_URI + "?"), location
    return dict(parse_qsl(urlsplit(location).query))


async def test_a_full_sign_in_returns_the_subject_and_email_chosen_at_the_provider(
    client: OidcClient, issuer: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    started = await client.start()

    sent = parse_qs(urlsplit(started.url).query)
    assert started.url.startswith(f"{issuer}/")
    assert sent["response_type"] == ["code"]
    assert sent["redirect_uri"] == [REDIRECT_URI]
    assert sent["scope"] == ["openid email"]
    assert sent["state"] == [started.state]
    assert sent["nonce"] == [started.nonce]
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["code_challenge"] == [create_s256_code_challenge(started.code_verifier)]
    assert "code_verifier" not in sent

    back = _query(await sign_in(started.url, sub=SUBJECT, email=EMAIL))
    identity = await client.finish(started, back)

    assert identity == Identity(issuer=issuer, subject=SUBJECT, email=EMAIL)
    assert EMAIL not in repr(identity)
    assert started.code_verifier not in repr(started) and started.nonce not in repr(started)
    # Ours only: the test's own browser and the provider's sign-in page are not the front door.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("services."))
    assert EMAIL not in logged and back["code"] not in logged


async def test_each_sign_in_has_its_own_state_nonce_and_verifier(client: OidcClient) -> None:
    first, second = await client.start(), await client.start()
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert first.code_verifier != second.code_verifier
    assert 43 <= len(first.code_verifier) <= 128


async def test_a_tampered_state_is_refused(client: OidcClient) -> None:
    started = await client.start()
    back = _query(await sign_in(started.url, sub=SUBJECT))

    with pytest.raises(OidcError) as refused:
        await client.finish(
            started,
            {**back, "state": back["state"][:-1] + ("A" if back["state"][-1] != "A" else "B")},
        )
    assert refused.value.reason == "state_mismatch"
    assert str(refused.value) == EXPIRED

    with pytest.raises(OidcError):
        await client.finish(started, {"code": back["code"]})  # no state at all


async def test_the_directory_saying_no_is_refused(client: OidcClient) -> None:
    started = await client.start()
    back = _query(await deny(started.url))
    assert back["error"] == "access_denied"

    with pytest.raises(OidcError) as refused:
        await client.finish(started, back)
    assert refused.value.reason == "provider_error:access_denied"
    assert str(refused.value) == DENIED


async def test_a_provider_that_is_not_listening_gives_an_oidc_error() -> None:
    down = OidcProvider(
        name="Council directory",
        issuer=f"http://127.0.0.1:{free_port()}",
        client_id="x",
        client_secret=None,
    )
    async with OidcClient(down, REDIRECT_URI) as client:
        with pytest.raises(OidcError) as refused:
            await client.start()
        assert refused.value.reason.startswith("provider_unreachable:")
        assert str(refused.value) == UNAVAILABLE

        started = Started(url="", state="s" * 43, nonce="n" * 43, code_verifier="v" * 64)
        with pytest.raises(OidcError) as refused:
            await client.finish(started, {"code": "c", "state": started.state})
        assert refused.value.reason.startswith("provider_unreachable:")


async def test_an_id_token_for_another_sign_ins_nonce_is_refused(
    client: OidcClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.reporting.adapters.people.oidc")
    # The code of sign-in B, handed back with B's state but A's nonce kept: the ID token the
    # provider issues carries B's nonce, which does not match.
    first, second = await client.start(), await client.start()
    back = _query(await sign_in(second.url, sub=SUBJECT))

    with pytest.raises(OidcError) as refused:
        await client.finish(dataclasses.replace(second, nonce=first.nonce), back)
    assert refused.value.reason == "id_token_invalid:InvalidClaimError"
    assert str(refused.value) == NOT_VERIFIED
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("services."))
    assert "id_token_invalid" in logged
    assert first.nonce not in logged and second.nonce not in logged and back["code"] not in logged


async def test_a_code_used_twice_is_refused_the_second_time(client: OidcClient) -> None:
    started = await client.start()
    back = _query(await sign_in(started.url, sub=SUBJECT))
    assert (await client.finish(started, back)).subject == SUBJECT

    with pytest.raises(OidcError) as refused:
        await client.finish(started, back)
    assert refused.value.reason == "token_error:invalid_grant"
    assert str(refused.value) == EXPIRED


async def test_another_client_ids_sign_in_is_refused(issuer: str, client: OidcClient) -> None:
    # A code issued to this client cannot be spent by another client of the same provider.
    started = await client.start()
    back = _query(await sign_in(started.url, sub=SUBJECT))
    other = OidcProvider(
        name="Other", issuer=issuer, client_id="someone-else", client_secret="s3cret"
    )
    async with OidcClient(other, REDIRECT_URI) as stranger:
        with pytest.raises(OidcError) as refused:
            await stranger.finish(started, back)
    assert refused.value.reason == "token_error:invalid_grant"


def test_providers_from_env() -> None:
    assert providers_from_env({}) == []
    assert providers_from_env({"SCRUTINY_OIDC_ISSUER": ""}) == []
    (provider,) = providers_from_env(
        {
            "SCRUTINY_OIDC_ISSUER": "https://login.microsoftonline.com/tenant-id/v2.0",
            "SCRUTINY_OIDC_CLIENT_ID": "client",
            "SCRUTINY_OIDC_CLIENT_SECRET": "secret",
            "SCRUTINY_OIDC_NAME": "Council directory",
        }
    )
    assert provider == OidcProvider(
        name="Council directory",
        issuer="https://login.microsoftonline.com/tenant-id/v2.0",
        client_id="client",
        client_secret="secret",
    )
    assert "secret" not in repr(provider)
    (public,) = providers_from_env(
        {"SCRUTINY_OIDC_ISSUER": "https://idp.example", "SCRUTINY_OIDC_CLIENT_ID": "c"}
    )
    assert public.client_secret is None and public.name
    with pytest.raises(ValueError):
        providers_from_env({"SCRUTINY_OIDC_ISSUER": "https://idp.example"})
    with pytest.raises(ValueError):
        providers_from_env(
            {"SCRUTINY_OIDC_ISSUER": "http://idp.example", "SCRUTINY_OIDC_CLIENT_ID": "c"}
        )
