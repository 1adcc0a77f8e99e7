"""Refusals: what an agency or operator hears when its message or command cannot be accepted.

Pure (pydantic only), so domain code raises them too."""

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError


class Refusal(Exception):
    """A message refused with a specific reason; answered to the sender and dead-lettered."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.code}{where}: {self.message}"


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        name = str(part) or '""'  # a field named "" is still named
        path += f"[{part}]" if isinstance(part, int) else (f".{name}" if path else name)
    return path


# Characters that make text read other than it is: the bidirectional overrides and
# isolates ("Trojan source": a name shown reversed) and invisible spaces (two names that
# look alike and differ). Zero-width joiners stay allowed: scripts and emoji need them.
_MISLEADING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff")


def _unstorable(text: str) -> bool:
    """NUL, a lone surrogate (JSON's "\\ud800" escapes parse to one; UTF-8 cannot hold it),
    or a character that makes text read other than it is (`_MISLEADING`)."""
    if "\x00" in text or not _MISLEADING.isdisjoint(text):
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def _escaped(text: str) -> str:
    """The text with NUL and lone surrogates written as \\uXXXX, to name a key that holds them."""
    return "".join(f"\\u{ord(c):04x}" if c == "\x00" or "\ud800" <= c <= "\udfff" or c in _MISLEADING else c for c in text)


def _nul_at(value: object, at: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    if isinstance(value, str):
        return at if _unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _unstorable(key):
                return (*at, _escaped(key))
            if (found := _nul_at(item, (*at, key))) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_at(item, (*at, index))) is not None:
                return found
    return None


M = TypeVar("M", bound=BaseModel)


def parse_message(model: type[M], data: bytes, **overrides: object) -> M:
    """Parse a JSON message into `model`, refusing it with the first offending field named.

    A plain message (ASCII, no `\\u` escape: nothing `_unstorable` refuses can be in it) is
    first parsed by pydantic's own JSON parser, with no dict in between: a Section 11 return
    in about three fifths of the time. Anything it does not accept takes the way below, so a
    refusal is worded as it always was (tests/unit/test_fuzz_commands.py)."""
    if not overrides and _plainly_storable(data):
        try:
            return model.model_validate_json(data)
        except ValidationError:
            pass
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError, int digit limit, deep nesting
        raise Refusal("invalid_json", f"the payload is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise Refusal("invalid_json", "the payload must be a JSON object")
    if not _plainly_storable(data):
        _refuse_unstorable(document)
    document.update(overrides)
    return _validated(model, document)


def _plainly_storable(data: bytes | str) -> bool:
    """ASCII JSON with no \\u escape: no text in it can hold what `_unstorable` refuses (each is
    a control or non-ASCII character, which strict JSON has only escaped or encoded), so the
    walk over every value is spared for most messages."""
    return data.isascii() and (b"\\u" if isinstance(data, bytes | bytearray) else "\\u") not in data


def build(model: type[M], fields: dict[str, object]) -> M:
    """A command built from values in hand (a reaction to an event), never through JSON
    and back, refused exactly as the same message would be (`parse_message`)."""
    _refuse_unstorable(fields)
    return _validated(model, fields)


def _refuse_unstorable(document: dict[str, object]) -> None:
    try:
        where = _nul_at(document, ())
    except RecursionError:
        raise Refusal("invalid_json", "the payload is nested too deeply") from None
    if where is not None:
        # PostgreSQL text and jsonb cannot hold U+0000: refuse it here, naming the field,
        # rather than fail at the append with an internal error.
        raise Refusal(
            "invalid_field",
            "text may not contain the NUL character (\\u0000), a lone surrogate (\\ud800-\\udfff), "
            "a text-direction override or an invisible space (\\u202a-\\u202e, \\u2066-\\u2069, \\u200b, \\u2060, \\ufeff)",
            _field_path(where) or None,
        )


def _validated(model: type[M], document: dict[str, object]) -> M:
    try:
        return model.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        field = _field_path(first["loc"])
        problems = "; ".join(f"{_field_path(e['loc']) or 'payload'}: {e['msg']}" for e in error.errors())
        raise Refusal("invalid_field", problems, field=field or None) from None
