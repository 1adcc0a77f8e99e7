"""A service's command table: one row per command, read by everything that offers it.

A row names the command's class, its subject token, who may send it (the business
unit, or an agency as itself: then the payload field pinned to the sending agency),
the other partnerships it touches (each checked against what the sender may act in),
its title and help text, and the handler that decides it. The NATS subscribers
(`shared.messaging.routing.command_router`), the request gateway, the AsyncAPI
contract and the people's forms all read the same rows, so adding a command is: its
events in the catalogue, its pure decide, and one row.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from shared.envelope import Envelope, Metadata
from shared.roles import Role

C = TypeVar("C", bound=BaseModel)
Handler = Callable[[C, Metadata], Awaitable[Sequence[Envelope]]]


class Sender(StrEnum):
    """Who sends a command, and so on which subject it arrives.

    The business unit sends on `{ns}.{p}.cmd.{service}.{token}`, which only the
    platform's own user may publish; an agency sends on
    `{ns}.{p}.cmd.{service}.{token}.{agency}`, which only that agency may publish."""

    BUSINESS_UNIT = "business-unit"
    AGENCY = "agency"


@dataclass(frozen=True)
class CommandRow(Generic[C]):
    token: str
    command: type[C]
    sender: Sender
    title: str
    handler: Handler[C]
    # An agency's row: the payload field that must equal the sending agency.
    pinned: str | None = None
    # Partnerships other than the subject's that the command records in, each with the
    # field that names it (a return also submitted to other partnerships): the sender
    # must be allowed to act in every one.
    partnerships: Callable[[C], Iterable[tuple[str, str]]] | None = None
    # People other than the row's own sender who may send it from the front door, each
    # with the field pinned to their own partner or agency (None: nothing to pin, the
    # event records who they are): a partner endorses as itself, the scrutineer signs.
    people: tuple[tuple[Role, str | None], ...] = ()
    # True: on the front door only the `people` send it, not the row's own sender (the
    # business unit's tools still may over NATS): a challenge is the scrutineer's to raise.
    people_only: bool = False

    def __post_init__(self) -> None:
        if (self.sender is Sender.AGENCY) != (self.pinned is not None):
            raise ValueError(f"{self.token}: an agency's command pins one field to the agency, and only an agency's")
        if self.pinned is not None and self.pinned not in self.command.model_fields:
            raise ValueError(f"{self.token}: {self.command.__name__} has no field {self.pinned!r} to pin")

        if self.people_only and not self.people:
            raise ValueError(f"{self.token}: a row sent by its people only names them")
        for _, field in self.people:
            if field is not None and field not in self.command.model_fields:
                raise ValueError(f"{self.token}: {self.command.__name__} has no field {field!r} to pin")

    def roles(self) -> dict[Role, str | None]:
        """Each role that may send this row from the front door -> the field pinned to it."""
        own = {Role.AGENCY_LEAD: self.pinned} if self.sender is Sender.AGENCY else {Role.BUSINESS_UNIT: None}
        return dict(self.people) if self.people_only else own | dict(self.people)

    @property
    def help(self) -> str:
        """The command's own docstring: what it records and when to send it."""
        return inspect.cleandoc(self.command.__doc__ or "") or self.title

    def actor(self, agency: str | None) -> str:
        """Who the events record as having caused them."""
        return f"agency:{agency}" if self.sender is Sender.AGENCY else Sender.BUSINESS_UNIT.value

    def touched(self, command: C) -> list[tuple[str, str]]:
        """(partnership, field) of each other partnership this command records in."""
        return list(self.partnerships(command)) if self.partnerships else []


@dataclass(frozen=True)
class CommandTable:
    """A service's rows, each (sender, token) once."""

    service: str
    rows: tuple[CommandRow[Any], ...]

    def __post_init__(self) -> None:
        seen: set[tuple[Sender, str]] = set()
        for row in self.rows:
            key = (row.sender, row.token)
            if key in seen:
                raise ValueError(f"{self.service}: two rows for {row.sender.value} {row.token!r}")
            seen.add(key)

    def __iter__(self) -> Iterator[CommandRow[Any]]:
        return iter(self.rows)

    def row(self, sender: Sender, token: str) -> CommandRow[Any]:
        for row in self.rows:
            if row.sender is sender and row.token == token:
                return row
        raise KeyError(f"{self.service} has no {sender.value} command {token!r}")

    def by_sender(self, sender: Sender) -> list[CommandRow[Any]]:
        return [row for row in self.rows if row.sender is sender]

    def with_handler(self, command: type[BaseModel], handler: Handler[Any]) -> CommandTable:
        """The same table with `command`'s rows handled by `handler` (a test's recording one)."""
        return CommandTable(
            self.service, tuple(replace(row, handler=handler) if row.command is command else row for row in self.rows)
        )

    def handlers(self) -> dict[type, Handler[Any]]:
        """Command class -> handler (an agency's row and the business unit's share one)."""
        return {row.command: row.handler for row in self.rows}


def business_unit(token: str, command: type[C], title: str, handler: Handler[C], **options: Any) -> CommandRow[C]:
    return CommandRow(token, command, Sender.BUSINESS_UNIT, title, handler, **options)


def agency(token: str, command: type[C], pinned: str, title: str, handler: Handler[C], **options: Any) -> CommandRow[C]:
    return CommandRow(token, command, Sender.AGENCY, title, handler, pinned=pinned, **options)


def table(service: str, *rows: CommandRow[Any]) -> CommandTable:
    return CommandTable(service, rows)
