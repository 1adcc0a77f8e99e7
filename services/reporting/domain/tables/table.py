"""A table to download: its name in the address, its title on the page, its column
headings and rows of plain values (pure)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Value = str | int | float | date | datetime | None
"""A cell: text, a number, a date or a moment, or empty."""


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    """The table's heading on its page."""
    headings: list[str]
    rows: list[list[Value]] = field(default_factory=list)

    def column(self, heading: str) -> list[Value]:
        i = self.headings.index(heading)
        return [row[i] for row in self.rows]


@dataclass(frozen=True)
class TableSpec:
    name: str
    page: str
    """The view it is built from: "dashboard", "risks" or "tiered"."""
    title: str
    build: Callable[[Any], Table]

    def table(self, headings: list[str], rows: list[list[Value]]) -> Table:
        return Table(self.name, self.title, headings, rows)


def yes(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def joined(items: list[str] | None, sep: str = "; ") -> str:
    return sep.join(items or [])
