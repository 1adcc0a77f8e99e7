"""Every headline figure a demo year shows, gathered from everywhere it is shown: each page
reached from the dashboard's navigation (`data-figure="<key>"` on every place a figure
is shown), the board pack's HTML and PDF, its action chart's last point, and the demo's
narration. `assert_one_value` fails naming each figure that reads differently somewhere."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urldefrag

import httpx


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._open: list[tuple[str, str, int, list[str]]] = []  # key, tag, depth of that tag, text
        self._depth: dict[str, int] = defaultdict(int)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._depth[tag] += 1
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        if found.get("data-figure"):
            self._open.append((found["data-figure"] or "", tag, self._depth[tag], []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][1] == tag and self._open[-1][2] == self._depth[tag]:
            key, _, _, text = self._open.pop()
            self.found.append((key, " ".join("".join(text).split())))
            for outer in self._open:
                outer[3].extend(text)
        self._depth[tag] -= 1

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][3].append(data)


def figures_in(html: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(key, text) of every marked figure, and every link's href."""
    parser = _Figures()
    parser.feed(html)
    return parser.found, parser.links


@dataclass
class Seen:
    values: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    """figure -> value -> where it was seen."""
    text: dict[str, str] = field(default_factory=dict)
    """Each page's text (tags dropped, entities read, whitespace collapsed)."""

    def add(self, where: str, key: str, value: object) -> None:
        self.values[key][str(value)].add(where)

    def add_page(self, where: str, html: str) -> list[str]:
        found, links = figures_in(html)
        self.text[where] = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
        for key, value in found:
            self.add(where, key, value)
        return links

    def keys_on(self, where: str) -> set[str]:
        return {key for key, values in self.values.items() for places in values.values() if where in places}

    def assert_one_value(self) -> None:
        differ = {key: {v: sorted(p) for v, p in values.items()} for key, values in self.values.items() if len(values) > 1}
        assert not differ, f"figures with more than one value: {differ}"


async def walk_pages(client: httpx.AsyncClient, partnership: str, seen: Seen) -> list[str]:
    """The dashboard and every page its navigation links to (not downloads, events or agencies)."""
    start = f"/p/{partnership}"
    response = await client.get(start)
    assert response.status_code == 200, response.text
    links = seen.add_page(start, response.text)
    pages = [start]
    for href in dict.fromkeys(urldefrag(h)[0] for h in links):
        if not href.startswith(start + "/") or re.search(r"format=|/export/|/event/|/agency/|as_of=|/documents/", href):
            continue
        page = await client.get(href)
        assert page.status_code == 200, (href, page.status_code)
        seen.add_page(href, page.text)
        pages.append(href)
    return pages


NARRATION = re.compile(
    r"(?P<open>\d+) open actions? \((?P<overdue>\d+) overdue, (?P<awaiting>\d+) awaiting sign-off\), "
    r"(?P<flags>\d+) open risk flags? and (?P<returned>\d+) of \d+ agenc"
)


def add_narration(seen: Seen, lines: list[str]) -> None:
    found = [m for line in lines if (m := NARRATION.search(line))]
    assert len(found) == 1, f"the narration gives the figures once: {lines}"
    m = found[0]
    for key, group in (("open-actions", "open"), ("overdue-actions", "overdue"), ("awaiting-sign-off", "awaiting"),
                       ("open-risk-flags", "flags"), ("agencies-returned", "returned")):
        seen.add("narration", key, m[group])


PDF_SUMMARY = re.compile(
    r"(?P<returned>\d+) of \d+ agencies have returned \(\d+ returns?\); (?P<flags>\d+) risk flags? open.*?"
    r"(?P<open>\d+) open, of which (?P<overdue>\d+) overdue; (?P<awaiting>\d+) awaiting sign-off"
)


def add_pdf(seen: Seen, text: str) -> None:
    m = PDF_SUMMARY.search(text)
    assert m, "the PDF's summary gives the figures"
    for key, group in (("open-actions", "open"), ("overdue-actions", "overdue"), ("awaiting-sign-off", "awaiting"),
                       ("open-risk-flags", "flags"), ("agencies-returned", "returned")):
        seen.add("board pack PDF", key, m[group])
