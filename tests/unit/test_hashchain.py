"""The tamper-evident chain: built by the in-memory store, checked by the pure checker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.catalogue.section11 import SubmissionReceived
from shared.clock import ManualClock
from shared.envelope import Envelope, Metadata
from shared.eventstore.memory import InMemoryEventStore
from shared.eventstore.verify import ChainChecker, check_chain
from shared.hashchain import GENESIS, canonical_bytes, canonical_payload, link_hash
from shared.mapper import new_envelopes
from tests.support.rows import row_of

T0 = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
NL = "north-lincolnshire"
OTHER = "other-partnership"
# Interleaved: positions 1..8 belong to these partnerships.
ORDER = [NL, OTHER, NL, NL, OTHER, NL, OTHER, NL]


def submission(n: int) -> SubmissionReceived:
    return SubmissionReceived(
        submission_id=f"s-{n}",
        agency_id="nlc-housing",
        cycle_id="2026",
        domain_ratings={"leadership-and-governance": 1 + n % 4},
        submitted_by="lead",
    )


async def build_chain() -> list[Envelope]:
    clock = ManualClock(T0)
    store = InMemoryEventStore("section11", clock=clock)
    versions: dict[str, int] = {}
    for n, partnership in enumerate(ORDER):
        clock.advance(timedelta(seconds=1))
        stream = f"s11-return:{partnership}:nlc-housing:2026"
        meta = Metadata(partnership_id=partnership, actor="agency:nlc-housing", correlation_id=uuid4())
        version = versions.get(stream, 0)
        await store.append(stream, version, new_envelopes(stream, version, [submission(n)], meta, clock.now()))
        versions[stream] = version + 1
    return await store.read_all()



def heads_of(envelopes: list[Envelope]) -> dict[str, str]:
    heads: dict[str, str] = {}
    for envelope in envelopes:
        assert envelope.hash is not None
        heads[envelope.partnership_id] = envelope.hash
    return heads


@pytest.fixture
async def chain() -> list[Envelope]:
    return await build_chain()


# -- the chain as built ---------------------------------------------------------------------


async def test_store_links_each_partnership_separately(chain: list[Envelope]) -> None:
    assert [e.position for e in chain] == list(range(1, len(ORDER) + 1))
    assert [e.partnership_id for e in chain] == ORDER
    previous: dict[str, str] = {}
    for envelope in chain:
        assert envelope.prev_hash == previous.get(envelope.partnership_id, GENESIS)
        previous[envelope.partnership_id] = envelope.hash or ""


async def test_recorded_hash_is_the_link_hash_of_the_stored_fields(chain: list[Envelope]) -> None:
    for envelope in chain:
        row = row_of(envelope) | {"payload": envelope.payload()}
        assert envelope.prev_hash is not None
        assert link_hash(envelope.prev_hash, row) == envelope.hash


def test_canonical_bytes_are_independent_of_the_timezone_of_timestamps() -> None:
    fields = {
        "event_id": uuid4(),
        "event_type": "X",
        "schema_version": 1,
        "stream_id": "s",
        "stream_version": 1,
        "partnership_id": NL,
        "actor": "a",
        "occurred_at": T0,
        "recorded_at": T0,
        "correlation_id": uuid4(),
        "causation_id": None,
        "position": 1,
        "payload": {"b": 1, "a": "é"},
    }
    from zoneinfo import ZoneInfo

    elsewhere = fields | {
        "occurred_at": T0.astimezone(ZoneInfo("Asia/Tokyo")),
        "recorded_at": T0.astimezone(ZoneInfo("America/New_York")),
    }
    assert canonical_bytes(fields) == canonical_bytes(elsewhere)
    assert link_hash(GENESIS, fields) == link_hash(GENESIS, elsewhere)
    assert link_hash(GENESIS, fields) != link_hash("1" * 64, fields)


# -- checking ---------------------------------------------------------------------------------


async def test_untouched_chain_is_intact(chain: list[Envelope]) -> None:
    report = check_chain("section11", [row_of(e) for e in chain], heads_of(chain))
    assert report.intact, [str(b) for b in report.breaks]
    assert report.events_checked == len(ORDER)
    assert report.store == "section11"


async def test_rows_with_hex_hashes_and_decoded_payload_are_intact(chain: list[Envelope]) -> None:
    rows = [
        row_of(e) | {"prev_hash": e.prev_hash, "hash": e.hash, "payload": e.payload()} for e in chain
    ]
    assert check_chain("section11", rows, heads_of(chain)).intact


async def test_an_altered_payload_is_named_by_its_position(chain: list[Envelope]) -> None:
    rows = [row_of(e) for e in chain]
    payload = json.loads(rows[3]["payload"])
    payload["domain_ratings"] = {"leadership-and-governance": 4, "culture-and-challenge": 4}
    rows[3]["payload"] = json.dumps(payload)
    report = check_chain("section11", rows, heads_of(chain))
    assert not report.intact
    [only] = report.breaks
    assert only.position == 4
    assert only.event_id == str(chain[3].event_id)
    assert "altered" in only.problem
    assert "position 4" in str(only)


async def test_an_altered_stored_field_is_caught(chain: list[Envelope]) -> None:
    rows = [row_of(e) for e in chain]
    rows[0]["actor"] = "someone-else"
    report = check_chain("section11", rows, heads_of(chain))
    assert [(b.position, "altered" in b.problem) for b in report.breaks] == [(1, True)]


async def test_a_deleted_middle_row_is_named_by_the_next_position(chain: list[Envelope]) -> None:
    # Position 3 (north-lincolnshire) is deleted; position 4 is the next, of the same partnership.
    rows = [row_of(e) for e in chain if e.position != 3]
    report = check_chain("section11", rows, heads_of(chain))
    assert not report.intact
    assert {b.position for b in report.breaks} == {4}
    problems = " / ".join(b.problem for b in report.breaks)
    assert "positions 3 are missing" in problems
    assert "does not link to the previous event" in problems
    assert all(b.event_id == str(chain[3].event_id) for b in report.breaks)


async def test_deleting_a_run_of_rows_names_the_whole_gap(chain: list[Envelope]) -> None:
    rows = [row_of(e) for e in chain if e.position not in (3, 4, 5)]
    report = check_chain("section11", rows, heads_of(chain))
    gap = [b for b in report.breaks if "missing" in b.problem]
    assert [(b.position, "3..5" in b.problem) for b in gap] == [(6, True)]
    # the next rows of both partnerships no longer link to what they recorded
    unlinked = {b.position for b in report.breaks if "does not link" in b.problem}
    assert unlinked == {6, 7}


async def test_a_deleted_newest_row_is_caught_by_the_recorded_heads(chain: list[Envelope]) -> None:
    # Position 8 is the newest event overall and of north-lincolnshire: no gap, no broken link.
    rows = [row_of(e) for e in chain[:-1]]
    report = check_chain("section11", rows, heads_of(chain))
    [only] = report.breaks
    assert NL in only.problem and "recorded head" in only.problem
    assert only.event_id == "-"
    assert only.position == 7


async def test_feeding_row_by_row_matches_check_chain(chain: list[Envelope]) -> None:
    checker = ChainChecker("section11")
    for envelope in chain:
        checker.feed(row_of(envelope))
    assert checker.finish(heads_of(chain)).intact


async def test_a_head_recorded_for_an_unseen_partnership_is_a_break(chain: list[Envelope]) -> None:
    heads = heads_of(chain) | {"vanished": "ab" * 32}
    report = check_chain("section11", [row_of(e) for e in chain], heads)
    assert len(report.breaks) == 1 and "vanished" in report.breaks[0].problem


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(
    payload=st.dictionaries(st.text(max_size=10), JSON, max_size=6),
    text=st.text(max_size=20),
    causation=st.none() | st.uuids(),
    position=st.integers(min_value=1, max_value=2**62),
)
def test_bytes_built_around_the_stored_payload_text_are_the_bytes_of_the_whole(
    payload: dict[str, object], text: str, causation: UUID | None, position: int
) -> None:
    """The store serialises a payload once and builds the hashed document around that text;
    the chain checker serialises the whole document. They must agree byte for byte."""
    fields = {
        "event_id": uuid4(), "event_type": text, "schema_version": 2, "stream_id": text, "stream_version": 3,
        "partnership_id": text, "actor": text, "occurred_at": T0, "recorded_at": T0 + timedelta(seconds=1),
        "correlation_id": uuid4(), "causation_id": causation, "position": position,
    }
    whole = canonical_bytes(fields | {"payload": payload})
    assert canonical_bytes(fields, canonical_payload(payload)) == whole
    assert json.loads(whole)["payload"] == payload
