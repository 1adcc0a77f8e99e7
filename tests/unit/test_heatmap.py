"""The Section 11 heat map: one row per agency of the profile, cells coloured by the scale."""

from __future__ import annotations

import pytest

from services.reporting.domain.views import Cell, HeatMap, RatingRow, build_heatmap
from shared.profiles import load_builtin

PROFILE = load_builtin("north-lincolnshire")
AGENCIES = [a.id for a in PROFILE.agencies]
DOMAINS = [d.id for d in PROFILE.section11.domains]
HOUSING = "nlc-housing"
POLICE = "humberside-police"


def rating(agency: str, domain: str, value: int, position: int) -> RatingRow:
    return RatingRow(agency, domain, value, f"evt-{position}", position)


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
    assert cell == Cell(value, label, rag, "evt-9", 9)


def test_every_scale_level_maps_to_its_own_rag() -> None:
    levels = PROFILE.section11.rating_scale.levels
    rows = [rating(HOUSING, domain, level.value, n) for n, (domain, level) in enumerate(zip(DOMAINS, levels, strict=False), 1)]
    cells = cells_of(build_heatmap(PROFILE, rows), HOUSING)
    for domain, level in zip(DOMAINS, levels, strict=False):
        assert (cells[domain].rating, cells[domain].label, cells[domain].rag) == (level.value, level.label, level.rag)


def test_the_latest_rating_in_position_order_wins() -> None:
    rows = [
        rating(HOUSING, "culture-and-challenge", 1, 3),
        rating(HOUSING, "culture-and-challenge", 4, 8),
    ]
    cell = cells_of(build_heatmap(PROFILE, rows), HOUSING)["culture-and-challenge"]
    assert (cell.rating, cell.rag, cell.event_id, cell.position) == (4, "green", "evt-8", 8)


def test_ratings_of_agencies_or_domains_not_in_the_profile_are_ignored() -> None:
    rows = [rating("former-agency", DOMAINS[0], 1, 1), rating(HOUSING, "retired-domain", 1, 2)]
    heatmap = build_heatmap(PROFILE, rows)
    assert [r.agency_id for r in heatmap.rows] == AGENCIES
    assert all(c.rag == "none" for r in heatmap.rows for c in r.cells)
