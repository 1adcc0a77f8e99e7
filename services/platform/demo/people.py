"""The demo's people: one person for each role in the partnership, and a link to sign in as each.

After the year is played, the demo enrols an invented person per role (the business unit,
the lead of one agency, each statutory partner, the independent
scrutineer, a board member, an inspector whose access ends 30 days from today, an
operator), each at an example.org address, no real person and no child anywhere, and
makes each a one-time sign-in link (15 minutes) so that every role can be walked through
at once on this machine. Nobody has a password: a link is the only way in until its
person accepts an invitation. Enrolling again finds them and records nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from services.platform.people import ensure_person, grant_for, grant_label, link, opened_accounts
from shared import london
from shared.clock import Clock
from shared.profiles.schema import FrameworkProfile
from shared.roles import Role

ACTOR = "operator:demo"
INSPECTOR_DAYS = 30
# Invented names, marked as such wherever the front door greets them.
NAMES = {
    Role.BUSINESS_UNIT: "Morgan Ellery",
    Role.AGENCY_LEAD: "Sam Whitlow",
    Role.SCRUTINEER: "Alex Thornbury",
    Role.BOARD_MEMBER: "Jamie Halloway",
    Role.INSPECTOR: "Drew Castellan",
    Role.OPERATOR: "Taylor Brennick",
}
PARTNER_NAMES = ("Jordan Pemberly", "Casey Northam", "Riley Ashgrove")


@dataclass(frozen=True)
class DemoPerson:
    role: str  # what the person is, as the front door labels it
    name: str
    email: str
    link: str | None  # a one-time sign-in link, whole when the front door's address is known


def _lead_agency(profile: FrameworkProfile) -> str:
    """The first agency that is not also a statutory partner (an agency lead sees its own
    agency's pages only), else the first agency."""
    partners = {p.id for p in profile.statutory_partners}
    return next((a.id for a in profile.agencies if a.id not in partners), profile.agencies[0].id)


async def enrol(database_url: str, profile: FrameworkProfile, clock: Clock, front_door: str | None, *,
                links: bool = True) -> list[DemoPerson]:
    """Enrol the partnership's demo people (if not already) and make each a sign-in link
    (none when `links` is false: the platform is about to stop)."""
    today = london.today(clock)
    wanted = [
        (NAMES[Role.BUSINESS_UNIT], "business-unit", grant_for(profile, Role.BUSINESS_UNIT)),
        (NAMES[Role.AGENCY_LEAD], "agency-lead", grant_for(profile, Role.AGENCY_LEAD, agency=_lead_agency(profile))),
    ]
    for name, partner in zip(PARTNER_NAMES, profile.statutory_partners, strict=False):
        wanted.append((name, f"partner-{partner.id}", grant_for(profile, Role.PARTNER, partner=partner.id)))
    wanted += [(NAMES[role], role.value, grant_for(profile, role)) for role in (Role.SCRUTINEER, Role.BOARD_MEMBER)]
    inspector_until = today + timedelta(days=INSPECTOR_DAYS)
    wanted.append((NAMES[Role.INSPECTOR], "inspector", grant_for(profile, Role.INSPECTOR, until=inspector_until)))
    wanted.append((NAMES[Role.OPERATOR], "operator", grant_for(profile, Role.OPERATOR)))
    people = []
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with opened_accounts(pool, clock) as accounts:
            for name, mailbox, grant in wanted:
                email = f"{mailbox}@{profile.id}.example.org"
                account_id = await ensure_person(accounts, profile, email, f"{name} (invented)", grant, ACTOR)
                url = link(front_door, f"/sign-in/link/{await accounts.sign_in_link(account_id)}") if links else None
                people.append(DemoPerson(grant_label(profile, grant), f"{name} (invented)", email, url))
    finally:
        await pool.close()
    return people
