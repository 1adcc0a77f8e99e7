"""A person's sessions: the cookie's token kept as its SHA-256, the pending step of a
sign-in (the code still to give, the authenticator being set up, the directory's answer
awaited), the time-outs, signing in (a new token every time) and out (here, or everywhere).

Part of Accounts (adapters/people/accounts.py), which holds the tables and the history;
kept apart because a session is the web's own concern, not the person's record.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from services.reporting.adapters.people.tables import SCHEMA, digest, new_token

if TYPE_CHECKING:
    from services.reporting.adapters.people.accounts import Account


@dataclass(frozen=True)
class Session:
    token_hash: bytes
    account_id: str | None
    csrf: str
    signed_in: bool
    created_at: datetime
    seen_at: datetime
    pending: dict | None


class SessionRecords:
    """The sessions half of Accounts (it supplies _pool, _clock, record and _write)."""

    _pool: asyncpg.Pool
    _clock: Any

    async def new_session(self, account_id: str | None = None, pending: dict | None = None) -> str:
        token = new_token()
        now = self._clock.now()
        await self._pool.execute(
            f"INSERT INTO {SCHEMA}.sessions VALUES ($1, $2, $3, false, $4, $4, $5::jsonb)",
            digest(token), account_id, secrets.token_urlsafe(24), now, json.dumps(pending) if pending else None,
        )
        return token

    async def session(self, token: str, idle: timedelta, absolute: timedelta) -> Session | None:
        """The session of a cookie, still within its time-outs (touched); None otherwise."""
        now = self._clock.now()
        row = await self._pool.fetchrow(
            f"UPDATE {SCHEMA}.sessions SET seen_at = $2 WHERE token_hash = $1 AND seen_at > $3 AND created_at > $4 RETURNING *",
            digest(token), now, now - idle, now - absolute,
        )
        if row is None:
            return None
        pending = json.loads(row["pending"]) if row["pending"] else None
        return Session(row["token_hash"], row["account_id"], row["csrf"], row["signed_in"], row["created_at"], row["seen_at"], pending)

    async def set_pending(self, token: str, account_id: str | None, pending: dict | None) -> None:
        await self._pool.execute(
            f"UPDATE {SCHEMA}.sessions SET account_id = $2, pending = $3::jsonb WHERE token_hash = $1",
            digest(token), account_id, json.dumps(pending) if pending else None,
        )

    async def signed_in(self, old_token: str, account: Account, method: str, conn: asyncpg.Connection | None = None) -> str:
        """Both factors passed: a new session (a new cookie: the one used before sign-in is
        dropped, so a planted cookie never becomes a signed-in one) and the event."""
        from shared.catalogue.people import SignedIn

        token = new_token()
        now = self._clock.now()

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE token_hash = $1", digest(old_token))
            await conn.execute(
                f"INSERT INTO {SCHEMA}.sessions VALUES ($1, $2, $3, true, $4, $4, NULL)",
                digest(token), account.account_id, secrets.token_urlsafe(24), now,
            )
            await conn.execute(
                f"UPDATE {SCHEMA}.accounts SET failures = 0, locked_until = NULL WHERE account_id = $1", account.account_id
            )
            await self.record(conn, account.home_partnership, account.account_id, f"person:{account.account_id}",
                              [SignedIn(account_id=account.account_id, method=method)])

        if conn is not None:
            await work(conn)
        else:
            await self._write(work)
        return token

    async def sign_out(self, token: str) -> None:
        await self._pool.execute(f"DELETE FROM {SCHEMA}.sessions WHERE token_hash = $1", digest(token))

    async def sign_out_everywhere(self, account: Account) -> None:
        from shared.catalogue.people import SignedOutEverywhere

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE account_id = $1", account.account_id)
            await self.record(conn, account.home_partnership, account.account_id, f"person:{account.account_id}",
                              [SignedOutEverywhere(account_id=account.account_id)])

        await self._write(work)

