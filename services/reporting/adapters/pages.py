"""Renders the dashboard and the board pack from the views (jinja2 templates). The board
pack's HTML and PDF come from the same partials: the screen page inlines the charts as
SVG and ends with every area's detail; the print page lays them on A4 with PNG charts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from services.reporting.domain.views import Dashboard
from services.reporting.domain.views.board_pack import BoardPack

if TYPE_CHECKING:
    from services.reporting.adapters.charts import Chart

# matplotlib and xhtml2pdf (about 90 MB resident) are imported when a board pack is first
# drawn, not when the reporting service starts: most of its life it only projects.

_env = Environment(
    loader=PackageLoader("services.reporting.adapters", "templates"),
    autoescape=select_autoescape(["html"]),
)
PRINT_CHART_WIDTH = 500  # points: A4 less the print template's margins


def render_dashboard(dashboard: Dashboard) -> str:
    return _env.get_template("dashboard.html").render(d=dashboard)


def render_board_pack(pack: BoardPack, charts: list[Chart] | None = None) -> str:
    """The pack as a web page (charts inline as SVG)."""
    from services.reporting.adapters.charts import board_pack_charts

    return _env.get_template("boardpack.html").render(p=pack, charts=charts or board_pack_charts(pack), print=False)


def render_board_pack_print(pack: BoardPack, charts: list[Chart] | None = None) -> str:
    """The pack as the HTML the PDF is made from (charts as PNG)."""
    from services.reporting.adapters.charts import board_pack_charts
    from services.reporting.adapters.pdf import font_face_css

    return _env.get_template("boardpack_print.html").render(
        p=pack, charts=charts or board_pack_charts(pack), print=True, chart_width=PRINT_CHART_WIDTH,
        font_faces=font_face_css(),
    )


def render_board_pack_pdf(pack: BoardPack, charts: list[Chart] | None = None) -> bytes:
    from services.reporting.adapters.pdf import html_to_pdf

    return html_to_pdf(render_board_pack_print(pack, charts))


@dataclass(frozen=True)
class BoardPackFiles:
    html: Path
    pdf: Path


def board_pack_name(pack: BoardPack) -> str:
    return f"board-pack-{pack.partnership_id}-{pack.group.id}-{pack.meeting.isoformat()}"


def write_board_pack(pack: BoardPack, out_dir: Path) -> BoardPackFiles:
    """Write the pack's HTML and PDF side by side (charts drawn once for both)."""
    from services.reporting.adapters.charts import board_pack_charts

    out_dir.mkdir(parents=True, exist_ok=True)
    charts = board_pack_charts(pack)
    files = BoardPackFiles(out_dir / f"{board_pack_name(pack)}.html", out_dir / f"{board_pack_name(pack)}.pdf")
    files.html.write_text(render_board_pack(pack, charts), encoding="utf-8")
    files.pdf.write_bytes(render_board_pack_pdf(pack, charts))
    return files
