"""docs/integrating.md against the committed contract: every agency command has a JSON
example that its schema accepts, and every outcome type is listed."""

import json
import re
from pathlib import Path

import jsonschema
import yaml

from shared.messaging.outcomes import naming_fields

DOCS = Path(__file__).parents[2] / "docs"
GUIDE = (DOCS / "integrating.md").read_text()
CONTRACT = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())


def _accepts(command: str, body: dict[str, object]) -> bool:
    schema = {"components": CONTRACT["components"], "$ref": f"#/components/schemas/{command}"}
    return jsonschema.Draft202012Validator(schema).is_valid(body)


def test_every_agency_command_has_an_example_its_schema_accepts() -> None:
    examples = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", GUIDE, re.S) if '"request_id"' in b]
    agency_channels = {key: ch for key, ch in CONTRACT["channels"].items() if key.endswith(".agency")}
    for key, channel in agency_channels.items():
        [command] = channel["messages"]
        subject = ".".join(key.split(".")[1:3])  # service.command
        assert f"cmd.{subject}.{{agency}}" in GUIDE, f"docs/integrating.md does not show the subject of {key}"
        assert any(_accepts(command, example) for example in examples), (
            f"docs/integrating.md has no JSON example of {command} ({key}) that its schema accepts"
        )


def test_every_outcome_type_is_listed() -> None:
    missing = [t for t in naming_fields() if f"`{t}`" not in GUIDE.split("## 7. Outcomes")[1]]
    assert not missing, f"docs/integrating.md section 7 does not list these outcomes: {missing}"
