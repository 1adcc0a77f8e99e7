"""The one events-row shape (shared/eventstore/rows.py) is the table's, and its decoding
is what the chain, the bundle and the pages read."""

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from uuid import uuid4

import pytest
from pydantic import BaseModel, Field

from shared.eventstore import rows
from shared.hashchain import GENESIS, link_hash, row_hash
from shared.refusals import Refusal, build


def _table_columns() -> list[tuple[str, str]]:
    ddl = resources.files("shared.eventstore").joinpath("schema.sql").read_text()
    body = ddl.split("CREATE TABLE IF NOT EXISTS {schema}.events (", 1)[1].split("\n);", 1)[0]
    found = []
    for line in body.splitlines():
        match = re.match(r"\s+([a-z_]+)\s+([a-z]+)", line)
        if match and match.group(1) != "UNIQUE":
            found.append((match.group(1), match.group(2)))
    return found


def test_the_row_shape_is_the_events_table_in_order() -> None:
    table = _table_columns()
    assert rows.COLUMNS == tuple(name for name, _ in table)
    aliases = {"integer": "int"}
    assert rows.SQL_TYPES == tuple(aliases.get(sql, sql) for _, sql in table)
    assert rows.HASHED == tuple(c for c in rows.COLUMNS if c != "trace_context")


def _row() -> dict:
    row = {
        "position": 3, "event_id": uuid4(), "stream_id": "s-1", "stream_version": 1, "event_type": "T",
        "schema_version": 1, "partnership_id": "p", "actor": "a",
        "occurred_at": datetime(2026, 1, 2, 9, tzinfo=timezone(timedelta(hours=1))),
        "recorded_at": datetime(2026, 1, 2, 9, tzinfo=UTC), "correlation_id": uuid4(), "causation_id": None,
        "trace_context": "{}", "payload": json.dumps({"x": "é"}), "prev_hash": bytes.fromhex(GENESIS),
    }
    row["hash"] = bytes.fromhex(link_hash(GENESIS, row | {"payload": {"x": "é"}}))
    return row


def test_a_row_decoded_and_as_a_bundle_line() -> None:
    row = _row()
    fields = rows.decoded(row)
    assert fields["event_id"] == str(row["event_id"]) and fields["causation_id"] is None
    assert fields["payload"] == {"x": "é"} and fields["trace_context"] == {}
    assert fields["prev_hash"] == GENESIS and fields["occurred_at"] == row["occurred_at"]
    line = rows.record(row)
    assert line["occurred_at"] == "2026-01-02T08:00:00+00:00"
    assert list(line) == list(rows.COLUMNS)


def test_one_check_of_a_rows_hash_whatever_form_the_row_comes_in() -> None:
    row = _row()
    assert row_hash(row) == row["hash"].hex()
    line = rows.record(row)  # as a bundle holds it: text ids, hex hashes, ISO times
    line |= {c: datetime.fromisoformat(line[c]) for c in rows.TIMES}
    assert row_hash(line) == line["hash"]
    assert row_hash(row | {"actor": "someone else"}) != row["hash"].hex()


class _Raise(BaseModel):
    title: str = Field(min_length=1, max_length=5)


def test_a_command_built_from_values_is_refused_as_its_message_would_be() -> None:
    assert build(_Raise, {"title": "ok"}) == _Raise(title="ok")
    with pytest.raises(Refusal) as refused:
        build(_Raise, {"title": "far too long"})
    assert refused.value.field == "title"
    with pytest.raises(Refusal) as refused:
        build(_Raise, {"title": "a\x00"})
    assert refused.value.field == "title"
