"""The front door's records of people: invitations, grants and removals of roles, sign-ins
and their failures (the reporting service's store, `person:{partnership}:{account_id}`).

A person is named in events only by their account id: their name and email address
are personal data kept in the accounts table (`reporting_people.accounts`), erased by
deleting them, and never copied into history, JetStream or a log.
"""

from datetime import date, datetime
from typing import ClassVar, Literal

from shared.catalogue.base import DomainEvent
from shared.catalogue.registry import registered

RoleName = Literal["business-unit", "agency-lead", "partner", "scrutineer", "board-member", "inspector", "operator"]
SignInMethod = Literal["password", "directory", "link"]


@registered
class PersonInvited(DomainEvent):
    """The business unit invited a person to a role (a one-time link, expiring)."""

    event_type: ClassVar[str] = "PersonInvited"
    account_id: str
    role: RoleName
    scope: str | None = None
    """The agency of an agency lead, the statutory partner of a partner."""
    until: date | None = None
    """The last day of a time-limited role (an inspector's)."""
    expires_at: datetime


@registered
class InvitationAccepted(DomainEvent):
    event_type: ClassVar[str] = "InvitationAccepted"
    account_id: str
    method: SignInMethod


@registered
class MultiFactorEnrolled(DomainEvent):
    """The person set up an authenticator app (TOTP)."""

    event_type: ClassVar[str] = "MultiFactorEnrolled"
    account_id: str


@registered
class RoleGranted(DomainEvent):
    event_type: ClassVar[str] = "RoleGranted"
    account_id: str
    role: RoleName
    scope: str | None = None
    until: date | None = None


@registered
class RoleRemoved(DomainEvent):
    event_type: ClassVar[str] = "RoleRemoved"
    account_id: str
    role: RoleName
    scope: str | None = None


@registered
class SignedIn(DomainEvent):
    event_type: ClassVar[str] = "SignedIn"
    account_id: str
    method: SignInMethod


@registered
class SignInFailed(DomainEvent):
    """A wrong password or code for a known account (unknown addresses record nothing)."""

    event_type: ClassVar[str] = "SignInFailed"
    account_id: str
    reason: Literal["password", "code", "locked"]


@registered
class AccountLocked(DomainEvent):
    """Too many failures in a row: no sign-in until the moment given."""

    event_type: ClassVar[str] = "AccountLocked"
    account_id: str
    until: datetime


@registered
class SignedOutEverywhere(DomainEvent):
    event_type: ClassVar[str] = "SignedOutEverywhere"
    account_id: str


@registered
class AccountErased(DomainEvent):
    """The person's name, email address and credentials were deleted (a data subject's
    request, or they left): the account id stays in the history, naming no one."""

    event_type: ClassVar[str] = "AccountErased"
    account_id: str
