"""The postman: sends the queued messages by email over SMTP (aiosmtplib), when
`SCRUTINY_SMTP_URL` says where to.

    smtp://[user[:password]@]host[:port]?from=noreply@example.org[&starttls=1][&timeout=30]
    smtps://[user[:password]@]host[:port]?from=...     (TLS from the first byte; port 465)

Each message is sent while its row is locked (FOR UPDATE SKIP LOCKED, so two reporting
instances never take the same one) and marked sent in that transaction only once the
server has accepted it; a message the server did not accept (away, 4xx, 5xx) waits its
back-off (domain/people/delivery.py) and is tried again. Its id, made from the event and
the account, is its Message-ID, so a crash between the server's yes and the commit (the
one way it can go twice) leaves the copies recognisably one message. A person who takes
the daily digest gets one email a day, after 17:00 London time, listing them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID, uuid5

import aiosmtplib
import asyncpg

from services.reporting.adapters.people.messages import IDS
from services.reporting.adapters.people.messages import SCHEMA as PEOPLE
from services.reporting.domain.people import delivery
from shared.clock import Clock
from shared.partnerships import Partnerships
from shared.waiting import woken_or_timed_out

log = logging.getLogger(__name__)
AWAY = (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError, TimeoutError)
QUEUED = f"""SELECT m.*, a.email FROM {PEOPLE}.messages m JOIN {PEOPLE}.accounts a USING (account_id)
             WHERE m.state = 'queued' AND m.next_attempt_at <= $1"""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> Smtp:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SCRUTINY_SMTP_URL must be smtp://host[:port]?from=... or smtps://...")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        sender = query.get("from", "")
        if "@" not in sender:
            raise ValueError("SCRUTINY_SMTP_URL needs ?from=the address emails are sent from")
        tls = parts.scheme == "smtps"
        return cls(
            parts.hostname, parts.port or (465 if tls else 25), sender,
            unquote(parts.username) if parts.username else None, unquote(parts.password) if parts.password else None,
            use_tls=tls, start_tls=query.get("starttls", "0").lower() in ("1", "true", "yes"),
            timeout=float(query.get("timeout", "30")),
        )


class Refused(Exception):
    """The server did not accept a message; `away`: it could not be reached at all."""

    def __init__(self, reason: str, away: bool) -> None:
        super().__init__(reason)
        self.away = away


class Postman:
    def __init__(self, pool: asyncpg.Pool, clock: Clock, smtp: Smtp, base_url: str, partnerships: Partnerships) -> None:
        self._pool = pool
        self._clock = clock
        self._smtp = smtp
        self._base = base_url
        self._names = {pid: p.name for pid, p in partnerships.items()}
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the database away: the next round tries again
                log.warning("sending messages failed, will retry: %s", error)
            await woken_or_timed_out(self._wakeup, interval_seconds)

    async def tick(self) -> int:
        """Send what is due now (and, after 17:00, today's digests); how many emails went."""
        async with self._lock:
            now = self._clock.now()
            sent = await self._immediate(now)
            return sent + await self._digests(now, *delivery.digest_due(now))

    async def _immediate(self, now: datetime) -> int:
        sent = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(
                    f"{QUEUED} AND NOT m.digest ORDER BY m.next_attempt_at, m.created_at LIMIT 1 FOR UPDATE OF m SKIP LOCKED", now
                )
                if row is None:
                    return sent
                letter = delivery.single(self._item(row), delivery.address(self._base, "/account"))
                try:
                    await self._send(row["email"], letter, row["message_id"], now)
                except Refused as refused:
                    await self._failed(conn, [row], now, refused)
                    if refused.away:
                        return sent  # the rest wait for the server's return
                    continue
                await self._sent(conn, [row["message_id"]], now)
                sent += 1

    async def _digests(self, now: datetime, day: date, cutoff: datetime) -> int:
        accounts = await self._pool.fetch(
            f"SELECT DISTINCT m.account_id FROM ({QUEUED} AND m.digest AND m.created_at <= $3) m"
            f" WHERE NOT EXISTS (SELECT 1 FROM {PEOPLE}.digests d WHERE d.account_id = m.account_id AND d.day = $2)",
            now, day, cutoff,
        )
        sent = 0
        for account in accounts:
            async with self._pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"{QUEUED} AND m.digest AND m.created_at <= $3 AND m.account_id = $2"
                    " ORDER BY m.created_at, m.subject FOR UPDATE OF m SKIP LOCKED", now, account["account_id"], cutoff,
                )
                if not rows or await conn.fetchval(
                    f"SELECT 1 FROM {PEOPLE}.digests WHERE account_id = $1 AND day = $2", account["account_id"], day
                ):
                    continue
                letter = delivery.digest(day, [self._item(r) for r in rows], delivery.address(self._base, "/account"))
                try:
                    await self._send(rows[0]["email"], letter, uuid5(IDS, f"digest:{account['account_id']}:{day}"), now)
                except Refused as refused:
                    await self._failed(conn, rows, now, refused)
                    if refused.away:
                        return sent
                    continue
                await self._sent(conn, [r["message_id"] for r in rows], now)
                await conn.execute(f"INSERT INTO {PEOPLE}.digests VALUES ($1, $2, $3, $4)", account["account_id"], day, now, len(rows))
                sent += 1
        return sent

    def _item(self, row: asyncpg.Record) -> delivery.Item:
        return delivery.Item(self._names.get(row["partnership_id"], row["partnership_id"]), row["subject"], row["body"],
                             delivery.address(self._base, row["link"]))

    async def _send(self, to: str, letter: delivery.Letter, key: UUID, now: datetime) -> None:
        smtp = self._smtp
        email = EmailMessage()
        email["From"] = smtp.sender
        email["To"] = to
        email["Subject"] = letter.subject
        email["Date"] = format_datetime(now)
        email["Message-ID"] = f"<{key}@{smtp.sender.rpartition('@')[2]}>"
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
        email.set_content(letter.text)
        try:
            await aiosmtplib.send(email, hostname=smtp.host, port=smtp.port, username=smtp.username, password=smtp.password,
                                  use_tls=smtp.use_tls, start_tls=smtp.start_tls, timeout=smtp.timeout)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({r.code for r in error.recipients})
            raise Refused(f"recipient refused ({', '.join(map(str, codes))})", away=False) from None
        except aiosmtplib.SMTPResponseException as error:
            raise Refused(f"{type(error).__name__} ({error.code})", away=False) from None
        except AWAY as error:
            raise Refused(f"server not reached ({type(error).__name__})", away=True) from None
        except aiosmtplib.SMTPException as error:
            raise Refused(type(error).__name__, away=False) from None

    async def _sent(self, conn: asyncpg.Connection, ids: Sequence[UUID], now: datetime) -> None:
        await conn.execute(
            f"UPDATE {PEOPLE}.messages SET state = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL"
            " WHERE message_id = ANY($1)", list(ids), now,
        )

    async def _failed(self, conn: asyncpg.Connection, rows: Sequence[asyncpg.Record], now: datetime, refused: Refused) -> None:
        attempts = max(r["attempts"] for r in rows) + 1
        state = "failed" if delivery.gives_up(attempts) else "queued"
        await conn.execute(
            f"UPDATE {PEOPLE}.messages SET attempts = $2, next_attempt_at = $3, state = $4, last_error = $5 WHERE message_id = ANY($1)",
            [r["message_id"] for r in rows], attempts, now + delivery.retry_after(attempts), state, str(refused),
        )
        log.info("a message was not accepted (attempt %d, %s): %s", attempts, state, refused)
