"""Fuzzing every command of every service through its real subscribers and gateway.

For each service, the commands come from its `table()` (so a command added to a service
is fuzzed with no change here), each on the subjects its entrypoint accepts it on. A
drawn example is a short sequence of messages to a fresh service, each one of:

- a document generated from the command's own JSON schema, with ids sometimes pinned
  to ones that exist (the profile's agencies, domains, partners; the same few ids), so
  later messages of the sequence act on what earlier ones created;
- such a document mutated: a field dropped, an unknown field added, a value replaced by
  any JSON, text with NUL or a lone surrogate, huge or deep values;
- any JSON at all, or any bytes.

Every reply must be `accepted`, or `refused` with a code other than `internal_error`
(and naming the field when a field is at fault); every refused message is parked with
its bytes, and nothing accepted is.
"""

import asyncio
import json
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import PROFILE, SERVICES, Rig, RigContext, Target
from tests.support.schema_strategies import ANY_JSON, SchemaStrategies

AGENCIES = [a.id for a in PROFILE.agencies]
KNOWN: dict[str, st.SearchStrategy[Any]] = {
    "agency_id": st.sampled_from(AGENCIES),
    "owner_agency_id": st.sampled_from(AGENCIES),
    "agency_ids": st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True),
    "agencies": st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True),
    "contributing_agencies": st.lists(st.sampled_from(AGENCIES), max_size=3, unique=True),
    "agencies_involved": st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True),
    "cycle_id": st.just("2026-27"),
    "from_cycle_id": st.just("2025-26"),
    "domain_id": st.sampled_from([d.id for d in PROFILE.section11.domains]),
    "partner_id": st.sampled_from([p.id for p in PROFILE.statutory_partners]),
    "activity_type": st.sampled_from([a.id for a in PROFILE.activities]),
    "assurance_event_id": st.sampled_from(["ae-1", "ae-2"]),
    "action_id": st.sampled_from(["act-1", "act-2"]),
    "incident_id": st.just("si-1"),
    "review_id": st.just("rev-1"),
    "audit_id": st.just("audit-1"),
    "case_ref": st.just("case-7f3a"),
}
NASTY_TEXT = st.sampled_from(
    ["nul \x00 inside", "\ud800 lone surrogate", "", " ", "x" * 5000, "é" * 10, "a.b*>", "line\r\nbreak", "\u2028"]
)
NASTY_VALUES = st.one_of(
    ANY_JSON, NASTY_TEXT,
    st.integers(min_value=2**63, max_value=2**80), st.integers(min_value=-(2**80), max_value=-(2**63)),
    st.just(1e308), st.just(-0.0), st.just([[[[[[[[[[[]]]]]]]]]]]), st.just({"": {"": {"": None}}}),
)


@cache
def documents(command: type) -> st.SearchStrategy[dict[str, Any]]:
    return SchemaStrategies(command.model_json_schema(), pins=KNOWN).document()


@st.composite
def mutated(draw: st.DrawFn, command: type) -> object:
    document = dict(draw(documents(command)))
    how = draw(st.sampled_from(["drop", "add", "replace", "replace", "nasty-text", "not-an-object"]))
    if how == "drop" and document:
        del document[draw(st.sampled_from(sorted(document)))]
    elif how == "add":
        document[draw(st.text(min_size=1, max_size=12) | NASTY_TEXT)] = draw(NASTY_VALUES)
    elif how in ("replace", "nasty-text") and document:
        key = draw(st.sampled_from(sorted(document)))
        document[key] = draw(NASTY_VALUES if how == "replace" else NASTY_TEXT)
    elif how == "not-an-object":
        return draw(st.sampled_from([list(document.values()), None, 7, "text"]))
    return document


def encode(document: object) -> bytes:
    return json.dumps(document).encode()  # ensure_ascii: lone surrogates travel as \ud800


@st.composite
def message(draw: st.DrawFn, targets: list[Target]) -> tuple[Target, bytes]:
    target = draw(st.sampled_from(targets))
    kind = draw(st.sampled_from(["schema", "schema", "schema", "mutated", "mutated", "json", "bytes"]))
    if kind == "schema":
        return target, encode(draw(documents(target.command)))
    if kind == "mutated":
        return target, encode(draw(mutated(target.command)))
    if kind == "json":
        return target, encode(draw(ANY_JSON))
    return target, draw(st.binary(max_size=200))


def check(rig: Rig, data: bytes, reply: dict[str, Any], parked_before: int) -> None:
    assert reply["status"] in ("accepted", "refused"), reply
    parked = rig.js.published[parked_before:]
    if reply["status"] == "accepted":
        assert parked == [], parked
        return
    error = reply["error"]
    assert error["code"] != "internal_error", (data, reply, [p["headers"] for p in parked])
    assert isinstance(error["code"], str) and error["code"] and error["message"], reply
    if error["code"] == "invalid_field" and data.lstrip().startswith(b"{"):
        assert error["field"], reply
    if error["code"] not in ("conflict", "unavailable"):
        assert [p["payload"] for p in parked] == [data]


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """Hypothesis calls the test synchronously: each example runs on this loop."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def rigs(loop: asyncio.AbstractEventLoop) -> Iterator[dict[str, Rig]]:
    """Each service's broker started once; each example starts from an empty store."""
    contexts = {name: RigContext(service) for name, service in SERVICES.items()}
    started = {name: loop.run_until_complete(context.__aenter__()) for name, context in contexts.items()}
    yield started
    for context in contexts.values():
        loop.run_until_complete(context.__aexit__(None, None, None))


def test_every_command_of_every_table_is_a_target(rigs: dict[str, Rig]) -> None:
    for name, rig in rigs.items():
        table = rig.handlers.commands()
        assert {t.command for t in rig.targets} == {row.command for row in table} | set(rig.service.internal), name


@pytest.mark.parametrize("service", list(SERVICES))
@settings(
    max_examples=int(os.environ.get("SCRUTINY_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_message_is_accepted_or_refused_with_a_code_never_an_internal_error(
    service: str, data: st.DataObject, loop: asyncio.AbstractEventLoop, rigs: dict[str, Rig]
) -> None:
    rig = rigs[service]
    rig.fresh()
    steps = data.draw(st.lists(message(rig.targets), min_size=1, max_size=8), label="messages")

    async def run() -> None:
        for target, body in steps:
            before = len(rig.js.published)
            reply = await rig.send(target, body)
            check(rig, body, reply, before)
            event(reply["status"] if reply["status"] == "accepted" else reply["error"]["code"])

    loop.run_until_complete(run())
