"""Who may read which page and send which command: the front door's one policy (pure).

A person holds grants, each a role in one partnership (an agency lead's agency, a
partner's statutory partner, an inspector's last day). Pages and commands are judged
here and nowhere else; the HTTP layer answers "not found" for a page a person may not
read (so another agency's page is indistinguishable from a missing one) and refuses a
command they may not send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from shared.roles import Role

# Roles that read every page of their partnership (the dashboard, reports, packs, records).
READERS = frozenset({Role.BUSINESS_UNIT, Role.PARTNER, Role.SCRUTINEER, Role.BOARD_MEMBER, Role.INSPECTOR})


class Area(StrEnum):
    """What a page shows, as far as who may read it goes."""

    PARTNERSHIP = "partnership"  # dashboard, reports, risks, board packs, event records, planner
    AGENCY = "agency"  # one agency's page (its return, flags, call-ins, actions)
    EVIDENCE = "evidence"  # the evidence bundle export
    TASKS = "tasks"  # the business unit's task list
    PEOPLE = "people"  # invitations and roles, and the outbox (what the partnership's people are told)
    OPERATIONS = "operations"  # health, dead letters: no child-level records
    DOCUMENTS = "documents"  # a document kept as evidence: judged again by what attaches it (may_read_document)


@dataclass(frozen=True)
class Grant:
    partnership_id: str
    role: Role
    scope: str | None = None
    until: date | None = None

    def current(self, today: date) -> bool:
        return self.until is None or today <= self.until


@dataclass(frozen=True)
class Person:
    account_id: str
    grants: tuple[Grant, ...] = ()
    name: str = field(default="", compare=False)

    def grants_in(self, partnership_id: str, today: date) -> list[Grant]:
        return [g for g in self.grants if g.partnership_id == partnership_id and g.current(today)]

    def roles_in(self, partnership_id: str, today: date) -> set[Role]:
        return {g.role for g in self.grants_in(partnership_id, today)}

    def scopes(self, partnership_id: str, role: Role, today: date) -> list[str]:
        return [g.scope for g in self.grants_in(partnership_id, today) if g.role is role and g.scope]

    def partnerships(self, today: date) -> list[str]:
        return sorted({g.partnership_id for g in self.grants if g.current(today)})

    def is_operator(self, today: date) -> bool:
        return any(g.role is Role.OPERATOR and g.current(today) for g in self.grants)


def may_read(person: Person, partnership_id: str, area: Area, today: date, agency_id: str | None = None) -> bool:
    roles = person.roles_in(partnership_id, today)
    match area:
        case Area.OPERATIONS:
            return person.is_operator(today)
        case Area.PEOPLE | Area.TASKS:
            return Role.BUSINESS_UNIT in roles
        case Area.EVIDENCE:
            return bool(roles & {Role.BUSINESS_UNIT, Role.INSPECTOR, Role.SCRUTINEER})
        case Area.AGENCY:
            return bool(roles & READERS) or agency_id in person.scopes(partnership_id, Role.AGENCY_LEAD, today)
        case Area.PARTNERSHIP:
            return bool(roles & READERS)
        case Area.DOCUMENTS:  # who may read some document; which one is may_read_document's
            return bool(roles & READERS) or bool(person.scopes(partnership_id, Role.AGENCY_LEAD, today))
    return False


@dataclass(frozen=True)
class Attached:
    """A record that attaches a document, as far as who may read it goes."""

    agencies: frozenset[str]  # the agencies the record is about (its own, or shared with them)
    draft: bool  # a Section 11 draft: never reported, so its agency and the business unit only


def may_read_document(person: Person, partnership_id: str, today: date, attached: list[Attached]) -> bool:
    """A document may be read by whoever may read a record that attaches it: the business unit
    any; the partnership's other readers any but a draft's; an agency lead only those its own
    agency's records attach, or records shared with it. Attached by nothing: no one."""
    roles = person.roles_in(partnership_id, today)
    leads = set(person.scopes(partnership_id, Role.AGENCY_LEAD, today))
    for record in attached:
        if Role.BUSINESS_UNIT in roles or (roles & READERS and not record.draft) or record.agencies & leads:
            return True
    return False


@dataclass(frozen=True)
class Row:
    """A command as a service describes it (shared/messaging/describe.py)."""

    service: str
    token: str
    sender: str
    title: str
    help: str
    pinned: str | None
    roles: Mapping[str, str | None]
    schema: Mapping[str, Any]

    @classmethod
    def of(cls, service: str, data: Mapping[str, Any]) -> Row:
        return cls(service, data["token"], data["sender"], data["title"], data["help"], data["pinned"], data["roles"], data["schema"])

    @property
    def by_agency(self) -> bool:
        return self.sender == "agency"


@dataclass(frozen=True)
class Sending:
    """How a person sends a row: as which role, with which field pinned to which value."""

    role: Role
    field: str | None
    value: str | None


def sending(person: Person, partnership_id: str, row: Row, today: date, scope: str | None = None) -> Sending | None:
    """The way this person may send the row in the partnership (`scope`: which of their
    agencies or partners, when they hold several); None when they may not."""
    grants = person.grants_in(partnership_id, today)
    for role_name, field_name in row.roles.items():
        role = Role(role_name)
        for grant in grants:
            if grant.role is not role:
                continue
            if field_name is None:
                return Sending(role, None, None)
            if grant.scope and (scope is None or scope == grant.scope):
                return Sending(role, field_name, grant.scope)
    return None


def rows_for(person: Person, partnership_id: str, rows: list[Row], today: date) -> list[tuple[Row, Sending]]:
    """Every row the person may send in the partnership, with how."""
    out = []
    for row in rows:
        how = sending(person, partnership_id, row, today)
        if how is not None:
            out.append((row, how))
    return out
