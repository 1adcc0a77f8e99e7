"""People's accounts, grants, invitations and sessions (schema `reporting_people`).

The tables hold what changes and what must be erasable: a person's name and email
address, their password's argon2 hash, their authenticator's secret, their sessions.
Every fact worth a history (invited, accepted, granted, removed, signed in, failed,
locked, signed out everywhere) is also appended, in the same transaction, to the
reporting service's store as a `person:{partnership}:{account_id}` event naming only
the account id, so the history outlives an erasure and names no one.

Over 300 lines by a little: every write of a person's record (an invitation, a grant, a
removal, a failure, a lock-out, an erasure) is here, each with the event it appends in the
same transaction, so what changes a person's record and what history it leaves are read
together. Sessions are sessions.py; the tables and how secrets are kept, tables.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

import asyncpg

from services.reporting.adapters.people.sessions import SessionRecords
from services.reporting.adapters.people.tables import DDL, SCHEMA, STREAM, digest, new_token
from services.reporting.domain.people.policy import Grant, Person
from shared.catalogue import DomainEvent
from shared.catalogue.people import RoleGranted
from shared.clock import Clock
from shared.ddl import apply_ddl
from shared.envelope import Metadata
from shared.eventstore import ConcurrencyError
from shared.eventstore.postgres import PostgresEventStore
from shared.mapper import new_envelopes
from shared.roles import Role

# Sign-in failures in a row before an account is locked, and for how long.
LOCK_AFTER = 5
LOCKED_FOR = timedelta(minutes=15)
INVITATION_LASTS = timedelta(days=7)
SIGN_IN_LINK_LASTS = timedelta(minutes=15)


@dataclass(frozen=True)
class Account:
    account_id: str
    email: str
    name: str
    home_partnership: str
    password_hash: str | None
    totp_secret: str | None
    totp_last_step: int
    failures: int
    locked_until: datetime | None

    @property
    def active(self) -> bool:
        return self.totp_secret is not None


class Accounts(SessionRecords):
    def __init__(self, pool: asyncpg.Pool, store: PostgresEventStore, clock: Clock) -> None:
        self._pool = pool
        self._store = store
        self._clock = clock

    @property
    def clock(self) -> Clock:
        return self._clock

    async def setup(self) -> None:
        await apply_ddl(self._pool, DDL)

    # -- history ----------------------------------------------------------------------------

    async def record(self, conn: asyncpg.Connection, partnership_id: str, account_id: str, actor: str,
                     events: Sequence[DomainEvent]) -> None:
        """Append to the person's stream in the partnership, in the caller's transaction."""
        stream = f"{STREAM}:{partnership_id}:{account_id}"
        version = await conn.fetchval(
            f"SELECT coalesce(max(stream_version), 0) FROM {self._store.schema}.events WHERE stream_id = $1", stream
        )
        metadata = Metadata(partnership_id=partnership_id, actor=actor, correlation_id=uuid4())
        envelopes = new_envelopes(stream, version, events, metadata, self._clock.now())
        await self._store.append_on(conn, stream, version, envelopes)

    async def _write(self, work) -> None:  # type: ignore[no-untyped-def]
        """Run `work(conn)` in a transaction, again if another append raced it."""
        for attempt in range(3):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    await work(conn)
                return
            except ConcurrencyError:
                if attempt == 2:
                    raise

    # -- accounts and grants ----------------------------------------------------------------

    async def by_email(self, email: str) -> Account | None:
        row = await self._pool.fetchrow(f"SELECT * FROM {SCHEMA}.accounts WHERE email = $1", email.strip().lower())
        return _account(row)

    async def by_id(self, account_id: str) -> Account | None:
        row = await self._pool.fetchrow(f"SELECT * FROM {SCHEMA}.accounts WHERE account_id = $1", account_id)
        return _account(row)

    async def by_directory(self, issuer: str, subject: str) -> Account | None:
        row = await self._pool.fetchrow(
            f"SELECT * FROM {SCHEMA}.accounts WHERE oidc_issuer = $1 AND oidc_subject = $2", issuer, subject
        )
        return _account(row)

    async def person(self, account_id: str) -> Person | None:
        account = await self.by_id(account_id)
        if account is None:
            return None
        rows = await self._pool.fetch(f"SELECT * FROM {SCHEMA}.grants WHERE account_id = $1", account_id)
        grants = tuple(Grant(r["partnership_id"], Role(r["role"]), r["scope"] or None, r["until"]) for r in rows)
        return Person(account_id, grants, account.name)

    async def people_in(self, partnership_id: str) -> list[tuple[Account, list[Grant]]]:
        rows = await self._pool.fetch(
            f"SELECT a.account_id, g.role, g.scope, g.until FROM {SCHEMA}.grants g JOIN {SCHEMA}.accounts a USING (account_id)"
            " WHERE g.partnership_id = $1 ORDER BY a.name, g.role", partnership_id,
        )
        found: dict[str, list[Grant]] = {}
        for r in rows:
            found.setdefault(r["account_id"], []).append(Grant(partnership_id, Role(r["role"]), r["scope"] or None, r["until"]))
        out = []
        for account_id, grants in found.items():
            account = await self.by_id(account_id)
            if account is not None:
                out.append((account, grants))
        return out

    async def invite(self, partnership_id: str, email: str, name: str, grant: Grant, actor: str) -> str | None:
        """A person invited to a role: their account (made if new), the grant, and a one-time
        link (returned, never stored in clear) that lets them set a password and an
        authenticator. Someone who already signs in (an agency lead of a second partnership)
        is granted the role and gets no link (None): they sign in as before."""
        from shared.catalogue.people import PersonInvited

        email = email.strip().lower()
        token: str | None = new_token()
        expires = self._clock.now() + INVITATION_LASTS

        async def work(conn: asyncpg.Connection) -> None:
            nonlocal token
            account_id = await conn.fetchval(f"SELECT account_id FROM {SCHEMA}.accounts WHERE email = $1", email)
            if account_id is not None and await conn.fetchval(
                f"SELECT totp_secret IS NOT NULL FROM {SCHEMA}.accounts WHERE account_id = $1", account_id
            ):
                token = None
                await _grant(conn, account_id, grant)
                await self.record(conn, partnership_id, account_id, actor, [
                    RoleGranted(account_id=account_id, role=grant.role.value, scope=grant.scope, until=grant.until)
                ])
                return
            if account_id is None:
                account_id = f"acct-{uuid4().hex[:20]}"
                await conn.execute(
                    f"INSERT INTO {SCHEMA}.accounts (account_id, email, name, home_partnership, created_at) VALUES ($1, $2, $3, $4, $5)",
                    account_id, email, name.strip(), partnership_id, self._clock.now(),
                )
            await _grant(conn, account_id, grant)
            await conn.execute(
                f"INSERT INTO {SCHEMA}.links VALUES ($1, $2, 'invitation', $3, NULL)", digest(token), account_id, expires
            )
            await self.record(conn, partnership_id, account_id, actor, [
                PersonInvited(account_id=account_id, role=grant.role.value, scope=grant.scope, until=grant.until, expires_at=expires)
            ])

        await self._write(work)
        return token

    async def grant(self, account_id: str, grant: Grant, actor: str) -> None:
        async def work(conn: asyncpg.Connection) -> None:
            await _grant(conn, account_id, grant)
            await self.record(conn, grant.partnership_id, account_id, actor, [
                RoleGranted(account_id=account_id, role=grant.role.value, scope=grant.scope, until=grant.until)
            ])

        await self._write(work)

    async def remove(self, account_id: str, grant: Grant, actor: str) -> bool:
        from shared.catalogue.people import RoleRemoved

        removed = False

        async def work(conn: asyncpg.Connection) -> None:
            nonlocal removed
            status = await conn.execute(
                f"DELETE FROM {SCHEMA}.grants WHERE account_id = $1 AND partnership_id = $2 AND role = $3 AND scope = $4",
                account_id, grant.partnership_id, grant.role.value, grant.scope or "",
            )
            removed = status.endswith(" 1")
            if removed:
                await self.record(conn, grant.partnership_id, account_id, actor, [
                    RoleRemoved(account_id=account_id, role=grant.role.value, scope=grant.scope)
                ])
                if not await conn.fetchval(f"SELECT 1 FROM {SCHEMA}.grants WHERE account_id = $1 LIMIT 1", account_id):
                    await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE account_id = $1", account_id)

        await self._write(work)
        return removed

    # -- one-time links ---------------------------------------------------------------------

    async def link(self, token: str, purpose: str) -> Account | None:
        """The account a live, unused link of this purpose opens (None: unknown, used or expired)."""
        row = await self._pool.fetchrow(
            f"SELECT account_id FROM {SCHEMA}.links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            digest(token), purpose, self._clock.now(),
        )
        return await self.by_id(row["account_id"]) if row else None

    async def sign_in_link(self, account_id: str) -> str:
        """A link that signs the person in once, within minutes (made on this machine by
        `scrutiny people sign-in-link`, or by the demo): for someone not yet at a device."""
        token = new_token()
        await self._pool.execute(
            f"INSERT INTO {SCHEMA}.links VALUES ($1, $2, 'sign-in', $3, NULL)",
            digest(token), account_id, self._clock.now() + SIGN_IN_LINK_LASTS,
        )
        return token

    async def use_link(self, conn: asyncpg.Connection, token: str, purpose: str) -> bool:
        status = await conn.execute(
            f"UPDATE {SCHEMA}.links SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            digest(token), purpose, self._clock.now(),
        )
        return status.endswith(" 1")

    # -- credentials ------------------------------------------------------------------------

    async def set_credentials(self, conn: asyncpg.Connection, account_id: str, *, password_hash: str | None = None,
                              totp_secret: str | None = None, totp_step: int | None = None,
                              directory: tuple[str, str] | None = None) -> None:
        if password_hash is not None:
            await conn.execute(f"UPDATE {SCHEMA}.accounts SET password_hash = $2 WHERE account_id = $1", account_id, password_hash)
        if totp_secret is not None:
            await conn.execute(
                f"UPDATE {SCHEMA}.accounts SET totp_secret = $2, totp_last_step = $3 WHERE account_id = $1",
                account_id, totp_secret, totp_step or 0,
            )
        if directory is not None:
            await conn.execute(
                f"UPDATE {SCHEMA}.accounts SET oidc_issuer = $2, oidc_subject = $3 WHERE account_id = $1", account_id, *directory
            )

    async def use_totp_step(self, account_id: str, step: int) -> bool:
        """A code is good once: its time step must be later than the last one used."""
        status = await self._pool.execute(
            f"UPDATE {SCHEMA}.accounts SET totp_last_step = $2 WHERE account_id = $1 AND totp_last_step < $2", account_id, step
        )
        return status.endswith(" 1")

    async def failed(self, account: Account, reason: str) -> bool:
        """Counts a failure; locks the account at LOCK_AFTER in a row. True when now locked."""
        from shared.catalogue.people import AccountLocked, SignInFailed

        locked = False

        async def work(conn: asyncpg.Connection) -> None:
            nonlocal locked
            failures = await conn.fetchval(
                f"UPDATE {SCHEMA}.accounts SET failures = failures + 1 WHERE account_id = $1 RETURNING failures", account.account_id
            )
            events: list[DomainEvent] = [SignInFailed(account_id=account.account_id, reason=reason)]
            if failures >= LOCK_AFTER:
                until = self._clock.now() + LOCKED_FOR
                await conn.execute(
                    f"UPDATE {SCHEMA}.accounts SET locked_until = $2, failures = 0 WHERE account_id = $1", account.account_id, until
                )
                events.append(AccountLocked(account_id=account.account_id, until=until))
                locked = True
            await self.record(conn, account.home_partnership, account.account_id, f"person:{account.account_id}", events)

        await self._write(work)
        return locked

    def locked(self, account: Account) -> bool:
        return account.locked_until is not None and account.locked_until > self._clock.now()

    async def erase(self, account: Account, actor: str) -> None:
        """Delete the person: name, email address, password hash, authenticator, directory
        link, grants, sessions and links go (the row is deleted, the rest cascades); the
        history keeps the account id and an AccountErased event, and names no one."""
        from shared.catalogue.people import AccountErased

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute(f"DELETE FROM {SCHEMA}.accounts WHERE account_id = $1", account.account_id)
            await self.record(conn, account.home_partnership, account.account_id, actor, [AccountErased(account_id=account.account_id)])

        await self._write(work)

    async def write(self, work) -> None:  # type: ignore[no-untyped-def]
        """`work(conn)` in one transaction (credentials, a link used, the events)."""
        await self._write(work)


async def _grant(conn: asyncpg.Connection, account_id: str, grant: Grant) -> None:
    await conn.execute(
        f"INSERT INTO {SCHEMA}.grants VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, partnership_id, role, scope)"
        " DO UPDATE SET until = excluded.until",
        account_id, grant.partnership_id, grant.role.value, grant.scope or "", grant.until,
    )


def _account(row: asyncpg.Record | None) -> Account | None:
    if row is None:
        return None
    return Account(
        row["account_id"], row["email"], row["name"], row["home_partnership"], row["password_hash"],
        row["totp_secret"], row["totp_last_step"], row["failures"], row["locked_until"],
    )
