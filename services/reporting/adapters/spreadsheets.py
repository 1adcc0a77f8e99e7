"""A table as a file to download: CSV (the csv module) or Excel (openpyxl), each saying
which partnership it is and the day its records stand at.

- The file name: `{partnership}-{table}-as-of-{YYYY-MM-DD}.csv|xlsx`.
- CSV is for spreadsheets and scripts alike: its first row is the header, and every row
  starts with two columns, "Partnership" and "As of" (the day, ISO 8601), so any row
  copied elsewhere still says where and when it is from; no comment or title lines to
  skip. UTF-8 with a byte-order mark, so Excel reads "→" and "·" as they are. Dates and
  moments in ISO 8601 (moments in UTC). A text cell that a spreadsheet would take for a
  formula (starting =, +, -, @) is written with a leading apostrophe.
- Excel is for people: a sheet named after the table; its title, then the partnership and
  as-of line, then the header (bold, frozen, with filters) and the rows. Numbers stay
  numbers and dates dates (moments in UTC), every text cell is text (never a formula).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.reporting.domain.tables import Table, Value

FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Stamp:
    """Where and when a download's records are from."""

    partnership_id: str
    partnership_name: str
    day: date
    """The day the records stand at (London): today when live."""
    moment: datetime
    live: bool

    @property
    def line(self) -> str:
        if self.live:
            return f"{self.partnership_name} · as of {self.moment.astimezone(UTC):%d %B %Y %H:%M} UTC"
        return f"{self.partnership_name} · as of the end of {self.day:%d %B %Y} (London time)"


def file_name(table: Table, stamp: Stamp, fmt: str) -> str:
    return f"{stamp.partnership_id}-{table.name}-as-of-{stamp.day.isoformat()}.{fmt}"


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


def to_csv(table: Table, stamp: Stamp) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Partnership", "As of", *table.headings])
    for row in table.rows:
        writer.writerow([stamp.partnership_name, stamp.day.isoformat(), *(_csv_cell(v) for v in row)])
    return out.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """Excel's limits on a sheet's name: 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Table"


def _xlsx_value(value: Value) -> Value:
    if isinstance(value, str):
        return CONTROL.sub("", value)  # characters an .xlsx cannot hold (tab and newline can)
    if isinstance(value, datetime) and value.tzinfo:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def to_xlsx(table: Table, stamp: Stamp) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(table.title)
    book.properties.title = table.title
    book.properties.subject = stamp.line
    book.properties.creator = "scrutiny"
    sheet["A1"] = table.title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = stamp.line
    sheet["A2"].font = Font(italic=True)
    header = 4
    for col, heading in enumerate(table.headings, start=1):
        cell = sheet.cell(row=header, column=col, value=heading)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F3F5F8")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(h) for h in table.headings]
    for r, row in enumerate(table.rows, start=header + 1):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col, value=_xlsx_value(value))
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, datetime):
                cell.number_format = "dd mmm yyyy hh:mm"
            elif isinstance(value, date):
                cell.number_format = "dd mmm yyyy"
            text = "" if value is None else str(value)
            widths[col - 1] = max(widths[col - 1], max((len(line) for line in text.split("\n")), default=0))
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
    if table.headings:
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(table.headings))}{header + max(len(table.rows), 1)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(table: Table, stamp: Stamp, fmt: str) -> bytes:
    return to_csv(table, stamp) if fmt == "csv" else to_xlsx(table, stamp)
