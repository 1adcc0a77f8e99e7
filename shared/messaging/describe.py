"""A service's command table as data: what the front door builds its forms from.

Each service answers `{ns}.commands.{service}` with its rows (subject token, sender,
title, help, the roles that may send it from the front door with their pinned fields,
and the command's JSON Schema). The front door asks rather than importing the other
services' code, so every form is the row the service itself subscribes with: a new row
is a new form, a changed field a changed form, with nothing else to edit.
"""

from __future__ import annotations

from typing import Any

from shared.messaging.commands import CommandRow, CommandTable


def describe_row(row: CommandRow[Any]) -> dict[str, Any]:
    return {
        "token": row.token,
        "sender": row.sender.value,
        "title": row.title,
        "help": row.help,
        "pinned": row.pinned,
        "roles": {role.value: field for role, field in row.roles().items()},
        "schema": row.command.model_json_schema(),
    }


def describe(table: CommandTable) -> dict[str, Any]:
    return {"service": table.service, "rows": [describe_row(row) for row in table]}


def describe_subject(namespace: str, service: str) -> str:
    return f"{namespace}.commands.{service}"
