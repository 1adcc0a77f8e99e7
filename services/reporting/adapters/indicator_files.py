"""A file of performance indicator values (CSV, or an Excel workbook's first sheet), read
row by row into the values of one `record-indicator-values` command.

The first row names the columns: `indicator_id`, `period` and `value` (in any order, any
case; `indicator` for `indicator_id`; other columns are ignored). Each later row is one
value; a blank row is skipped. A row that cannot be read is named with its line (as a
spreadsheet numbers it, the header being line 1) and why; when any is, the file is
refused whole and nothing is sent. What the service then refuses (an indicator another
agency supplies, a period of the wrong frequency, a value outside its unit) comes back as
`values.{n}.{field}` and `line_of` turns it into the line of the file."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 2000
COLUMNS = {"indicator_id": "indicator_id", "indicator": "indicator_id", "period": "period", "value": "value"}


class Unreadable(Exception):
    """The file as a whole cannot be read (not CSV or Excel, no header, too many rows)."""


@dataclass
class Read:
    values: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    """The file's line of each value, in order."""
    problems: list[str] = field(default_factory=list)
    """"Line N: why", for each row refused."""

    def line_of(self, index: int) -> int | None:
        return self.lines[index] if 0 <= index < len(self.lines) else None


def _rows(data: bytes, name: str) -> list[list[Any]]:
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
            raise Unreadable(f"{name} is not an Excel workbook that can be read ({type(error).__name__})") from None
        try:
            sheet = book.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        finally:
            book.close()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(f"{name} is neither an Excel workbook (.xlsx) nor a UTF-8 CSV file") from None
    return list(csv.reader(io.StringIO(text)))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().removesuffix("%").replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def read_values(data: bytes, name: str) -> Read:
    """The file's values, each with its line, and every row that cannot be read."""
    rows = _rows(data, name)
    if not rows:
        raise Unreadable(f"{name} is empty: its first row names the columns indicator_id, period and value")
    header = [COLUMNS.get(str(h or "").strip().lower().replace(" ", "_")) for h in rows[0]]
    missing = [c for c in ("indicator_id", "period", "value") if c not in header]
    if missing:
        raise Unreadable(f"the first row of {name} must name the columns indicator_id, period and value; missing: {', '.join(missing)}")
    if len(rows) - 1 > MAX_ROWS:
        raise Unreadable(f"{name} has more than {MAX_ROWS} rows: send it in parts")
    out = Read()
    for line, row in enumerate(rows[1:], start=2):
        cells = {col: row[i] for i, col in enumerate(header) if col and i < len(row)}
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        indicator = str(cells.get("indicator_id") or "").strip()
        period = cells.get("period")
        period_text = str(period or "").strip()
        if hasattr(period, "strftime"):  # Excel turned 2026-11 into a date: the month is meant
            period_text = period.strftime("%Y-%m")
        value = _number(cells.get("value"))
        why = ("no indicator_id" if not indicator else "no period" if not period_text
               else f"the value {cells.get('value')!r} is not a number" if value is None else None)
        if why:
            out.problems.append(f"Line {line}: {why}")
            continue
        out.values.append({"indicator_id": indicator, "period": period_text, "value": value})
        out.lines.append(line)
    if not out.values and not out.problems:
        raise Unreadable(f"{name} has no values below its header row")
    return out
