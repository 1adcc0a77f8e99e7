"""The heat map's scale reads without colour and tells its levels apart for colour-blind
readers: every cell carries its rating's word and a symbol, each level of a profile has a
tone of its own (Good and Outstanding apart), and the fills differ in luminance, as much
under a simulation of protanopia or deuteranopia (Machado, Oliveira and Fernandes 2009,
severity 1, applied in linear RGB) as in full colour, with text on each fill at 4.5:1."""

from itertools import combinations

import pytest

from services.reporting.domain.views.heat_scale import TONES, css, tones
from shared.profiles import load_builtin

MACHADO = {
    "full colour": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
RATED = ["red", "amber", "green", "green-2"]
APART = 1.7  # the least contrast between any two levels' fills


def linear(hex_colour: str) -> tuple[float, float, float]:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)  # type: ignore[return-value]


def luminance(rgb: tuple[float, float, float], matrix: tuple[tuple[float, ...], ...]) -> float:
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


@pytest.mark.parametrize("vision", list(MACHADO))
def test_every_two_levels_fills_stay_apart_in_luminance(vision: str) -> None:
    matrix = MACHADO[vision]
    seen = {name: luminance(linear(TONES[name].fill), matrix) for name in RATED}
    for a, b in combinations(RATED, 2):
        assert contrast(seen[a], seen[b]) >= APART, (vision, a, b, round(contrast(seen[a], seen[b]), 2))


def test_text_on_every_fill_is_readable_and_each_level_has_its_symbol() -> None:
    for tone in TONES.values():
        ratio = contrast(luminance(linear(tone.fill), MACHADO["full colour"]), luminance(linear(tone.text), MACHADO["full colour"]))
        assert ratio >= 4.5, (tone.name, round(ratio, 2))
    assert len({t.symbol for t in TONES.values()}) == len(TONES)
    assert all(f".heat-{name} {{ background: {t.fill}" in css() for name, t in TONES.items())


def test_a_profiles_levels_each_have_a_tone_good_and_outstanding_apart() -> None:
    lincs = tones(load_builtin("north-lincolnshire"))
    assert {v: t.name for v, t in lincs.items()} == {1: "red", 2: "amber", 3: "green", 4: "green-2"}
    assert lincs[3].fill != lincs[4].fill and lincs[3].symbol != lincs[4].symbol
    calderdale = tones(load_builtin("calderdale"))
    assert [t.name for t in calderdale.values()] == ["red", "amber", "green"]
