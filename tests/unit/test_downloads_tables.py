"""The pages' tables as CSV and Excel, read back with the csv module and openpyxl (pure:
views built in memory): every table of every page builds from its view; the heat map's
agencies and ratings, the action tracker's actions and the late returns are the page's;
the partnership and the as-of date are in the file and its name; numbers and dates stay
numbers and dates in Excel; nothing a person typed becomes a formula."""

import dataclasses
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from services.reporting.adapters.dashboard_pages import (
    AREAS,
    Links,
    Page,
    render_area_page,
    render_dashboard_page,
)
from services.reporting.adapters.spreadsheets import Stamp, file_name, render, sheet_title
from services.reporting.domain.tables import Table, of_page, spec, tables
from services.reporting.domain.views.risks import build_risk_register
from tests.support.outlines import csv_rows, html_outline, xlsx_rows
from tests.unit.test_board_pack_support import dashboard
from tests.unit.test_report_risks import risk
from tests.unit.test_report_tiered import KENT

LIVE = Stamp("north-lincolnshire", "North Lincolnshire Children's MARS Board", date(2027, 1, 20),
             datetime(2027, 1, 20, 9, 30, tzinfo=UTC), True)
PAST = dataclasses.replace(LIVE, day=date(2026, 12, 31), live=False)


def page_of(d: object) -> str:
    """The dashboard's overview and every area's page, one after another."""
    links = Links("north-lincolnshire", None, frozenset(d.agency_names))  # type: ignore[attr-defined]
    page = Page(links, "North Lincolnshire", "/p/north-lincolnshire", date(2027, 1, 20))
    return render_dashboard_page(d, page) + "".join(render_area_page(d, page, area) for area in AREAS)  # type: ignore[arg-type]


def test_every_table_of_the_dashboard_builds_and_is_linked_under_its_table_on_the_page() -> None:
    d = dashboard()
    html = page_of(d)
    for s in of_page("dashboard"):
        table = s.build(d)
        assert all(len(row) == len(table.headings) for row in table.rows), s.name
        if table.rows:
            assert f'href="/p/north-lincolnshire/export/{s.name}.csv"' in html, s.name
            assert f'href="/p/north-lincolnshire/export/{s.name}.xlsx"' in html, s.name
    assert {"heatmap", "risk-flags", "actions", "reviews", "assurance-in-progress", "planner", "risk-register",
            "tiered-indicators"} <= set(tables())


def test_the_heat_map_in_excel_has_every_agency_and_rating_of_the_page() -> None:
    d = dashboard()
    [heat] = [t for t in html_outline(page_of(d)).tables if t[0][:2] == ["Agency", "Return"]]
    data = render(spec("heatmap").build(d), LIVE, "xlsx")
    title, rows = xlsx_rows(data)
    assert title == "Section 11 heat map"
    assert (
        rows[0][0] == "Section 11 heat map" and rows[1][0] == "North Lincolnshire Children's MARS Board · as of 20 January 2027 09:30 UTC"
    )
    headings, body = rows[3], rows[4:]
    assert list(headings[:3]) == ["Agency", "Return", "Cycle"]
    by_agency = {row[0]: row for row in body}
    assert list(by_agency) == [r[0] for r in heat[1:]]
    domains = heat[0][2:]
    for page_row in heat[1:]:
        ours = by_agency[page_row[0]]
        for domain, cell in zip(domains, page_row[2:], strict=True):
            rating = ours[list(headings).index(domain)]
            if cell == "– No return":
                assert rating is None
            else:  # the page says the rating's word (its symbol before it), the file its number and word
                level = ours[list(headings).index(f"{domain}: level")]
                assert cell.split(" ", 1)[1].startswith(level), (page_row[0], domain, cell)
                assert isinstance(rating, int)


def test_csv_starts_with_its_header_and_says_where_and_when_on_every_row() -> None:
    d = dashboard()
    table = spec("late-returns").build(d)
    rows = csv_rows(render(table, PAST, "csv"))
    assert rows[0] == ["Partnership", "As of", "Agency", "Cycle", "Due", "Status", "Submitted", "Reminders", "Event id", "Position"]
    assert {tuple(r[:2]) for r in rows[1:]} == {("North Lincolnshire Children's MARS Board", "2026-12-31")}
    [police] = [r for r in rows[1:] if r[2] == "Humberside Police"]
    assert police[4:] == ["2026-11-01", "late", "2026-11-10T10:00:00+00:00", "1", "evt-late-police", "11"]
    assert file_name(table, PAST, "csv") == "north-lincolnshire-late-returns-as-of-2026-12-31.csv"
    _, xrows = xlsx_rows(render(table, PAST, "xlsx"))
    assert xrows[1][0] == "North Lincolnshire Children's MARS Board · as of the end of 31 December 2026 (London time)"
    [x] = [r for r in xrows[4:] if r[0] == "Humberside Police"]
    assert x[2] == datetime(2026, 11, 1) and x[4] == datetime(2026, 11, 10, 10, 0) and x[5] == 1


def test_the_action_tracker_rows_are_the_pages_bucket_by_bucket() -> None:
    d = dashboard()
    table = spec("actions").build(d)
    tracker = d.action_tracker
    assert tracker is not None
    expected = [
        (b, i.row.action_id) for b in ["overdue", "due soon", "awaiting sign-off", "open", "signed off"] for i in tracker.buckets[b]
    ]
    assert list(zip(table.column("Bucket"), table.column("Action id"), strict=True)) == expected
    html = page_of(d)
    for title in table.column("Action"):
        assert str(title) in html


def test_text_a_person_typed_never_becomes_a_formula() -> None:
    table = Table("t", "Risk register: [draft]/v2?", ["Reason", "Score", "Minus"], [["=HYPERLINK(\"http://x\")", 12, "-1 day\x07"]])
    rows = csv_rows(render(table, LIVE, "csv"))
    assert rows[1][2:] == ["'=HYPERLINK(\"http://x\")", "12", "'-1 day\x07"]
    sheet = load_workbook(io.BytesIO(render(table, LIVE, "xlsx"))).active
    assert sheet["A5"].value == "=HYPERLINK(\"http://x\")" and sheet["A5"].data_type == "s"
    assert sheet["B5"].value == 12 and sheet["C5"].value == "-1 day"
    assert sheet.title == sheet_title(table.title) == "Risk register   draft  v2"


def test_the_risk_register_and_tiered_tables_from_their_views() -> None:
    register = build_risk_register(KENT, [risk("r-1", (3, 4), date(2027, 1, 1)), risk("r-2", (1, 2), date(2028, 1, 1))],
                                   datetime(2027, 3, 1, tzinfo=UTC))
    table = spec("risk-register").build(register)
    assert table.column("Risk id") == ["r-1", "r-2"]
    assert table.column("Current score") == [12, 2] and table.column("Current band") == ["High", "Low"]
    assert table.column("Review overdue") == ["yes", "no"]
