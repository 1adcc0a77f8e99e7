"""Every table the pages show, as data to download (pure): per page, its tables as
(title, column headings, rows), built from the same views the HTML is rendered from, so a
downloaded file and the page always agree.

A table is named in the download's address (`/p/{partnership}/export/{name}.csv|xlsx`);
`tables()` says which page (which view) each name is built from. A cell is a string, a
number, a date or a moment, or empty (None): the writers keep numbers and dates as such
(Excel) or write them in ISO 8601 (CSV). What the page packs into one cell (an action's
title and id, a due date and the days left) are separate columns here, so a spreadsheet
can sort and filter them; every row still names the event behind it, as the page does.

- `dashboard.py`: the dashboard's tables (heat map, risk flags, returns, reviews, actions,
  assurance events, the planner).
- `reports.py`: the risk register's and the tiered report's.
"""

from .dashboard import SPECS as DASHBOARD
from .reports import SPECS as REPORTS
from .table import Table, TableSpec, Value

__all__ = ["Table", "TableSpec", "UnknownTable", "Value", "of_page", "spec", "tables"]

_TABLES: dict[str, TableSpec] = {s.name: s for s in (*DASHBOARD, *REPORTS)}
assert len(_TABLES) == len(DASHBOARD) + len(REPORTS), "a table name is used twice"


class UnknownTable(KeyError):
    pass


def tables() -> dict[str, TableSpec]:
    """Every downloadable table by name, in the order the pages show them."""
    return dict(_TABLES)


def spec(name: str) -> TableSpec:
    try:
        return _TABLES[name]
    except KeyError:
        raise UnknownTable(name) from None


def of_page(page: str) -> list[TableSpec]:
    return [s for s in _TABLES.values() if s.page == page]
