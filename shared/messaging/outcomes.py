"""Outcomes addressed to an agency: a copy of every event that names it, on its own subject.

    {ns}.{partnership}.out.{agency}.{EventType}

An agency's credentials let it subscribe to `{ns}.*.out.{its id}.>` and nothing
else of the platform's (`shared.runtime.nats_auth`), so this is how it hears its
reminders, overdue returns and actions, risk flags and the acknowledgement of
what it sent, without reading any other agency's events.

An event names an agency by a top-level `agency_id`, `owner_agency_id` or
`agency_ids` field. The outbox relay publishes the copies (core NATS, the same
body and headers as the event) once JetStream has stored the event: at least
once to a connected subscriber, so a subscriber drops repeats by event id.
"""

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from shared.catalogue import registered_event_types

AGENCY_FIELDS = ("agency_id", "owner_agency_id", "agency_ids")
# One subject token: an id with a dot or a wildcard would address someone else.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def outcome_subject(namespace: str, partnership: str, agency: str, event_type: str) -> str:
    return f"{namespace}.{partnership}.out.{agency}.{event_type}"


def outcomes_for(namespace: str, agency: str, partnership: str = "*") -> str:
    """What an agency subscribes to: its outcomes in one partnership, or in all (`*`)."""
    return f"{namespace}.{partnership}.out.{agency}.>"


@cache
def naming_fields() -> dict[str, tuple[str, ...]]:
    """Event type -> the fields of its payload that name agencies (only types that have any)."""
    return {
        event_type: fields
        for event_type, cls in registered_event_types().items()
        if (fields := tuple(f for f in AGENCY_FIELDS if f in cls.model_fields))
    }


def addressees(event_type: str, payload: str | bytes | Mapping[str, Any]) -> list[str]:
    """The agencies an event names, in field order, each once. Types naming none are not parsed."""
    fields = naming_fields().get(event_type)
    if not fields:
        return []
    data = json.loads(payload) if isinstance(payload, str | bytes) else payload
    found: list[str] = []
    for name in fields:
        value = data.get(name)
        for agency in value if isinstance(value, list) else [value]:
            if isinstance(agency, str) and _TOKEN.match(agency) and agency not in found:
                found.append(agency)
    return found
