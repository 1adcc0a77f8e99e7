"""The AsyncAPI document of the event contract: committed, current, and true to the wire."""

import difflib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from uuid import uuid4

import jsonschema
import pytest
import yaml

from services.contract import REGENERATE, generate, render
from services.contract import models as m
from shared.catalogue.section11 import SubmissionReceived
from shared.envelope import Envelope
from shared.mapper import to_wire
from shared.messaging.gateway import accepted, refused
from shared.refusals import Refusal

COMMITTED = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def generated() -> str:
    return render(generate())


@pytest.fixture(scope="module")
def document(generated: str) -> dict[str, Any]:
    return yaml.safe_load(generated)


def test_the_committed_document_is_what_the_services_generate(generated: str) -> None:
    committed = COMMITTED.read_text()
    if committed != generated:
        diff = "".join(
            list(difflib.unified_diff(
                committed.splitlines(keepends=True), generated.splitlines(keepends=True),
                "docs/asyncapi.yaml (committed)", "generated now", n=1,
            ))[:60]
        )
        pytest.fail(
            "The event contract changed: docs/asyncapi.yaml no longer matches the services.\n"
            f"If the change is deliberate, regenerate it (from the repository root) and commit it with your change:\n\n"
            f"    .venv/bin/{REGENERATE}\n\n"
            f"then review the diff (an agency's integration may depend on it):\n{diff}",
            pytrace=False,
        )


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(document)
    assert len(refs) > 500
    for ref in refs:
        _resolve(document, ref)


def test_agency_commands_outcomes_and_dead_letters_are_documented(document: dict[str, Any]) -> None:
    channels, operations = document["channels"], document["operations"]
    submit = channels["cmd.section11.submit.agency"]
    assert submit["address"] == "scrutiny.{partnership}.cmd.section11.submit.{agency}"
    assert submit["bindings"]["nats"] == {"subject": "scrutiny.*.cmd.section11.submit.*", "queue": "section11", "bindingVersion": "custom"}
    assert list(submit["messages"]) == ["SubmitReturn"]
    assert operations["cmd.section11.submit.agency"]["action"] == "receive"
    assert [r["$ref"] for r in operations["cmd.section11.submit.agency"]["reply"]["messages"]] == [
        "#/channels/reply/messages/Accepted", "#/channels/reply/messages/Refused",
    ]
    assert "`owner_agency_id` must be that agency" in channels["cmd.reviews.update-action.agency"]["description"]
    assert channels["out.SubmissionReminderSent"]["address"] == "scrutiny.{partnership}.out.{agency}.SubmissionReminderSent"
    assert "out.ActionOverdue" in channels and "out.RiskFlagged" in channels
    assert "out.AuditCycleClosed" not in channels  # names no agency
    assert operations["evt.section11.SubmissionReceived"]["action"] == "send"
    assert channels["dlq.section11"]["messages"] == {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}}
    assert "consumer.reporting-section11" in channels


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"components": document["components"], **schema})


def test_an_event_on_the_wire_matches_its_documented_message(document: dict[str, Any]) -> None:
    event = SubmissionReceived(
        submission_id="sub-1", agency_id="humberside-police", cycle_id="2026-27",
        domain_ratings={"leadership": 3}, submitted_by="lead",
    )
    envelope = Envelope(
        event_id=uuid4(), event_type=event.event_type, schema_version=event.schema_version, stream_id="s11-return:p:a:c",
        stream_version=1, partnership_id="north-lincolnshire", actor="agency:humberside-police",
        occurred_at=datetime(2026, 11, 2, tzinfo=UTC), correlation_id=uuid4(), event=event,
    ).committed(store="section11", recorded_at=datetime(2026, 11, 2, tzinfo=UTC), position=1, prev_hash="00", hash="11")
    body, headers = to_wire(envelope)
    message = document["components"]["messages"]["SubmissionReceived"]
    _validator(document, message["payload"]).validate(json.loads(body))
    _validator(document, message["headers"]).validate(headers)
    with pytest.raises(jsonschema.ValidationError):
        _validator(document, message["payload"]).validate(json.loads(body) | {"payload": {"agency_id": 7}})


def test_the_documented_replies_are_the_gateways(document: dict[str, Any]) -> None:
    refusal = refused(Refusal("rating_off_scale", "9 is not on the scale", field="answers.x.rating"))
    m.Refused.model_validate(refusal)
    _validator(document, {"$ref": "#/components/schemas/Refused"}).validate(refusal)
    assert m.Accepted.model_validate(accepted([])).events == []


def test_a_submission_as_the_docs_show_it_matches_the_schema(document: dict[str, Any]) -> None:
    body = {
        "request_id": str(uuid4()), "agency_id": "humberside-police", "cycle_id": "2026-27",
        "answers": {"lg-senior-lead": {"rating": 3, "narrative": "…", "evidence": ["minutes.pdf"]}},
        "submitted_by": "Named nurse",
    }
    schema = {"$ref": "#/components/schemas/SubmitReturn"}
    _validator(document, schema).validate(body)
    with pytest.raises(jsonschema.ValidationError):
        _validator(document, schema).validate(body | {"colour": "green"})  # unknown fields are refused
