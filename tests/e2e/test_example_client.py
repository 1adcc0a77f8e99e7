"""The example agency client, run as an agency would run it, against `scrutiny up` on
embedded servers with authorisation on and credentials from `scrutiny agency add`."""

import ast
import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import nats
import pytest

from shared.profiles import load_builtin
from tests.support.returns import answers
from tests.support.today import days_from_today, today

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
CLIENT = ROOT / "examples" / "agency_client.py"
SCRUTINY = [sys.executable, "-m", "services.cli.main"]
AGENCY = "humberside-police"
PARTNERSHIP = "north-lincolnshire"


def _env() -> dict[str, str]:
    # Embedded servers under the test's own data directory, whatever the suite runs on.
    return {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")} | {"COLUMNS": "250"}


async def _line_with(process: subprocess.Popen[str], marker: str, seen: list[str]) -> str:
    while True:
        line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
        if not line:
            raise AssertionError(f"exited before printing {marker!r}:\n" + "".join(seen))
        seen.append(line)
        if marker in line:
            return line


async def _business_unit(url: str, subject: str, body: dict[str, object]) -> None:
    nc = await nats.connect(url)
    try:
        reply = json.loads((await nc.request(subject, json.dumps(body).encode(), timeout=10)).data)
    finally:
        await nc.close()
    assert reply["status"] == "accepted", reply


def test_the_example_client_imports_nothing_but_nats_and_the_standard_library() -> None:
    tree = ast.parse(CLIENT.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - sys.stdlib_module_names == {"nats"}


async def test_an_agency_submits_updates_its_action_and_hears_the_outcomes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = subprocess.Popen(  # noqa: ASYNC220 - read line by line beside the loop
        [*SCRUTINY, "up", "--data-dir", str(data)], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seen: list[str] = []
    try:
        await _line_with(platform, "Front door:", seen)
        added = await asyncio.to_thread(
            subprocess.run, [*SCRUTINY, "agency", "add", AGENCY, "--data-dir", str(data)],
            env=_env(), capture_output=True, text=True, timeout=120,
        )
        assert added.returncode == 0, added.stdout + added.stderr
        assert "reloaded its users" in added.stdout
        credentials = data / "credentials" / "agencies" / f"{AGENCY}.json"
        assert str(credentials) in added.stdout
        assert json.loads(credentials.read_text())["password"] not in added.stdout

        services_url = json.loads((data / "runtime.json").read_text())["nats_url"]
        public_url = "nats://" + services_url.rpartition("@")[2]
        await _business_unit(services_url, f"scrutiny.{PARTNERSHIP}.cmd.section11.open-cycle", {
            "request_id": str(uuid4()), "cycle_id": "2026-27", "opened_on": today().isoformat(), "due_on": days_from_today(28),
        })
        await _business_unit(services_url, f"scrutiny.{PARTNERSHIP}.cmd.reviews.raise-action", {
            "request_id": str(uuid4()), "action_id": "act-7", "title": "Audit strategy meeting attendance",
            "owner_agency_id": AGENCY, "due_on": days_from_today(60), "source_type": "assurance-event",
            "source_id": "thematic-1", "raised_by": "Business unit (invented)",
        })
        answers_file = tmp_path / "answers.json"
        answers_file.write_text(json.dumps(answers(load_builtin(PARTNERSHIP), {"culture-and-challenge": 2})))

        client = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(CLIENT), "--url", public_url, "--credentials", str(credentials),
             "--submit", "2026-27", "--answers", str(answers_file),
             "--update-action", "act-7", "--progress", "Draft policy out to partners", "--percent", "50",
             "--by", "Force safeguarding lead (invented)", "--listen", "60"],
            cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120,
        )
        output = client.stdout + client.stderr
        assert client.returncode == 0, output
        assert f"connected as {AGENCY} to {PARTNERSHIP}" in output
        assert "accepted submit: SubmissionReceived" in output and "RiskFlagged" in output
        assert "accepted update-action: ActionProgressUpdated" in output
        for event_type in ("SubmissionReceived", "RiskFlagged", "ActionProgressUpdated"):
            assert f"outcome {PARTNERSHIP} {event_type} " in output, output
        assert "outcome north-lincolnshire ActionProgressUpdated" in output and "action_id=act-7" in output
        assert "heard the outcome of everything sent (3 events)" in output
        assert "error" not in output.lower()
    finally:
        platform.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(platform.wait, 60)
    assert code == 0, "".join(seen) + (platform.stdout.read() if platform.stdout else "")
