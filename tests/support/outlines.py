"""A page's and a download's outline, to hold one against the other: the headings (level and
text) and the tables (rows of cell texts) in the order they come, read from the HTML with
the standard library's parser, from a .docx with python-docx, from an .xlsx with openpyxl
and from a CSV with the csv module. Texts are compared with their whitespace collapsed
(a line break in a cell is a space)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

BREAKS = {"br", "li", "ul", "p", "div"}


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Outline:
    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    """List items outside tables (a list within an item is items of its own)."""


class _Reader(HTMLParser):
    def __init__(self, skip_classes: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = Outline()
        self._skip_classes = skip_classes
        self._skipping = 0
        self._skipped = ""
        self._heading: list[str] | None = None
        self._level = 0
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._tables: list[list[list[str]]] = []
        self._para: list[str] | None = None
        self._items: list[tuple[int, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if self._skipping:
            self._skipping += tag == self._skipped
            return
        if (tag in ("p", "nav") and classes & self._skip_classes) or tag in ("style", "script", "svg"):
            self._skipped, self._skipping = tag, 1
            return
        if tag in ("h1", "h2", "h3"):
            self._heading, self._level = [], int(tag[1])
        elif tag == "table":
            self._tables.append([])
        elif tag == "tr" and self._tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "p" and self._cell is None:
            self._para = []
        elif tag in BREAKS and self._cell is not None:
            self._cell.append("\n")
        if tag == "li" and self._cell is None:
            self.outline.items.append("")
            self._items.append((len(self.outline.items) - 1, []))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            self._skipping -= tag == self._skipped
            return
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.outline.headings.append((self._level, squash("".join(self._heading))))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._tables:
            self._tables[-1].append(self._row)
            self._row = None
        elif tag == "table" and self._tables:
            self.outline.tables.append(self._tables.pop())
        elif tag == "p" and self._para is not None:
            self.outline.paragraphs.append(squash("".join(self._para)))
            self._para = None
        elif tag == "li" and self._cell is None and self._items:
            index, text = self._items.pop()
            self.outline.items[index] = squash("".join(text))

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        for target in (self._heading, self._cell, self._para, self._items[-1][1] if self._items else None):
            if target is not None:
                target.append(data)


def html_outline(html: str, skip_classes: set[str] | None = None) -> Outline:
    """Headings, tables and paragraphs of a page (paragraphs and nav of `skip_classes` left out)."""
    reader = _Reader(skip_classes or {"download", "reports-nav", "nav", "asof-banner"})
    reader.feed(html)
    return reader.outline


def docx_outline(data: bytes) -> Outline:
    from docx import Document

    doc = Document(io.BytesIO(data))
    outline = Outline()
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            from docx.text.paragraph import Paragraph

            p = Paragraph(child, doc)
            style = p.style.name if p.style is not None else ""
            if style.startswith("Heading "):
                outline.headings.append((int(style.split()[1]), squash(p.text)))
            elif style.startswith("List Bullet"):
                outline.items.append(squash(p.text))
            elif p.text.strip():
                outline.paragraphs.append(squash(p.text))
        elif tag == "tbl":
            from docx.table import Table

            table = Table(child, doc)
            outline.tables.append([[squash("\n".join(q.text for q in cell.paragraphs)) for cell in row.cells] for row in table.rows])
    return outline


def xlsx_rows(data: bytes) -> tuple[str, list[list[Any]]]:
    """The only sheet's name and its rows of values."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    [sheet] = book.worksheets
    return sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a UTF-8 byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def main_of(page: str) -> str:
    """The page's own content (its <main>), without the frame every page shares (the board
    pack's page, drawn for print, is all content)."""
    found = re.findall(r"<main[^>]*>(.*)</main>", page, flags=re.S)
    return found[0] if found else page


# Where the page links "View evidence", the Word document, a file, names the event (as the
# report written to a file does): each side's evidence is left out before they are compared.
WEB_EVIDENCE = re.compile(r'\s*<a class="ev" href="[^"]*">.*?</a>|<span class="trace">recorded [^<]*</span>', re.S)
FILE_EVIDENCE = re.compile(
    r"(?<=\))\s+[^()]*? · event [0-9a-f-]{36} · position \d+"  # a tool's latest record's label and event
    r"|\s*\((?:[^()]|\([^()]*\))*?event [0-9a-f-]{36}[^()]*\)"
    r"|\s*risk \S+ · recorded [^,]*, event [0-9a-f-]{36} · latest event [0-9a-f-]{36} · position \d+"
    r"|\s*(?:rating: |· )?event [0-9a-f-]{36}(?: · position \d+)?(?: · )?"
)


def _without(outline: Outline, pattern: re.Pattern[str]) -> Outline:
    def strip(text: str) -> str:
        return " ".join(pattern.sub(" ", text).split())

    return Outline(
        [(level, strip(h)) for level, h in outline.headings],
        [[[strip(cell) for cell in row] for row in table] for table in outline.tables],
        [strip(p) for p in outline.paragraphs if strip(p)], [strip(i) for i in outline.items],
    )


def same_document(page: str, data: bytes) -> None:
    """The Word document has the page's headings, tables (cell for cell), paragraphs and lists,
    the evidence aside (the page links it, the document names it)."""
    html = _without(html_outline(WEB_EVIDENCE.sub("", main_of(page))), FILE_EVIDENCE)
    doc = _without(docx_outline(data), FILE_EVIDENCE)
    assert doc.headings == html.headings
    assert doc.tables == html.tables
    assert doc.paragraphs == html.paragraphs
    assert doc.items == html.items
