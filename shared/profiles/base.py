"""What every part of the profile schema shares: frozen models that forbid
unknown fields, slugs, and problems reported with their exact field path.

Cross-references are checked by model validators that collect every problem
and raise them together as a :class:`ProfileConsistencyError`, so a loader can
report ``section11.standards[3].domain: unknown domain ...``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]

Loc = tuple[str | int, ...]


def format_loc(loc: Sequence[str | int]) -> str:
    """``("section11", "standards", 3, "domain")`` -> ``section11.standards[3].domain``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class ProfileConsistencyError(ValueError):
    """Cross-field problems found by a model validator.

    ``problems`` is a list of ``(loc, message)``; ``loc`` is relative to the
    model whose validator raised (pydantic reports that model's own location).
    """

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        self.problems: list[tuple[Loc, str]] = list(problems)
        super().__init__("; ".join(f"{format_loc(loc)}: {msg}" for loc, msg in self.problems))


class Problems:
    """Collects problems inside a validator and raises them all at once."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, message: str) -> None:
        self.items.append((loc, message))

    def unique_ids(self, field: str, items: Sequence[object], attr: str = "id") -> None:
        counts = Counter(getattr(item, attr) for item in items)
        seen: set[object] = set()
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if counts[value] > 1 and value in seen:
                self.add((field, i, attr), f"duplicate {attr} {value!r}")
            seen.add(value)

    def raise_if_any(self) -> None:
        if self.items:
            raise ProfileConsistencyError(self.items)


def known(values: Iterable[object]) -> str:
    vals = sorted(str(v) for v in values)
    return ", ".join(vals) if vals else "none defined"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")




_T = TypeVar("_T")


def by_id(items: Sequence[_T], item_id: str) -> _T:
    for item in items:
        if getattr(item, "id", None) == item_id:
            return item
    raise KeyError(item_id)
