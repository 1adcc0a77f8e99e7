"""The board pack rendered: the HTML page with inline SVG charts and each area's detail, and
the PDF from the print template, read back with PDFium."""

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.charts import board_pack_charts
from services.reporting.adapters.pages import render_board_pack, write_board_pack
from tests.support.browser import find_chromium
from tests.support.pdf_pages import assert_readable_pack, pdf_text, tags
from tests.unit.test_board_pack_support import PROFILE, pack


def test_the_html_page_has_every_section_charts_and_the_areas_detail() -> None:
    p = pack()
    html = render_board_pack(p)
    for heading in ("Exceptions since the last meeting", "Decisions needed", "Reports due to Children&#39;s MARS Board",
                    "Planner for the next quarter: February 2027 to April 2027", "Section 11 heat map",
                    "Actions opened, closed and overdue", "Timeliness of returns and reviews", "Action tracker"):
        assert heading in html, heading
    assert html.count("<svg") == 2  # the heat map is a table (names wrap, ratings read as words)
    assert "Action plan" in html and "Refresh the escalation policy" in html
    for agency in PROFILE.agencies:
        assert agency.name.replace("'", "&#39;") in html, agency.name
    for line in p.exceptions + p.outstanding:
        assert f"event {line.event_id}" in html
    assert "Board pack: North Lincolnshire" in html


def test_charts_come_as_svg_and_png() -> None:
    charts = board_pack_charts(pack())
    assert [c.title for c in charts] == ["Section 11 heat map", "Actions opened, closed and overdue", "Timeliness of returns and reviews"]
    assert [c.title for c in board_pack_charts(pack(), heatmap=False)] == [c.title for c in charts[1:]]
    for chart in charts:
        assert chart.svg.startswith("<svg")
        assert chart.png.startswith(b"\x89PNG")
    assert "Humberside Police" in charts[0].svg  # text stays text in the SVG
    # The heat map chart's key names the ratings (with their marks), not colours; names are wrapped, never cut.
    for legend in ("✗ 1 Inadequate", "▲ 2 Requires improvement", "✓ 3 Good", "✓ 4 Outstanding", "– no return"):
        assert legend in charts[0].svg, legend
    assert "…" not in charts[0].svg


def test_the_pdf_reads_back_with_the_exceptions_and_renders_to_png(tmp_path: Path) -> None:
    files = write_board_pack(pack(), tmp_path)
    assert files.html.name == "board-pack-north-lincolnshire-childrens-mars-board-2027-01-20.html"
    assert files.pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_text(files.pdf)
    assert len(pages) >= 3
    text = " ".join(pages)
    for wanted in ("Board pack: North Lincolnshire", "Exceptions since the last meeting", "evt-actionoverdue-2",
                   "Decisions needed", "Action plan", "Planner for the next quarter", "Section 11 heat map",
                   "1 Inadequate", "2 Requires improvement", "3 Good", "4 Outstanding",
                   "Timeliness of returns and reviews", f"page 1 of {len(pages)}"):
        assert wanted in text, wanted
    doc = pdfium.PdfDocument(str(files.pdf))
    image = doc[0].render(scale=1.5).to_pil()
    doc.close()
    image.save(tmp_path / "page1.png")
    assert image.width > 800 and (tmp_path / "page1.png").stat().st_size > 20_000


@pytest.mark.parametrize("chromium", [True, False], ids=["tagged", "fallback"])
def test_the_pdf_has_no_near_blank_page_no_cut_name_and_is_tagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chromium: bool
) -> None:
    """Every page at least a fifth full, every agency's full name in the text; with Chromium a
    tagged PDF with its language and title, without it xhtml2pdf's untagged one, saying so."""
    if chromium:
        monkeypatch.setenv("SCRUTINY_CHROMIUM", find_chromium())
    else:
        monkeypatch.setenv("SCRUTINY_CHROMIUM", str(tmp_path / "no-chromium-here"))
    files = write_board_pack(pack(), tmp_path)
    assert_readable_pack(files.pdf, [a.name for a in PROFILE.agencies], tmp_path)
    found = tags(files.pdf)
    assert found.title == "Board pack — North Lincolnshire Children's MARS Board — Children's MARS Board — 20 January 2027"
    if chromium:
        assert files.pdf_note == ""
        assert found.marked and found.struct_tree and found.lang == "en-GB" and found.display_title, found
    else:
        assert "not tagged for screen readers" in files.pdf_note and "apt-get install chromium" in files.pdf_note


def test_the_command_refuses_an_unknown_group_listing_the_groups() -> None:
    result = CliRunner().invoke(app, ["boardpack", "--meeting", "2027-01-20", "--group", "the-board"])
    assert result.exit_code == 2
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "'the-board' is not a group" in output
    assert "childrens-mars-board" in output and "splig" in output


def test_the_command_refuses_a_meeting_that_is_not_a_date() -> None:
    result = CliRunner().invoke(app, ["boardpack", "--meeting", "next week", "--group", "childrens-mars-board"])
    assert result.exit_code == 2
    assert "is not a date" in result.output + (result.stderr if result.stderr_bytes is not None else "")
