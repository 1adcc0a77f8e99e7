"""Every validated profile key is read by the code it configures (issue 16 item 6).

The test walks the schema (the pydantic fields of FrameworkProfile, recursively through
nested models, lists, optionals and dicts) and looks for each field name read as an
attribute (`.name`) in the services, the kernel and the page templates, outside the
profile package itself (its validators and reference generator read every key, which
proves nothing). A key found nowhere is configuration that does nothing: wire it to what
it configures, or remove it from the schema."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from shared.profiles.schema import FrameworkProfile

ROOT = Path(__file__).parents[2]

# Keys read only through a method of the profile package, which the services call.
READ_THROUGH_THE_PROFILE = {
    "endorsed_by": "ActivityType.endorsers(): who must endorse a proposal (events lifecycle)",
    "review_types": "activities.review_activities(): which activity a review is the work of (planner, reports)",
    "bands": "RiskMatrix.band(): the band of a risk's score (risk register)",
    "from_score": "RiskMatrix.band(): where each band starts",
    "cspr_signed_off_by": "ReviewTimescales.signatories('cspr'): who signs off a CSPR (reviews service)",
    "learning_review_signed_off_by": "ReviewTimescales.signatories('learning-review')",
    "thematic_review_signed_off_by": "ReviewTimescales.signatories('thematic-review')",
}


def _models(annotation: object, seen: set[type]) -> Iterator[type[BaseModel]]:
    if typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            yield from _models(arg, seen)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        seen.add(annotation)
        yield annotation
        for info in annotation.model_fields.values():
            yield from _models(info.annotation, seen)


def schema_keys() -> dict[str, list[str]]:
    """Field name -> the models that declare it."""
    keys: dict[str, list[str]] = {}
    for model in _models(FrameworkProfile, set()):
        for name in model.model_fields:
            keys.setdefault(name, []).append(model.__name__)
    return keys


def source_text() -> str:
    files = [
        p for pattern in ("services/**/*.py", "shared/**/*.py", "services/**/templates/*.html")
        for p in ROOT.glob(pattern) if "shared/profiles/" not in p.as_posix()
    ]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_the_walk_finds_the_nested_keys() -> None:
    keys = schema_keys()
    assert {"activities", "cadence", "offset_months", "learning_hub", "strategic_group", "monitored_by"} <= set(keys)
    assert "processes" not in keys  # removed: the learning hub's rules configure its cycle


def test_every_profile_key_is_read_by_the_code_it_configures() -> None:
    text = source_text()
    unread = {
        name: owners for name, owners in schema_keys().items()
        if name not in READ_THROUGH_THE_PROFILE and not re.search(rf"\.{re.escape(name)}\b", text)
    }
    assert not unread, f"profile keys no code reads (wire them or remove them from the schema): {unread}"


def test_the_allow_list_names_only_keys_of_the_schema() -> None:
    assert set(READ_THROUGH_THE_PROFILE) <= set(schema_keys())
