"""A command's form, laid out from the JSON Schema its service describes it with.

Each property of the command becomes a GOV.UK field: a choice of a few values is
radios, of many a select; a date is a date input (day, month, year); a number a
numeric input; a list of texts a textarea, one per line; a long text a textarea;
an object or a list of objects (a return's answers, a panel) a textarea of JSON
with its shape in the hint; a list of documents (`DocumentRef`) a file input, its files
stored and their references filled in by the route (work.py, uploads.py). The request
id travels as a hidden field chosen when the form is first shown, so a double click or
a resubmission is the same request. What the person typed is kept as typed, and a
refusal's field (`answers.safe-recruitment.rating`) lands on the field it starts with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.documents import kinds

HIDDEN = {"request_id"}
DOCUMENT_KEYS = {"sha256", "name", "media_type", "size"}  # shared/catalogue/documents.py
LONG_TEXT = 300


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text, textarea, number, date, radios, select, checkbox, lines, json, documents, hidden
    hint: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    numeric: bool = False  # a choice of numbers (a rating): sent as a number


@dataclass
class Filled:
    """A form as the person left it: raw values by field, errors by field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), node)
    return node


def _optional(node: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """`X | None` (anyOf with null) -> (X, True)."""
    options = node.get("anyOf")
    if options:
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1 and len(rest) < len(options):
            merged = {**{k: v for k, v in node.items() if k != "anyOf"}, **rest[0]}
            return merged, True
    return node, False


def _label(name: str, node: Mapping[str, Any]) -> str:
    title = node.get("title") or name.replace("_", " ")
    return title[:1].upper() + title[1:].lower()


def fields_of(schema: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> list[Field]:
    required = set(schema.get("required", ()))
    out = []
    for name, raw in schema.get("properties", {}).items():
        if name in skip:
            continue
        node, optional = _optional(raw)
        node = {**_resolve(schema, node), **{k: v for k, v in node.items() if k in ("title", "description", "default")}}
        hint = node.get("description", "")
        is_required = name in required and not optional
        kind, choices = _kind(schema, name, node)
        if kind == "json":
            hint = (hint + " " if hint else "") + "Enter as JSON: " + _shape(schema, node)
        if kind == "documents":
            hint = f"Optional. {kinds.HINT}"
        out.append(Field(name, _label(name, node), kind, hint, is_required, choices, node.get("default")))
    return out


def _kind(schema: Mapping[str, Any], name: str, node: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    if name in HIDDEN:
        return "hidden", ()
    if "enum" in node or "const" in node:
        values = tuple(str(v) for v in node.get("enum", [node.get("const")]))
        return ("radios" if len(values) <= 6 else "select"), values
    kind = node.get("type")
    if kind == "string":
        if node.get("format") == "date":
            return "date", ()
        return ("textarea" if node.get("maxLength", 0) > LONG_TEXT else "text"), ()
    if kind in ("integer", "number"):
        return "number", ()
    if kind == "boolean":
        return "checkbox", ()
    if kind == "array":
        items = _resolve(schema, node.get("items", {}))
        if DOCUMENT_KEYS <= set(items.get("properties", {})):
            return "documents", ()
        if items.get("type") == "string" and "enum" not in items:
            return "lines", ()
        if "enum" in items:
            return "checkboxes", tuple(str(v) for v in items["enum"])
    return "json", ()


def _shape(schema: Mapping[str, Any], node: Mapping[str, Any], depth: int = 0) -> str:
    node = _resolve(schema, node)
    node, _ = _optional(node)
    node = _resolve(schema, node)
    if depth > 2:
        return "…"
    if node.get("type") == "array":
        return "[" + _shape(schema, node.get("items", {}), depth + 1) + ", …]"
    if node.get("type") == "object":
        props = node.get("properties")
        if props:
            return "{" + ", ".join(f'"{k}": {_shape(schema, v, depth + 1)}' for k, v in list(props.items())[:6]) + "}"
        pattern = next(iter(node.get("patternProperties", {}).values()), None)
        return '{"id": ' + (_shape(schema, pattern, depth + 1) if pattern else "…") + ", …}"
    return node.get("type", "value")


class Unreadable(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def read_form(fields: list[Field], form: Mapping[str, Any], getlist: Any) -> tuple[dict[str, Any], Filled]:
    """The payload the form's values make, and the form as typed (with what could not be read)."""
    payload: dict[str, Any] = {}
    filled = Filled()
    for f in fields:
        try:
            value = _read(f, form, getlist, filled)
        except Unreadable as bad:
            filled.errors[f.name] = str(bad)
            continue
        if value is not None:
            payload[f.name] = value
        elif f.required:
            filled.errors[f.name] = f"Enter {f.label.lower()}"
    return payload, filled


def _read(f: Field, form: Mapping[str, Any], getlist: Any, filled: Filled) -> Any:
    if f.kind == "documents":  # files: taken, stored and referenced by the route
        return None
    if f.kind == "date":
        parts = {p: str(form.get(f"{f.name}-{p}", "")).strip() for p in ("day", "month", "year")}
        filled.values[f.name] = parts
        if not any(parts.values()):
            return None
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"])).isoformat()
        except ValueError:
            raise Unreadable(f.name, f"{f.label} must be a real date, for example 27 3 2027") from None
    if f.kind == "checkboxes":
        chosen = [v for v in getlist(f.name) if v in f.choices]
        filled.values[f.name] = chosen
        return chosen or None
    raw = str(form.get(f.name, ""))
    filled.values[f.name] = raw
    text = raw.strip()
    if f.kind == "checkbox":
        return text == "yes"
    if not text:
        return None
    if f.kind in ("radios", "select") and f.choices and text not in f.choices:
        raise Unreadable(f.name, f"Choose one of the options for {f.label.lower()}")
    if f.numeric and re.fullmatch(r"-?\d+", text):
        return int(text)
    match f.kind:
        case "number":
            if not re.fullmatch(r"-?\d+(\.\d+)?", text):
                raise Unreadable(f.name, f"{f.label} must be a number")
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        case "lines":
            return [line.strip() for line in text.splitlines() if line.strip()]
        case "json":
            try:
                return json.loads(text)
            except ValueError:
                raise Unreadable(f.name, f"{f.label} must be JSON, shaped as the hint shows") from None
    return text


def error_field(refused_field: str | None, fields: list[Field]) -> str | None:
    """The form field a refusal names (`answers.x.rating` -> `answers`), if the form has it."""
    if not refused_field:
        return None
    head = re.split(r"[.\[]", refused_field, maxsplit=1)[0]
    return head if any(f.name == head for f in fields) else None


def as_typed(value: Any) -> str:
    """A stored value shown back in a field as a person would type it."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2)
    return "" if value is None else str(value)
