"""The tables of people (schema `reporting_people`), and how their secrets are kept: links
and session cookies as their SHA-256 only, so a copy of the tables opens nothing."""

import hashlib
import secrets

SCHEMA = "reporting_people"
STREAM = "person"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.accounts (
    account_id text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    home_partnership text NOT NULL,
    password_hash text,
    totp_secret text,
    totp_last_step bigint NOT NULL DEFAULT 0,
    oidc_issuer text,
    oidc_subject text,
    failures integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (oidc_issuer, oidc_subject));
CREATE TABLE IF NOT EXISTS {SCHEMA}.grants (
    account_id text NOT NULL REFERENCES {SCHEMA}.accounts ON DELETE CASCADE,
    partnership_id text NOT NULL,
    role text NOT NULL,
    scope text NOT NULL DEFAULT '',
    until date,
    PRIMARY KEY (account_id, partnership_id, role, scope));
CREATE TABLE IF NOT EXISTS {SCHEMA}.links (
    token_hash bytea PRIMARY KEY,
    account_id text NOT NULL REFERENCES {SCHEMA}.accounts ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('invitation', 'sign-in')),
    expires_at timestamptz NOT NULL,
    used_at timestamptz);
CREATE TABLE IF NOT EXISTS {SCHEMA}.sessions (
    token_hash bytea PRIMARY KEY,
    account_id text REFERENCES {SCHEMA}.accounts ON DELETE CASCADE,
    csrf text NOT NULL,
    signed_in boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL,
    pending jsonb);
CREATE INDEX IF NOT EXISTS sessions_account ON {SCHEMA}.sessions (account_id);
"""


def digest(token: str) -> bytes:
    """Links and session cookies are kept as their SHA-256: a copy of the table opens nothing."""
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return secrets.token_urlsafe(32)
