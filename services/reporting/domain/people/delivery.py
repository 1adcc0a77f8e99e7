"""How messages leave (pure): the back-off between attempts, when a day's digest is due,
and the words of an email.

A message the server did not accept is tried again after a minute, then two, four, ...
never more than six hours apart, and given up (`failed`, shown in the business unit's
outbox) after MAX_ATTEMPTS. A person who chose the daily digest gets one email a day,
at the first send after 17:00 London time, listing what came for them since the last.
(London time throughout: shared/london.py's zone.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shared.london import LONDON

MAX_ATTEMPTS = 16  # the last about two days after the first
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
DIGEST_AT = time(17, 0)
FOOTER = ("You are sent this because of your role on the partnership's scrutiny platform. "
          "Choose immediate emails or one daily digest on your account page: {account}")


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1, 2, ...)."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS


def digest_due(now: datetime) -> tuple[date, datetime]:
    """The London day whose digest is due by now, and its cut-off: today's from 17:00,
    yesterday's before (sent at the first send after its 17:00, however late). A day's
    digest lists what came up to its cut-off and was not in an earlier one."""
    local = now.astimezone(LONDON)
    day = local.date() if local.time() >= DIGEST_AT else local.date() - timedelta(days=1)
    return day, datetime.combine(day, DIGEST_AT, tzinfo=LONDON)


def address(base_url: str, path: str) -> str:
    """A link's full address: the front door's (SCRUTINY_BASE_URL) and the path; the path
    alone when the address is not configured."""
    return f"{base_url.rstrip('/')}{path}" if base_url else path


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str


@dataclass(frozen=True)
class Item:
    """One message as a letter shows it."""

    partnership: str
    subject: str
    body: str
    link: str  # a full address (or a path)


def single(item: Item, account_url: str) -> Letter:
    text = "\n\n".join([item.body, f"Open it on the platform: {item.link}", "--", FOOTER.format(account=account_url)])
    return Letter(f"{item.partnership}: {item.subject}", text + "\n")


def digest(day: date, items: Sequence[Item], account_url: str) -> Letter:
    count = f"{len(items)} thing{'s' if len(items) != 1 else ''}"
    lines = [f"What came for you by {day.strftime('%-d %B %Y')}: {count} to see to.", ""]
    for n, item in enumerate(items, 1):
        lines += [f"{n}. {item.subject} ({item.partnership})", f"   {item.link}", ""]
    lines += ["--", FOOTER.format(account=account_url)]
    return Letter(f"Your daily digest, {day.strftime('%-d %B %Y')}: {count}", "\n".join(lines) + "\n")
