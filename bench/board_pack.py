"""A board pack for a year, from read models holding a national year of events.

What `scrutiny boardpack` does, timed by stage: the read models' queries (the
dashboard's, the planner's and the pack's own), the charts (matplotlib, SVG and
PNG), then the HTML page (Jinja) and the PDF (Jinja, then xhtml2pdf). HTML time =
queries + charts + page; PDF time = queries + charts + PDF. The pack is North
Lincolnshire's (a shipped profile) for the Children's MARS Board meeting after the
year the data covers, with `since` at the year's start, so it covers the year.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg

from bench.dataset import PROFILE, YEAR_START

GROUP = "childrens-mars-board"
MEETING = date(2031, 4, 15)
AS_OF = datetime(2031, 4, 14, 23, 59, tzinfo=UTC)


@dataclass
class BoardPackTimes:
    queries: float
    charts: float
    html: float
    pdf: float
    html_bytes: int
    pdf_bytes: int

    @property
    def html_total(self) -> float:
        return self.queries + self.charts + self.html

    @property
    def pdf_total(self) -> float:
        return self.queries + self.charts + self.pdf

    def describe(self) -> str:
        return (
            f"board pack stages: queries {self.queries:.2f} s, charts {self.charts:.2f} s, "
            f"HTML page {self.html:.2f} s ({self.html_bytes // 1024} KiB), PDF {self.pdf:.2f} s ({self.pdf_bytes // 1024} KiB)"
        )


async def bench_board_pack(pool: asyncpg.Pool, schema: str = "reporting") -> BoardPackTimes:
    import asyncio

    from services.reporting.adapters.charts import board_pack_charts
    from services.reporting.adapters.pages import render_board_pack, render_board_pack_pdf
    from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
    from shared.profiles import load_builtin

    profile = load_builtin(PROFILE)
    start = time.perf_counter()
    pack = await BoardPackReadModels(pool, schema).board_pack(profile, GROUP, MEETING, AS_OF, YEAR_START)
    queried = time.perf_counter()

    def render() -> tuple[float, float, float, int, int]:
        t0 = time.perf_counter()
        charts = board_pack_charts(pack)
        t1 = time.perf_counter()
        html = render_board_pack(pack, charts)
        t2 = time.perf_counter()
        pdf = render_board_pack_pdf(pack, charts)
        t3 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2, len(html.encode()), len(pdf)

    charts, html, pdf, html_bytes, pdf_bytes = await asyncio.to_thread(render)
    return BoardPackTimes(queried - start, charts, html, pdf, html_bytes, pdf_bytes)
