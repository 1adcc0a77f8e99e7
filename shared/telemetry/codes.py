"""The bounded values of the `code` and `outcome` labels.

A refusal's code comes from the platform's own code, but a dead letter's code header is
read back from a stream that outlives releases: a label takes a code only if this
release raises it (`known_codes`, found once in the source of `shared` and `services`,
so a new refusal is known without a list to keep), anything else is "other".

A request's outcome is one of `OUTCOMES`: accepted, or the class of its refusal's code.
"""

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

OTHER = "other"
# Codes parked or answered that are not raised as `Refusal("…")` literals.
_PLUMBING = frozenset({"handler_failed", "internal_error", "unavailable", "conflict"})
_RAISED = re.compile(r"Refusal\(\s*\"([a-z][a-z0-9_]{0,63})\"")
_ROOTS = ("shared", "services")

# Refusal codes by outcome class; every other code is a rule of the domain saying no.
_CLASSES: dict[str, frozenset[str]] = {
    "invalid": frozenset({
        "invalid_json", "invalid_field", "too_large", "invalid_event", "unknown_event_type",
        "unsupported_schema_version",
    }),
    "forbidden": frozenset({
        "identity_mismatch", "not_permitted", "person_not_verified", "reply_not_to_sender",
        "unknown_partnership",
    }),
    "conflict": frozenset({"conflict", "request_id_reused"}),
    "throttled": frozenset({"busy", "rate_limited"}),
    "unavailable": frozenset({"unavailable"}),
    "error": frozenset({"internal_error", "handler_failed"}),
}
_CLASS_OF = {code: name for name, codes in _CLASSES.items() for code in codes}
# accepted; refused (a rule said no); or the class of the refusal's code; error also when
# no answer was made at all.
OUTCOMES = ("accepted", "refused", *_CLASSES)


@cache
def known_codes() -> frozenset[str]:
    """Every code this release raises (found in its source once, in a few milliseconds)."""
    base = Path(__file__).resolve().parents[2]
    found = set(_PLUMBING) | set(_CLASS_OF)
    for root in _ROOTS:
        for path in (base / root).rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if "Refusal(" in text:
                found.update(_RAISED.findall(text))
    return frozenset(found)


def bounded_code(code: str | None) -> str:
    """The code as a label value: itself when this release raises it, else "other"."""
    return code if code is not None and code in known_codes() else OTHER


def outcome_of(reply: Mapping[str, Any] | None) -> str:
    """A reply's outcome: accepted, or its refusal code's class (one of `OUTCOMES`)."""
    if not isinstance(reply, Mapping):
        return "error"
    status = reply.get("status")
    if status in ("accepted", "ok"):
        return "accepted"
    if status != "refused":
        return "error"
    error = reply.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    return _CLASS_OF.get(code, "refused") if isinstance(code, str) else "refused"
