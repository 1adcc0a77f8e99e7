"""The Word documents read back with python-docx against their pages read with the HTML
parser: the board pack (its appendix's every area included) and the tiered, thematic and
yearly reports have the page's headings (level and text), tables (cell for cell),
paragraphs and list items, in the page's order (pure: views built in memory)."""

import dataclasses
from datetime import date

import pytest

from services.reporting.adapters.docx_board_pack import board_pack_docx
from services.reporting.adapters.docx_reports import (
    docx_name,
    thematic_docx,
    tiered_docx,
    yearly_docx,
)
from services.reporting.adapters.pages import render_board_pack
from services.reporting.adapters.report_pages import render_thematic, render_tiered, render_yearly
from services.reporting.domain.views.report_rows import StepRow
from services.reporting.domain.views.tiered import build_tiered
from services.reporting.domain.views.yearly import build_yearly
from tests.support.outlines import Outline, docx_outline, html_outline
from tests.unit import test_report_thematic as thematic
from tests.unit import test_report_yearly as yearly
from tests.unit.test_board_pack_support import pack
from tests.unit.test_report_tiered import AS_OF, KENT, rating, record


def same(html: str, data: bytes) -> Outline:
    page, doc = html_outline(html), docx_outline(data)
    assert doc.headings == page.headings
    assert len(doc.tables) == len(page.tables)
    for i, (ours, theirs) in enumerate(zip(doc.tables, page.tables, strict=True)):
        assert ours == theirs, f"table {i} under the page's headings differs"
    assert doc.paragraphs == page.paragraphs
    assert doc.items == page.items
    return doc


def test_the_board_pack_as_word_is_the_page_with_its_appendix() -> None:
    p = pack()
    p = dataclasses.replace(p, dashboard=dataclasses.replace(p.dashboard, planner=p.planner))  # the appendix's planner too
    doc = same(render_board_pack(p), board_pack_docx(p))
    assert doc.headings[0] == (1, "Board pack: North Lincolnshire Children's MARS Board")
    titles = [text for _, text in doc.headings]
    for heading in ("Exceptions since the last meeting", "Decisions needed", "Appendix: detail by area", "Section 11 heat map",
                    "Reviews and their clocks", "Action tracker", "Overdue (2)", "Concluded assurance events"):
        assert heading in titles, heading
    assert titles[-1].startswith("Scrutiny and assurance planner: ")
    cells = {cell for table in doc.tables for row in table for cell in row}
    for line in p.exceptions + p.outstanding:
        assert any(f"event {line.event_id}" in cell for cell in cells), line.event_id
    assert "Humberside Police" in cells and len(doc.tables) >= 15


def test_the_tiered_report_as_word() -> None:
    report = build_tiered(KENT, [rating("audits-lead-to-change", "limited", 5),
                                 rating("audits-lead-to-change", "moderate", 9, previous="limited")],
                          [record("assurance-event", "pr-1", "peer-review", date(2026, 10, 1), 3)], AS_OF)
    doc = same(render_tiered(report), tiered_docx(report))
    assert any("Moderate assurance improved since the previous rating" in c for t in doc.tables for r in t for c in r)
    assert docx_name(report) == "tiered-report-kent-2027-03-31.docx"


def test_the_thematic_report_as_word() -> None:
    report = thematic.report()
    doc = same(render_thematic(report), thematic_docx(report))
    assert doc.headings[0] == (1, f"{report.template_name}: {report.theme_name}")
    assert docx_name(report) == "thematic-report-calderdale-neglect.docx"


@pytest.mark.parametrize("status", ["drafted", "published"])
def test_the_yearly_report_as_word(status: str) -> None:
    steps = [StepRow("drafted", 1, "Business Unit", date(2027, 4, 1), "A year of rebuilding", None, "ev-d", 20)]
    view = build_yearly(yearly.SOMERSET, 2026, yearly.drafted(status, steps=steps), yearly.RECORDS, yearly.FACTS, yearly.ACTIONS,
                        yearly.IMPACT, [], yearly.CLOCKS, yearly.AS_OF)
    doc = same(render_yearly(view), yearly_docx(view))
    assert (1, "Twelve-monthly report 2026/27") in doc.headings
    assert docx_name(view) == "yearly-report-somerset-2026.docx"
