"""`scrutiny commands`: the running services' own tables, listed, shown and sent from the
command line (the rows the subscribers, the contract and the web forms are built from)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration


async def cli(platform: RunningPlatform, *args: str) -> Any:
    env = {"SCRUTINY_NATS_URL": platform.settings.nats_url or "", "SCRUTINY_NAMESPACE": platform.settings.namespace, "COLUMNS": "250"}
    return await asyncio.to_thread(CliRunner().invoke, app, ["commands", *args], env=env)


async def test_list_show_and_send_from_the_services_own_tables(platform: RunningPlatform) -> None:
    listed = await cli(platform, "list")
    assert listed.exit_code == 0, listed.output
    assert "open-cycle" in listed.output and "endorse" in listed.output and "raise-action" in listed.output
    shown = await cli(platform, "show", "section11", "open-cycle")
    assert shown.exit_code == 0 and "cycle_id" in shown.output and "opened_on" in shown.output

    opened = await cli(platform, "send", "section11", "open-cycle", "--partnership", PARTNERSHIP,
                       "--set", "cycle_id=2026-27", "--set", f"opened_on={platform.clock.now().date().isoformat()}")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.output)["status"] == "accepted"
    refused = await cli(platform, "send", "section11", "save-draft", "--partnership", PARTNERSHIP, "--agency", "humberside-police",
                        "--json", json.dumps({"agency_id": "nlc-housing", "cycle_id": "2026-27", "answers": {}, "saved_by": "Lead"}))
    assert refused.exit_code == 1 and json.loads(refused.output)["error"]["code"] == "identity_mismatch"
    unknown = await cli(platform, "send", "section11", "no-such-command", "--partnership", PARTNERSHIP)
    assert unknown.exit_code == 2 and "no command" in unknown.output
