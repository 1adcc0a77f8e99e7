"""The heat map's scale: each rating level's fill, text colour and symbol, so a cell reads
without colour (its word and its symbol) and its colour still tells levels apart for a
reader who does not see red and green apart (pure).

Fills differ in luminance, not only in hue: the lowest level (red) is the darkest, amber the
lightest, green between them, and a second green level above the first (Outstanding above
Good) darker again, each pair of fills at least 1.7:1 apart in contrast, as much under a
protanopia or deuteranopia simulation as in full colour (tests/unit/test_heat_scale.py
computes it with Machado et al.'s 2009 matrices), with text on each of 4.5:1 or more."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.profiles.schema import FrameworkProfile


@dataclass(frozen=True)
class Tone:
    name: str  # the CSS class's suffix: heat-<name>
    fill: str
    text: str
    symbol: str
    meaning: str  # what the symbol stands for, said to a screen reader once, in the key


TONES: dict[str, Tone] = {
    "red": Tone("red", "#5a0f0a", "#ffffff", "✕", "lowest"),
    "amber": Tone("amber", "#ffe27a", "#0b0c0c", "!", "needs improving"),
    "green": Tone("green", "#5fb47f", "#0b0c0c", "✓", "good"),
    "green-2": Tone("green-2", "#2e7d4f", "#ffffff", "★", "best"),
    "none": Tone("none", "#f3f2f1", "#0b0c0c", "–", "no rating"),
}


def tones(profile: FrameworkProfile) -> dict[int, Tone]:
    """Each level of the profile's rating scale -> its tone: the level's own red, amber or
    green; a second (higher) level of the same colour takes that colour's second tone."""
    return level_tones(profile.section11.rating_scale.levels)


def level_tones(levels: Iterable[Any]) -> dict[int, Tone]:
    """`tones` of any levels with a `value` and a `rag` (the profile's, or a view's copy)."""
    seen: dict[str, int] = {}
    out: dict[int, Tone] = {}
    for level in sorted(levels, key=lambda lv: lv.value):
        seen[level.rag] = seen.get(level.rag, 0) + 1
        name = level.rag if seen[level.rag] == 1 else f"{level.rag}-2"
        out[level.value] = TONES.get(name, TONES[level.rag])
    return out


def css() -> str:
    """The heat map's cells, one rule per tone."""
    return " ".join(
        f".heat-{t.name} {{ background: {t.fill}; color: {t.text}; }} "
        f"main .heat-{t.name} a:link, main .heat-{t.name} a:visited {{ color: {t.text}; }}"
        for t in TONES.values()
    )
