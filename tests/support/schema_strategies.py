"""Hypothesis strategies for JSON documents valid against a JSON schema, as pydantic's
`model_json_schema()` writes them.

hypothesis-jsonschema would do this, but its last release (0.23.1) calls hypothesis
internals that hypothesis 6.1xx removed, so the subset pydantic emits is covered here:
`$ref`/`$defs`, `anyOf`/`oneOf`/`allOf`, `enum`, `const`, strings (lengths, `pattern`, the
`uuid`, `date`, `date-time` formats), integers and numbers with bounds, arrays (`items`,
sizes, `uniqueItems`), objects (`properties`, `required`, `additionalProperties`,
`patternProperties`, `propertyNames`, sizes). Unknown keywords are ignored: a document
the model then refuses is still a fine fuzzing input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

JSON = Any
ANY_JSON: st.SearchStrategy[JSON] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _anchored(pattern: str) -> str:
    # Pydantic (Rust regex) searches; its patterns here are anchored with ^...$. Python's `$`
    # also matches before a final newline, so generate full matches of the bare pattern.
    return pattern.removeprefix("^").removesuffix("$")


class SchemaStrategies:
    def __init__(self, schema: Mapping[str, Any], pins: Mapping[str, st.SearchStrategy[JSON]] | None = None) -> None:
        self.root = schema
        self.pins = dict(pins or {})

    def document(self) -> st.SearchStrategy[JSON]:
        return self.of(self.root, top=True)

    def of(self, schema: Mapping[str, Any], *, top: bool = False) -> st.SearchStrategy[JSON]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return st.deferred(lambda: self.of(self.root["$defs"][name]))
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return st.one_of([self.of(s) for s in schema[key]])
        if "allOf" in schema:
            return self.of({**{k: v for s in schema["allOf"] for k, v in s.items()}})
        kind = schema.get("type")
        if isinstance(kind, list):
            return st.one_of([self.of({**schema, "type": k}) for k in kind])
        if kind == "object" or "properties" in schema:
            return self._object(schema, top)
        if kind == "array":
            return self._array(schema)
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return st.integers(
                min_value=_bound(schema, "minimum", "exclusiveMinimum", 1),
                max_value=_bound(schema, "maximum", "exclusiveMaximum", -1),
            )
        if kind == "number":
            return st.floats(
                min_value=schema.get("minimum"), max_value=schema.get("maximum"),
                allow_nan=False, allow_infinity=False,
            )
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return ANY_JSON

    def _string(self, schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        fmt = schema.get("format")
        if fmt == "uuid":
            return st.uuids().map(str)
        if fmt == "date":
            return st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)).map(date.isoformat)
        if fmt == "date-time":
            return st.datetimes(
                min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
            ).map(datetime.isoformat)
        if "pattern" in schema:
            strings = st.from_regex(re.compile(_anchored(schema["pattern"])), fullmatch=True)
            return strings.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
        return st.text(min_size=low, max_size=min(high if high is not None else 40, 40) if low <= 40 else low)

    def _array(self, schema: Mapping[str, Any]) -> st.SearchStrategy[list[JSON]]:
        items = self.of(schema.get("items", {}))
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        high = min(high if high is not None else low + 4, low + 4)
        unique = schema.get("uniqueItems", False)
        return st.lists(items, min_size=low, max_size=high, unique_by=_key if unique else None)

    def _object(self, schema: Mapping[str, Any], top: bool) -> st.SearchStrategy[dict[str, JSON]]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        values = {}
        for name, sub in properties.items():
            generated = self.of(sub)
            values[name] = st.one_of(self.pins[name], generated) if top and name in self.pins else generated
        fixed = st.fixed_dictionaries(
            {n: s for n, s in values.items() if n in required},
            optional={n: s for n, s in values.items() if n not in required},
        )
        extra = schema.get("additionalProperties", not properties)
        patterns: Mapping[str, Any] = schema.get("patternProperties", {})
        if not patterns and (extra is False or properties):
            return fixed
        keys = self._keys(schema, patterns)
        value_schema = next(iter(patterns.values()), extra if isinstance(extra, dict) else {})
        low, high = schema.get("minProperties", 0), schema.get("maxProperties")
        high = min(high if high is not None else low + 4, low + 4)
        more = st.dictionaries(keys, self.of(value_schema), min_size=low, max_size=high)
        return st.tuples(fixed, more).map(lambda pair: pair[1] | pair[0])

    def _keys(self, schema: Mapping[str, Any], patterns: Mapping[str, Any]) -> st.SearchStrategy[str]:
        names = schema.get("propertyNames", {})
        if "pattern" in names:
            return self._string({"type": "string", **names})
        if patterns:
            return st.from_regex(re.compile(_anchored(next(iter(patterns)))), fullmatch=True)
        return st.text(max_size=12)


def _bound(schema: Mapping[str, Any], inclusive: str, exclusive: str, step: int) -> int | None:
    if inclusive in schema:
        return int(schema[inclusive])
    if exclusive in schema:
        return int(schema[exclusive]) + step
    return None


def _key(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, default=str)
