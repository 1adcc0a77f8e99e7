"""A command sent on behalf of a signed-in person: the `Scrutiny-Person` header.

The web front door sends the same commands on the same subjects as everyone else; a
request it sends for a person carries `Scrutiny-Person: {account_id}.{hmac}`, where the
hmac is HMAC-SHA256 (hex) under the installation's secret (`keys.platform_secrets`,
name `people`, readable by the platform's roles alone) over the account id, the subject
and the SHA-256 of the body. The gateway records `person:{account_id}` as the actor of
what such a request causes (never a name), and refuses a header that does not verify:
an agency, which cannot read the secret, can neither make one nor move a header it saw
to another subject or another payload (docs/security.md).
"""

import hashlib
import hmac
import re
from collections.abc import Mapping

import asyncpg

from shared.personal_data import SCHEMA as KEYS

PERSON_HEADER = "Scrutiny-Person"
SECRET_NAME = "people"  # its row in keys.platform_secrets

_ACCOUNT = re.compile(r"[A-Za-z0-9-]{1,64}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def person_actor(account_id: str) -> str:
    """The actor recorded on every event a person causes."""
    return f"person:{account_id}"


def _mac(secret: bytes, account_id: str, subject: str, body: bytes) -> str:
    signed = f"{account_id}\x1f{subject}\x1f{hashlib.sha256(body).hexdigest()}".encode()
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def sign(secret: bytes, account_id: str, subject: str, body: bytes) -> str:
    """The header value naming `account_id` as the sender of `body` on `subject`."""
    if not secret:
        raise ValueError("no secret to sign with")
    if not _ACCOUNT.fullmatch(account_id):
        raise ValueError("an account id is 1-64 of A-Z, a-z, 0-9 and '-'")
    return f"{account_id}.{_mac(secret, account_id, subject, body)}"


def verify(secret: bytes, header: str, subject: str, body: bytes) -> str | None:
    """The account id the header names, if it was signed with `secret` for this subject
    and this body; else None."""
    if not secret or not isinstance(header, str) or not header.isascii():
        return None
    account_id, dot, given = header.partition(".")
    if not dot or not _ACCOUNT.fullmatch(account_id) or not _DIGEST.fullmatch(given):
        return None
    if not hmac.compare_digest(_mac(secret, account_id, subject, body), given):
        return None
    return account_id


def person_header(headers: Mapping[str, str] | None) -> str | None:
    """The `Scrutiny-Person` header's value, whatever the case of its name (a variant
    spelling is a claim too, and is verified like one), or None without one."""
    for name, value in (headers or {}).items():
        if name.lower() == PERSON_HEADER.lower():
            return value
    return None


async def person_secret(pool: asyncpg.Pool) -> bytes:
    """The installation's secret for person headers, made at random the first time.

    The key tables must exist (`shared.personal_data.ensure_schema`, or the roles' set-up)."""
    await pool.execute(f"INSERT INTO {KEYS}.platform_secrets (name) VALUES ('{SECRET_NAME}') ON CONFLICT DO NOTHING")
    secret = await pool.fetchval(f"SELECT secret FROM {KEYS}.platform_secrets WHERE name = '{SECRET_NAME}'")
    if secret is None:
        raise LookupError(f"{KEYS}.platform_secrets holds no '{SECRET_NAME}' secret")
    return secret.bytes
