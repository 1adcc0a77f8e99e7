"""The Section 11 heat map: one row per agency of the profile, cells coloured by the scale."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.views import Cell, HeatMap, RatingRow, ReturnRow, build_heatmap
from shared.profiles import load_builtin

PROFILE = load_builtin("north-lincolnshire")
AGENCIES = [a.id for a in PROFILE.agencies]
DOMAINS = [d.id for d in PROFILE.section11.domains]
HOUSING = "nlc-housing"
POLICE = "humberside-police"


def rating(
    agency: str, domain: str, value: int, position: int, cycle: str = "2026-27", moderated: int | None = None
) -> RatingRow:
    return RatingRow(
        agency, cycle, domain, value, moderated, "panel's reason" if moderated else None, f"evt-{position}", position,
        f"mod-{position}" if moderated else None,
    )


def cells_of(heatmap: HeatMap, agency: str) -> dict[str, Cell]:
    [row] = [r for r in heatmap.rows if r.agency_id == agency]
    return dict(zip(DOMAINS, row.cells, strict=True))


def test_one_row_per_profile_agency_in_profile_order() -> None:
    heatmap = build_heatmap(PROFILE, [])
    assert [r.agency_id for r in heatmap.rows] == AGENCIES
    assert [r.agency_name for r in heatmap.rows] == [a.name for a in PROFILE.agencies]
    assert heatmap.domains == [(d.id, d.name) for d in PROFILE.section11.domains]
    assert len(heatmap.domains) == 6
    assert all(len(r.cells) == 6 for r in heatmap.rows)


def test_agencies_without_returns_have_none_cells() -> None:
    heatmap = build_heatmap(PROFILE, [rating(HOUSING, DOMAINS[0], 3, 1)])
    for row in heatmap.rows:
        if row.agency_id == HOUSING:
            continue
        assert all(c == Cell(None, "no return", "none") for c in row.cells)
    housing = cells_of(heatmap, HOUSING)
    assert all(housing[d].rag == "none" and housing[d].rating is None for d in DOMAINS[1:])


@pytest.mark.parametrize(
    ("value", "label", "rag"),
    [(1, "Inadequate", "red"), (2, "Requires improvement", "amber"), (3, "Good", "green"), (4, "Outstanding", "green")],
)
def test_rag_and_label_come_from_the_scale(value: int, label: str, rag: str) -> None:
    heatmap = build_heatmap(PROFILE, [rating(POLICE, "culture-and-challenge", value, 9)])
    cell = cells_of(heatmap, POLICE)["culture-and-challenge"]
    assert (cell.rating, cell.label, cell.rag, cell.event_id, cell.position) == (value, label, rag, "evt-9", 9)
    assert (cell.self_rating, cell.moderated_rating, cell.gap) == (value, None, None)


def test_every_scale_level_maps_to_its_own_rag() -> None:
    levels = PROFILE.section11.rating_scale.levels
    rows = [rating(HOUSING, domain, level.value, n) for n, (domain, level) in enumerate(zip(DOMAINS, levels, strict=False), 1)]
    cells = cells_of(build_heatmap(PROFILE, rows), HOUSING)
    for domain, level in zip(DOMAINS, levels, strict=False):
        assert (cells[domain].rating, cells[domain].label, cells[domain].rag) == (level.value, level.label, level.rag)


def test_the_latest_cycle_in_position_order_wins() -> None:
    rows = [
        rating(HOUSING, "culture-and-challenge", 4, 8, cycle="2026-27"),
        rating(HOUSING, "culture-and-challenge", 1, 3, cycle="2025-26"),
        rating(HOUSING, "leadership-and-governance", 1, 4, cycle="2025-26"),
    ]
    heatmap = build_heatmap(PROFILE, rows)
    cells = cells_of(heatmap, HOUSING)
    cell = cells["culture-and-challenge"]
    assert (cell.rating, cell.rag, cell.event_id, cell.position) == (4, "green", "evt-8", 8)
    # Only the latest cycle's return is shown: last year's leadership rating is not mixed in.
    assert cells["leadership-and-governance"].rag == "none"
    [row] = [r for r in heatmap.rows if r.agency_id == HOUSING]
    assert row.cycle_id == "2026-27"


def test_a_moderated_score_is_what_counts_and_the_gap_is_shown() -> None:
    cell = cells_of(build_heatmap(PROFILE, [rating(POLICE, "culture-and-challenge", 3, 5, moderated=2)]), POLICE)[
        "culture-and-challenge"
    ]
    assert (cell.rating, cell.rag, cell.self_rating, cell.moderated_rating, cell.gap) == (2, "amber", 3, 2, 1)
    assert cell.moderated_event_id == "mod-5"


def test_each_row_shows_the_status_of_the_agency_return() -> None:
    returns = [
        ReturnRow(HOUSING, "2026-27", date(2026, 11, 30), "overdue", None, 2, 0, "evt-20", 20),
        ReturnRow(POLICE, "2026-27", date(2026, 11, 30), "late", None, 2, 0, "evt-21", 21),
    ]
    heatmap = build_heatmap(PROFILE, [rating(POLICE, "culture-and-challenge", 3, 21)], returns)
    status = {r.agency_id: r.status for r in heatmap.rows}
    assert (status[HOUSING], status[POLICE], status[AGENCIES[0]]) == ("overdue", "late", "not asked")


def test_ratings_of_agencies_or_domains_not_in_the_profile_are_ignored() -> None:
    rows = [rating("former-agency", DOMAINS[0], 1, 1), rating(HOUSING, "retired-domain", 1, 2)]
    heatmap = build_heatmap(PROFILE, rows)
    assert [r.agency_id for r in heatmap.rows] == AGENCIES
    assert all(c.rag == "none" for r in heatmap.rows for c in r.cells)
