"""Renders the dashboard and the board pack from the views (jinja2 templates). The board
pack's HTML and PDF come from the same partials: the screen page inlines the charts as
SVG and ends with every area's detail; the print page lays them on A4 with PNG charts,
for the PDF renderer in use (`pdf.py`: Chromium, tagged, else xhtml2pdf)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from services.reporting.adapters.render_cache import PAGES, to_minute
from services.reporting.adapters.templating import ENVIRONMENT as _env
from services.reporting.domain.views import Dashboard
from services.reporting.domain.views.board_pack import BoardPack
from services.reporting.domain.views.heat_scale import level_tones

if TYPE_CHECKING:
    from services.reporting.adapters.charts import Chart
    from services.reporting.adapters.pdf import Pdf

# matplotlib and xhtml2pdf (about 90 MB resident) are imported when a board pack is first
# drawn, not when the reporting service starts: most of its life it only projects.


def css_string(text: str) -> Markup:
    """Text inside a CSS double-quoted string (the PDF's running footer): quotes, backslashes
    and anything that could end the style element escaped as CSS escapes."""
    return Markup("".join(ch if ch.isalnum() or ch in " .,:;·—-()/" else f"\\{ord(ch):x} " for ch in text))


_env.filters["css_string"] = css_string  # the reporting service's one environment (templating.py)
PRINT_CHART_WIDTH = 500  # points: A4 less the print template's margins


def _symbols() -> dict[str, str]:
    from services.reporting.adapters.charts import SYMBOLS

    return SYMBOLS


def render_dashboard(dashboard: Dashboard) -> str:
    return _env.get_template("dashboard.html").render(d=dashboard)


def _charts(pack: BoardPack, charts: list[Chart] | None) -> list[Chart]:
    from services.reporting.adapters.charts import board_pack_charts

    return charts if charts is not None else board_pack_charts(pack, heatmap=False)


def render_board_pack(pack: BoardPack, charts: list[Chart] | None = None) -> str:
    """The pack as a web page (charts inline as SVG); kept by what it shows (`render_cache`:
    the pack shows its moment to the minute), unless the charts are given."""

    def render() -> str:
        return _env.get_template("boardpack.html").render(
            p=pack, charts=_charts(pack, charts), print=False, symbols=_symbols(), tone_of=level_tones(pack.heatmap.levels)
        )

    if charts is not None:
        return render()
    return PAGES.rendered(("boardpack.html", to_minute(pack, "as_of", "dashboard.as_of", "dashboard.scrutiny.as_of")), render)


def render_board_pack_print(pack: BoardPack, charts: list[Chart] | None = None, engine: str = "xhtml2pdf") -> str:
    """The pack as the HTML the PDF is made from (charts as PNG), for `engine`."""
    from services.reporting.adapters.pdf import font_face_css

    return _env.get_template("boardpack_print.html").render(
        p=pack, charts=_charts(pack, charts), print=True, chart_width=PRINT_CHART_WIDTH,
        font_faces=font_face_css(engine), engine=engine, symbols=_symbols(), tone_of=level_tones(pack.heatmap.levels),
        footer=f"{pack.partnership_name} · {pack.group.name} · {pack.meeting.strftime('%d %B %Y')}",
    )


def board_pack_pdf(pack: BoardPack, charts: list[Chart] | None = None) -> Pdf:
    """The PDF, with which renderer made it (and, untagged, why)."""
    from services.reporting.adapters.pdf import html_to_pdf

    drawn = _charts(pack, charts)
    return html_to_pdf(lambda engine: render_board_pack_print(pack, drawn, engine))


def render_board_pack_pdf(pack: BoardPack, charts: list[Chart] | None = None) -> bytes:
    return board_pack_pdf(pack, charts).data


@dataclass(frozen=True)
class BoardPackFiles:
    html: Path
    pdf: Path
    pdf_note: str = ""
    """Empty when the PDF is tagged for screen readers; else why not, and what would tag it."""


def board_pack_name(pack: BoardPack) -> str:
    return f"board-pack-{pack.partnership_id}-{pack.group.id}-{pack.meeting.isoformat()}"


def write_board_pack(pack: BoardPack, out_dir: Path) -> BoardPackFiles:
    """Write the pack's HTML and PDF side by side (charts drawn once for both)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = _charts(pack, None)
    html, pdf_path = out_dir / f"{board_pack_name(pack)}.html", out_dir / f"{board_pack_name(pack)}.pdf"
    html.write_text(render_board_pack(pack, charts), encoding="utf-8")
    pdf = board_pack_pdf(pack, charts)
    pdf_path.write_bytes(pdf.data)
    return BoardPackFiles(html, pdf_path, pdf.note)
