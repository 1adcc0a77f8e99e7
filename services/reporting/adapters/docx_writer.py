"""Writing a Word document (python-docx) the way the report pages read: headings at the
pages' levels (h1 as Heading 1, h2 as Heading 2, h3 as Heading 3), paragraphs, bulleted
lists, tables with a bold header row, and the pages' small grey trace text (the event
behind a line) as a smaller grey run, so a Board paper keeps its evidence when edited.

The documents themselves are built from the views by `docx_reports.py` (tiered, thematic,
yearly) and `docx_board_pack.py`; nothing here knows a report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BULLETS = {1: "List Bullet", 2: "List Bullet 2"}
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
GREY = RGBColor(0x5B, 0x67, 0x76)
# The pages' cell colours, for the heat map and the assurance levels.
FILLS = {"red": "E8A3A3", "amber": "F5D48F", "green": "A9D8A9", "green-2": "5FA777", "yellow": "F3EC9A", "none": "F6F6F6",
         "a-substantial": "A9D8A9", "a-moderate": "D8E8A4", "a-limited": "F5D48F", "a-unsatisfactory": "E8A3A3"}


@dataclass(frozen=True)
class Line:
    """One paragraph of a cell or list: its text, then its trace in small grey type."""

    text: str = ""
    trace: str = ""
    bullet: int = 0
    """0 a plain paragraph, 1 a bullet, 2 a bullet under a bullet."""


Cell = str | int | float | date | datetime | None | Sequence[Line]


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def day(value: date | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt) if value else ""


class WordDocument:
    """A document being written, top to bottom."""

    def __init__(self, title: str, subject: str, *, landscape: bool = False) -> None:
        self.doc = Document()
        self.doc.core_properties.title = title
        self.doc.core_properties.subject = subject
        self.doc.core_properties.author = "scrutiny"
        self.doc.styles["Normal"].font.size = Pt(10)
        section = self.doc.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = section.page_height, section.page_width
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(1.8))

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level)

    def para(self, text: str = "", trace: str = "", *, meta: bool = False, italic: bool = False) -> None:
        self._fill(self.doc.add_paragraph(), Line(text, trace), meta=meta, italic=italic)

    def bullets(self, lines: Sequence[Line]) -> None:
        for line in lines:
            self._fill(self.doc.add_paragraph(style=BULLETS[max(line.bullet, 1)]), line)

    def picture(self, png: bytes, width_cm: float = 16) -> None:
        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))

    def table(
        self, headings: Sequence[str] | None, rows: Sequence[Sequence[Cell]], *,
        fills: Sequence[Sequence[str | None]] | None = None, header_column: bool = False,
    ) -> None:
        """A table; `headings` None for one without a header row, `header_column` to bold the
        first cell of each row (a summary table), `fills` a colour name per cell."""
        width = len(headings) if headings else max((len(r) for r in rows), default=1)
        table = self.doc.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        if headings:
            cells = table.add_row().cells
            for cell, heading in zip(cells, headings, strict=True):
                self._cell(cell, [Line(heading)], bold=True)
                _shade(cell, "F3F5F8")
            _repeat_header(table.rows[0])
        for r, row in enumerate(rows):
            cells = table.add_row().cells
            for c, (cell, value) in enumerate(zip(cells, row, strict=True)):
                self._cell(cell, _lines(value), bold=header_column and c == 0)
                fill = fills[r][c] if fills else None
                if fill in FILLS:
                    _shade(cell, FILLS[fill])
        self.doc.add_paragraph()

    def _cell(self, cell: object, lines: Sequence[Line], *, bold: bool = False) -> None:
        first = cell.paragraphs[0]  # type: ignore[attr-defined]
        for i, line in enumerate(lines or [Line()]):
            paragraph = first if i == 0 else cell.add_paragraph()  # type: ignore[attr-defined]
            if line.bullet:
                paragraph.style = self.doc.styles[BULLETS[line.bullet]]
            self._fill(paragraph, line, bold=bold)

    @staticmethod
    def _fill(paragraph: object, line: Line, *, meta: bool = False, italic: bool = False, bold: bool = False) -> None:
        if line.text:
            run = paragraph.add_run(line.text)  # type: ignore[attr-defined]
            run.bold, run.italic = bold or None, italic or None
            if meta:
                run.font.color.rgb = GREY
        if line.trace:
            run = paragraph.add_run((" " if line.text else "") + line.trace)  # type: ignore[attr-defined]
            run.font.size, run.font.color.rgb = Pt(7.5), GREY

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _lines(value: Cell) -> list[Line]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [Line(text_of(value))]


def _shade(cell: object, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]


def _repeat_header(row: object) -> None:
    """The header row repeats on every page the table runs over."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)  # type: ignore[attr-defined]
