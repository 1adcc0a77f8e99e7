"""The platform as a user runs it: `scrutiny up` and `scrutiny demo` as subprocesses."""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import httpx
import nats
import pytest

from shared.messaging.subjects import Subjects
from shared.profiles import load_builtin
from shared.waiting import eventually
from tests.support.returns import answers
from tests.support.today import today

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

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


def _people(*args: str, env: dict[str, str], data_dir: Path) -> str:
    result = subprocess.run(
        [*SCRUTINY, "people", *args, "--data-dir", str(data_dir)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def _signed_in(front_door: str, env: dict[str, str], data_dir: Path) -> httpx.AsyncClient:
    """A browser signed in as a business-unit person invited with `scrutiny people` and let
    in with the one-time link `scrutiny people sign-in-link` prints (the running platform's address)."""
    email = "business-unit@e2e.example.org"
    invited = await asyncio.to_thread(
        _people, "invite", "--email", email, "--name", "Morgan Ellery (invented)", "--role", "business-unit", env=env, data_dir=data_dir
    )
    assert f"{front_door}/invitation/" in invited
    printed = await asyncio.to_thread(_people, "sign-in-link", "--email", email, env=env, data_dir=data_dir)
    link = next(word for word in printed.split() if word.startswith(f"{front_door}/sign-in/link/"))
    browser = httpx.AsyncClient(timeout=10)
    signed_in = await browser.get(link)
    assert signed_in.status_code == 303, signed_in.text
    return browser


async def test_scrutiny_up_serves_agencies_and_the_dashboard_then_stops_on_ctrl_c(
    nats_url: str, database: str, namespace: str, tmp_path: Path
) -> None:
    env = _env(
        SCRUTINY_NATS_URL=nats_url,
        SCRUTINY_DATABASE_URL=database,
        SCRUTINY_NAMESPACE=namespace,
        SCRUTINY_DASHBOARD_TOKEN="e2e-token",  # an old environment's token: accepted, and opens nothing
    )
    process = subprocess.Popen(  # noqa: ASYNC220 - read line by line beside the loop
        [*SCRUTINY, "up", "--data-dir", str(tmp_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seen: list[str] = []
    try:
        front_door = (await _read_until(process, "Front door:", seen)).split("Front door:")[1].strip()
        assert json.loads((tmp_path / "runtime.json").read_text())["front_door"] == front_door
        assert "e2e-token" not in "".join(seen)
        dashboard = f"{front_door}/p/north-lincolnshire"
        browser = await _signed_in(front_door, env, tmp_path)

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
            return "1/23" in re.sub(r"<[^>]+>", "", (await browser.get(dashboard)).text)  # the figure is marked up

        await eventually(dashboard_shows_it, timeout=20, what="the dashboard to count the return")
        assert agency.name in (await browser.get(f"{dashboard}/section11")).text  # the Section 11 area page
        await browser.aclose()
        # Without signing in, and with the old token, the dashboard is not shown.
        async with httpx.AsyncClient() as stranger:
            refused = await stranger.get(f"{dashboard}?token=e2e-token")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/sign-in")
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
    assert "Front door: http://127.0.0.1:" in first and "?token=" not in first
    # One person per role, each with the command that gives a fresh one-time link (no links:
    # the platform stopped with the demo).
    for role in ("Business unit", "Agency lead: ", "Safeguarding partner: ", "Independent scrutineer", "Board member",
                 "Inspector until ", "Operator"):
        assert f"  {role}" in first, role
    assert f"scrutiny people sign-in-link --email business-unit@north-lincolnshire.example.org --data-dir {tmp_path}" in first
    people = scrutiny("people", "list")
    assert "9 people" in people and "Morgan Ellery (invented)" in people
    stored_after_first = scrutiny("verify")
    assert "chain intact" in stored_after_first

    scrutiny("demo", "--no-serve")
    # The demo's request ids derive from its seed: the rerun found its data and stored nothing twice.
    assert scrutiny("verify") == stored_after_first
