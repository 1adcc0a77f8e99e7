"""The messages people are sent (schema `reporting_people`): each person's inbox, the
business unit's outbox, and whether a person takes them at once or as a daily digest.

A message is made once, by the notifier (adapters/people/notifier.py), with an id
derived from the event that caused it and the account it is for, so redelivering or
replaying that event never makes a second. It holds no child-level detail: what is
due, where, and a path on the front door. The postman (postman.py) sends the queued
ones when SMTP is configured; without it they stay `queued` and are read in the inbox.
An account's messages go with it when it is erased (ON DELETE CASCADE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from shared.clock import Clock
from shared.ddl import apply_ddl

SCHEMA = "reporting_people"
IDS = uuid5(NAMESPACE_URL, "https://scrutiny.invalid/messages")
SHOWN = 200  # the most recent messages an inbox or outbox lists

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.messages (
    message_id uuid PRIMARY KEY,
    event_id uuid NOT NULL,
    account_id text NOT NULL REFERENCES {SCHEMA}.accounts ON DELETE CASCADE,
    partnership_id text NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    link text NOT NULL,
    created_at timestamptz NOT NULL,
    digest boolean NOT NULL DEFAULT false,
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    sent_at timestamptz,
    read_at timestamptz);
CREATE INDEX IF NOT EXISTS messages_queued ON {SCHEMA}.messages (next_attempt_at) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS messages_inbox ON {SCHEMA}.messages (account_id, created_at DESC);
CREATE INDEX IF NOT EXISTS messages_outbox ON {SCHEMA}.messages (partnership_id, created_at DESC);
CREATE TABLE IF NOT EXISTS {SCHEMA}.message_preferences (
    account_id text PRIMARY KEY REFERENCES {SCHEMA}.accounts ON DELETE CASCADE,
    digest boolean NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.digests (
    account_id text NOT NULL REFERENCES {SCHEMA}.accounts ON DELETE CASCADE,
    day date NOT NULL,
    sent_at timestamptz NOT NULL,
    messages integer NOT NULL,
    PRIMARY KEY (account_id, day));
"""


def message_id(event_id: UUID, account_id: str) -> UUID:
    """The message an event makes for an account: the same every time (the idempotency key,
    and the email's Message-ID)."""
    return uuid5(IDS, f"{event_id}:{account_id}")


@dataclass(frozen=True)
class Message:
    message_id: UUID
    account_id: str
    partnership_id: str
    kind: str
    subject: str
    body: str
    link: str
    created_at: datetime
    digest: bool
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    read_at: datetime | None
    to: str = ""  # the account's name (the outbox)

    @property
    def lines(self) -> list[str]:
        return self.body.split("\n\n")


class Messages:
    def __init__(self, pool: asyncpg.Pool, clock: Clock) -> None:
        self._pool = pool
        self._clock = clock

    async def setup(self) -> None:
        """After the accounts' tables (accounts.py), which these refer to."""
        await apply_ddl(self._pool, DDL)

    async def inbox(self, account_id: str) -> list[Message]:
        rows = await self._pool.fetch(
            f"SELECT * FROM {SCHEMA}.messages WHERE account_id = $1 ORDER BY created_at DESC, subject LIMIT {SHOWN}", account_id
        )
        return [_message(r) for r in rows]

    async def unread(self, account_id: str) -> int:
        return await self._pool.fetchval(
            f"SELECT count(*) FROM {SCHEMA}.messages WHERE account_id = $1 AND read_at IS NULL", account_id
        )

    async def open(self, account_id: str, message: UUID) -> Message | None:
        """The person's own message, marked read (None: not theirs, or no such message)."""
        row = await self._pool.fetchrow(
            f"UPDATE {SCHEMA}.messages SET read_at = coalesce(read_at, $3) WHERE message_id = $1 AND account_id = $2 RETURNING *",
            message, account_id, self._clock.now(),
        )
        return _message(row) if row else None

    async def outbox(self, partnership_id: str) -> list[Message]:
        rows = await self._pool.fetch(
            f"SELECT m.*, a.name AS to_name FROM {SCHEMA}.messages m JOIN {SCHEMA}.accounts a USING (account_id)"
            f" WHERE m.partnership_id = $1 ORDER BY m.created_at DESC, a.name LIMIT {SHOWN}", partnership_id,
        )
        return [_message(r) for r in rows]

    async def digest(self, account_id: str) -> bool:
        return bool(await self._pool.fetchval(
            f"SELECT digest FROM {SCHEMA}.message_preferences WHERE account_id = $1", account_id
        ))

    async def choose(self, account_id: str, digest: bool) -> None:
        """Immediate emails or a daily digest, for the messages made from now on."""
        await self._pool.execute(
            f"INSERT INTO {SCHEMA}.message_preferences VALUES ($1, $2)"
            " ON CONFLICT (account_id) DO UPDATE SET digest = excluded.digest", account_id, digest,
        )


def _message(row: asyncpg.Record) -> Message:
    fields = dict(row)
    to = fields.pop("to_name", "") or ""
    fields.pop("event_id", None)
    return Message(**fields, to=to)
