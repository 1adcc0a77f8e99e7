"""OpenID Connect sign-in: the relying-party side of the authorization-code flow with PKCE.

Councils, the NHS and the police sign in to the front door with their own directory
(Microsoft Entra ID and the like), so the platform keeps no passwords of theirs. This module
is the whole conversation with such a directory: `OidcClient.start` reads the provider's
discovery document (`{issuer}/.well-known/openid-configuration`, kept after the first read)
and makes the URL to send the browser to, with a fresh `state`, `nonce` and PKCE S256
verifier that the app keeps server side in the pending sign-in; `OidcClient.finish` takes
the query the browser brings back, checks its `state`, exchanges the code (with the
verifier) at the token endpoint and validates the ID token: its signature against the
provider's published keys (JWKS, read again once when a token names a key not seen yet,
as after a key rotation), and its `iss`, `aud`, `exp`, `iat` and `nonce`.

The protocol pieces are Authlib's (authorization request, client authentication at the
token endpoint, PKCE challenge, ID token claims rules) with its JOSE library joserfc for
the signature; every call to the provider goes through one httpx client, which the app may
hand in (shared pool, its own timeouts) or which the client makes and closes itself.

The person is (issuer, subject): the `sub` claim is the directory's stable identifier,
while the email address may change or be reused and is only shown, never trusted as a key
(and not returned when the provider says it is unverified). Anything that goes wrong --
the state does not match, the directory refused, the token does not verify, the provider
does not answer -- raises `OidcError`, whose message is fit to show the person and whose
`reason` is a short code for the logs. Tokens and email addresses are never logged.

Over 300 lines: one conversation with one directory, each step checked where it happens
(discovery, the authorization request, the code exchange, the ID token's signature and
claims), so that a reviewer reads the whole of what is trusted in one place.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import secrets
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

log = logging.getLogger(__name__)

T = TypeVar("T")

SCOPE = "openid email"
# Signature algorithms with a public key in the JWKS: never "none", never a shared secret.
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
CLOCK_LEEWAY_SECONDS = 60
DEFAULT_TIMEOUT_SECONDS = 10.0

# What a person is shown when a sign-in does not succeed.
UNAVAILABLE = (
    "Your organisation's sign-in service could not be reached. Please try again in a few minutes."
)
EXPIRED = "This sign-in has expired or was already used. Please start signing in again."
DENIED = (
    "Your organisation's directory did not allow this sign-in. "
    "Please contact your IT service desk if this is unexpected."
)
PROVIDER_FAILED = (
    "Your organisation's directory could not sign you in. "
    "Please try again, or contact your IT service desk."
)
NOT_VERIFIED = "Your sign-in could not be verified. Please start signing in again."


class OidcError(Exception):
    """A sign-in that did not succeed. ``str(error)`` is a plain message to show the person;
    ``reason`` is a short code for the logs (no token, code or email address in it)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class OidcProvider:
    """One directory the front door offers sign-in with."""

    name: str  # shown on the sign-in page, e.g. "Council directory"
    issuer: str  # e.g. https://login.microsoftonline.com/<tenant>/v2.0
    client_id: str
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Started:
    """A sign-in sent to the provider: what the app keeps server side until the callback.
    All of it is secret to this one sign-in (the URL carries the state and nonce), so none
    of it is in the repr."""

    url: str = field(repr=False)  # where to send the browser
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class Identity:
    """Who signed in: (issuer, subject) identifies the person; the email is for display."""

    issuer: str
    subject: str
    email: str | None = field(repr=False)


def providers_from_env(env: Mapping[str, str]) -> list[OidcProvider]:
    """The provider configured by SCRUTINY_OIDC_ISSUER, SCRUTINY_OIDC_CLIENT_ID,
    SCRUTINY_OIDC_CLIENT_SECRET (absent for a public client) and SCRUTINY_OIDC_NAME; an
    empty list when no issuer is set. A half-made configuration raises ValueError at
    start-up rather than failing at someone's first sign-in."""
    issuer = env.get("SCRUTINY_OIDC_ISSUER", "").strip()
    if not issuer:
        return []
    client_id = env.get("SCRUTINY_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        raise ValueError("SCRUTINY_OIDC_ISSUER is set but SCRUTINY_OIDC_CLIENT_ID is not")
    if not _secure_or_loopback(issuer):
        raise ValueError(
            "SCRUTINY_OIDC_ISSUER must be an https URL (plain http only on this machine's loopback)"
        )
    return [
        OidcProvider(
            name=env.get("SCRUTINY_OIDC_NAME", "").strip() or "Your organisation's directory",
            issuer=issuer,
            client_id=client_id,
            client_secret=env.get("SCRUTINY_OIDC_CLIENT_SECRET") or None,
        )
    ]


class OidcClient:
    """The front door's client of one provider. One instance serves every sign-in with that
    provider: it keeps the discovery document and the provider's keys, nothing per person."""

    def __init__(
        self, provider: OidcProvider, redirect_uri: str, *, http: httpx.AsyncClient | None = None
    ) -> None:
        self.provider = provider
        self.redirect_uri = redirect_uri
        self._own_http = http is None
        self._http = (
            http if http is not None else httpx.AsyncClient(timeout=DEFAULT_TIMEOUT_SECONDS)
        )
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    async def aclose(self) -> None:
        """Close the HTTP client if this instance made it (one handed in is the caller's)."""
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> OidcClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self) -> Started:
        """Make the authorization URL for a new sign-in, with its state, nonce and PKCE verifier."""
        metadata = await self._guarded(self._discover())
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        # 64 characters of [A-Za-z0-9_-] (RFC 7636 allows 43 to 128)
        code_verifier = secrets.token_urlsafe(48)
        url = prepare_grant_uri(
            metadata["authorization_endpoint"],
            client_id=self.provider.client_id,
            response_type="code",
            redirect_uri=self.redirect_uri,
            scope=SCOPE,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )
        return Started(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    async def finish(self, started: Started, query: Mapping[str, str]) -> Identity:
        """Complete the sign-in from the query of the browser's return to the redirect URI."""
        return await self._guarded(self._finish(started, query))

    async def _finish(self, started: Started, query: Mapping[str, str]) -> Identity:
        # The provider's own refusal first: nothing is exchanged after it, so whatever the
        # state says, the sign-in ends here (some providers leave the state off errors).
        if "error" in query:
            code = _short_code(query["error"])
            raise OidcError(
                DENIED if code == "access_denied" else PROVIDER_FAILED,
                reason=f"provider_error:{code}",
            )
        state = query.get("state", "")
        if not state or not hmac.compare_digest(state.encode(), started.state.encode()):
            raise OidcError(EXPIRED, reason="state_mismatch")
        metadata = await self._discover()
        # RFC 9207: a provider that names itself in the response must be the one we asked.
        if "iss" in query and query["iss"] != metadata["issuer"]:
            raise OidcError(NOT_VERIFIED, reason="response_issuer_mismatch")
        code = query.get("code", "")
        if not code:
            raise OidcError(PROVIDER_FAILED, reason="no_code")
        tokens = await self._exchange(metadata, code, started.code_verifier)
        claims = await self._validate_id_token(metadata, tokens, started.nonce)
        email = claims.get("email")
        if not isinstance(email, str) or not email or claims.get("email_verified") is False:
            email = None
        return Identity(issuer=claims["iss"], subject=claims["sub"], email=email)

    async def _guarded(self, work: Awaitable[T]) -> T:
        """Await `work`, turning the provider's silence or nonsense into an OidcError, and log
        the refusal by its reason. The cause stays chained for a debugger; only its type goes
        into the reason (an exception's text may quote what the provider sent)."""
        try:
            try:
                return await work
            except OidcError:
                raise
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                reason = f"provider_unreachable:{type(exc).__name__}"
                raise OidcError(UNAVAILABLE, reason=reason) from exc
            except Exception as exc:  # anything else the provider's answers lead to: no sign-in
                reason = f"unexpected:{type(exc).__name__}"
                raise OidcError(PROVIDER_FAILED, reason=reason) from exc
        except OidcError as error:
            log.info("sign-in with %s refused: %s", self.provider.name, error.reason)
            raise

    async def _discover(self) -> dict[str, Any]:
        if self._metadata is not None:
            return self._metadata
        issuer = self.provider.issuer
        if not _secure_or_loopback(issuer):
            raise OidcError(UNAVAILABLE, reason="issuer_not_https")
        metadata = await self._get_json(
            issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery"
        )
        # OpenID Connect Discovery 4.3: the document must name the issuer it was read from
        # (and the ID token's `iss` is then checked against exactly what it names).
        named = metadata.get("issuer")
        if not isinstance(named, str) or named.rstrip("/") != issuer.rstrip("/"):
            raise OidcError(UNAVAILABLE, reason="discovery_issuer_mismatch")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = metadata.get(endpoint)
            if not isinstance(value, str) or not _secure_or_loopback(value):
                raise OidcError(UNAVAILABLE, reason=f"discovery_bad_{endpoint}")
        self._metadata = metadata
        return metadata

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        response = await self._http.get(url, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise OidcError(UNAVAILABLE, reason=f"{what}_http_{response.status_code}")
        try:
            document = response.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise OidcError(UNAVAILABLE, reason=f"{what}_not_json")
        return document

    async def _exchange(
        self, metadata: Mapping[str, Any], code: str, code_verifier: str
    ) -> dict[str, Any]:
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=code_verifier,
        )
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        auth = ClientAuth(
            self.provider.client_id, self.provider.client_secret, self._auth_method(metadata)
        )
        url, headers, body = auth.prepare("POST", metadata["token_endpoint"], headers, body)
        response = await self._http.post(url, content=body, headers=headers)
        try:
            tokens = response.json()
        except ValueError:
            tokens = None
        if not isinstance(tokens, dict):
            raise OidcError(UNAVAILABLE, reason=f"token_http_{response.status_code}")
        if response.status_code != 200 or "error" in tokens:
            # invalid_grant: the code was used already or has expired, and starting again helps;
            # anything else (invalid_client: a wrong secret) is for the service desk.
            error = _short_code(tokens.get("error"))
            message = EXPIRED if error == "invalid_grant" else PROVIDER_FAILED
            raise OidcError(message, reason=f"token_error:{error}")
        if not isinstance(tokens.get("id_token"), str):
            raise OidcError(NOT_VERIFIED, reason="no_id_token")
        return tokens

    def _auth_method(self, metadata: Mapping[str, Any]) -> str:
        if not self.provider.client_secret:
            return "none"  # a public client: PKCE alone binds the code to this sign-in
        supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in supported and "client_secret_post" in supported:
            return "client_secret_post"
        return "client_secret_basic"

    async def _validate_id_token(
        self, metadata: Mapping[str, Any], tokens: Mapping[str, Any], nonce: str
    ) -> CodeIDToken:
        advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in advertised if alg in ASYMMETRIC_ALGORITHMS]
        if not algorithms:
            raise OidcError(NOT_VERIFIED, reason="no_asymmetric_signing_algorithm")
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                token = jwt.decode(
                    tokens["id_token"], await self._signing_keys(metadata), registry=registry
                )
            except InvalidKeyIdError:  # a key not seen yet: the provider may have rotated its keys
                token = jwt.decode(
                    tokens["id_token"],
                    await self._signing_keys(metadata, refresh=True),
                    registry=registry,
                )
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.provider.client_id},
                },
                {
                    "nonce": nonce,
                    "client_id": self.provider.client_id,
                    "access_token": tokens.get("access_token"),
                },
            )
            claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
        except JoseError as exc:
            raise OidcError(NOT_VERIFIED, reason=f"id_token_invalid:{type(exc).__name__}") from exc
        except (ValueError, TypeError, KeyError) as exc:  # not a JWT at all
            raise OidcError(
                NOT_VERIFIED, reason=f"id_token_malformed:{type(exc).__name__}"
            ) from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OidcError(NOT_VERIFIED, reason="id_token_no_subject")
        return claims

    async def _signing_keys(self, metadata: Mapping[str, Any], *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document = await self._get_json(metadata["jwks_uri"], "jwks")
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise OidcError(UNAVAILABLE, reason="jwks_malformed") from exc
        return self._keys


def _secure_or_loopback(url: str) -> bool:
    """https, or plain http to this machine only (a test or development provider)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _short_code(value: object) -> str:
    """An OAuth error code fit for a log line: its own characters only, never free text."""
    text = value if isinstance(value, str) else ""
    return re.sub(r"[^a-z0-9_]", "", text.lower())[:40] or "unknown"
