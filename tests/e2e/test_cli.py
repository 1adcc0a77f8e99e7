"""The platform as a user runs it: `scrutiny up` and `scrutiny demo` as subprocesses."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from uuid import uuid4

import nats
import pytest

from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.waiting import eventually
from tests.support.returns import answers
from tests.support.today import today

pytestmark = pytest.mark.e2e

SCRUTINY = [sys.executable, "-m", "services.cli.main"]


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")}
    return env | {"COLUMNS": "250"} | overrides


async def _read_until(process: subprocess.Popen[str], marker: str, seen: list[str]) -> str:
    while True:
        line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
        if not line:
            raise AssertionError(f"scrutiny exited before printing {marker!r}:\n" + "".join(seen))
        seen.append(line)
        if marker in line:
            return line


async def _get(url: str) -> str:
    return await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read().decode())


async def test_scrutiny_up_serves_agencies_and_the_dashboard_then_stops_on_ctrl_c(
    nats_url: str, database: str, namespace: str, tmp_path: Path
) -> None:
    env = _env(
        SCRUTINY_NATS_URL=nats_url,
        SCRUTINY_DATABASE_URL=database,
        SCRUTINY_NAMESPACE=namespace,
        SCRUTINY_DASHBOARD_TOKEN="e2e-token",
    )
    process = subprocess.Popen(  # noqa: ASYNC220 - read line by line beside the loop
        [*SCRUTINY, "up", "--data-dir", str(tmp_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seen: list[str] = []
    try:
        dashboard = (await _read_until(process, "Dashboard:", seen)).split("Dashboard:")[1].strip()
        assert (tmp_path / "runtime.json").exists()

        profile = load_builtin("north-lincolnshire")
        agency = profile.agencies[0]
        nc = await nats.connect(nats_url)
        subject = Subjects(namespace).agency_command("section11", "submit", profile.id, agency.id)
        opened = {"request_id": str(uuid4()), "cycle_id": "2026-27", "opened_on": today().isoformat()}
        opening = Subjects(namespace).operator_command("section11", "open-cycle", profile.id)
        assert json.loads((await nc.request(opening, json.dumps(opened).encode(), timeout=10)).data)["status"] == "accepted"
        body = {
            "request_id": str(uuid4()), "agency_id": agency.id, "cycle_id": "2026-27",
            "answers": answers(profile), "submitted_by": "lead (invented)",
        }
        reply = json.loads((await nc.request(subject, json.dumps(body).encode(), timeout=10)).data)
        await nc.close()
        assert reply["status"] == "accepted"

        async def dashboard_shows_it() -> bool:
            return "1/23" in await _get(dashboard)

        await eventually(dashboard_shows_it, timeout=20, what="the dashboard to count the return")
        assert agency.name in await _get(dashboard)
    finally:
        process.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(process.wait, 60)
    assert code == 0, "".join(seen) + (process.stdout.read() if process.stdout else "")
    assert not (tmp_path / "runtime.json").exists()


def test_demo_on_embedded_servers_writes_a_board_pack_and_a_rerun_keeps_the_data(tmp_path: Path) -> None:
    def scrutiny(*args: str) -> str:
        result = subprocess.run(
            [*SCRUTINY, *args, "--data-dir", str(tmp_path)], env=_env(), capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    first = scrutiny("demo", "--no-serve")
    pack = Path(first.split("Board pack:")[1].split()[0])
    html = pack.read_text()
    assert "Board pack: North Lincolnshire" in html
    assert "overdue" in html
    assert Path(first.split("Board pack PDF:")[1].split()[0]).read_bytes().startswith(b"%PDF")
    # The year played chapter by chapter: returns, events, reviews and audits, the action plan.
    for line in ("on time", "late return", "held today", "rapid review decided", "signed off"):
        assert line in first, line
    assert "Dashboard:" in first
    stored_after_first = scrutiny("verify")
    assert "chain intact" in stored_after_first

    scrutiny("demo", "--no-serve")
    # The demo's request ids derive from its seed: the rerun found its data and stored nothing twice.
    assert scrutiny("verify") == stored_after_first
