"""Envelopes as asyncpg hands back rows of the events table (jsonb as text, bytea)."""

import json
from typing import Any

from shared.envelope import Envelope
from shared.eventstore.rows import COLUMNS, values


def row_of(envelope: Envelope) -> dict[str, Any]:
    assert envelope.prev_hash is not None and envelope.hash is not None
    return dict(zip(COLUMNS, values(envelope, json.dumps(envelope.payload())), strict=True))
