"""Backup, restore and refill (issue 21, item 4): a platform's records backed up, restored
into a new database with the same verified history and the same chain heads, the read
models rebuilt equal from it, and JetStream refilled from the stores after its streams
were lost, each event once however often the refill runs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.reporting.adapters.evidence import discover_stores
from services.reporting.adapters.sources import projection_runner
from shared.eventstore.verify import verify_store
from shared.messaging.streams import ensure_streams
from tests.support import backends
from tests.support.dashboard import record_activity
from tests.support.platform import RunningPlatform

pytestmark = pytest.mark.integration


async def cli(*args: str, **env: str) -> Any:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env={"COLUMNS": "200"} | env)


async def heads(pool: asyncpg.Pool) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for store in await discover_stores(pool):
        rows = await pool.fetch(f"SELECT partnership_id, encode(hash, 'hex') AS hash FROM {store}.chain_heads ORDER BY 1")
        out[store] = [(r["partnership_id"], r["hash"]) for r in rows]
    return out


async def table(pool: asyncpg.Pool, name: str) -> list[tuple[Any, ...]]:
    """Every row, in an order of the whole row (a partnership and agency have a row per domain,
    which the first two columns alone left in the order the table happened to hold them)."""
    return [tuple(r) for r in await pool.fetch(f"SELECT * FROM {name} AS r ORDER BY r::text")]


async def test_a_backup_restored_elsewhere_has_the_same_history_and_read_models(
    platform: RunningPlatform, database_url: str, tmp_path: Path
) -> None:
    await record_activity(platform)
    dump = tmp_path / "scrutiny.dump"
    made = await cli(
        "backup", "--out", str(dump), "--data-dir", str(tmp_path / "a"), SCRUTINY_DATABASE_URL=platform.settings.database_url or ""
    )
    assert made.exit_code == 0, made.output
    assert dump.stat().st_size > 0 and dump.stat().st_mode & 0o077 == 0

    name = backends.new_database_name()
    restored_url = await backends.create_database(database_url, name)
    try:
        done = await cli("restore", str(dump), "--data-dir", str(tmp_path / "b"), SCRUTINY_DATABASE_URL=restored_url)
        assert done.exit_code == 0, done.output
        again = await cli("restore", str(dump), "--data-dir", str(tmp_path / "b"), SCRUTINY_DATABASE_URL=restored_url)
        assert again.exit_code == 2 and "already holds" in again.output  # never over records
        restored = await asyncpg.create_pool(restored_url, min_size=1, max_size=4)
        try:
            assert await heads(restored) == await heads(platform.pool)
            async with restored.acquire() as conn:
                for store in await discover_stores(restored):
                    assert (await verify_store(conn, store)).intact, store
            await projection_runner(restored).rebuild()
            for read_model in ("reporting.s11_submissions", "reporting.s11_ratings", "reporting.s11_risk_flags", "reporting.actions"):
                assert await table(restored, read_model) == await table(platform.pool, read_model), read_model
        finally:
            await restored.close()
    finally:
        await backends.drop_database(database_url, name)


async def test_lost_streams_are_refilled_from_the_stores_each_event_once(platform: RunningPlatform) -> None:
    await record_activity(platform)
    stored = await platform.count("SELECT count(*) FROM section11.events")
    await backends.delete_streams(platform.settings.nats_url or "", platform.settings.namespace)  # the NATS data lost
    js = platform.nc.jetstream()
    await ensure_streams(js, platform.subjects)
    env = {"SCRUTINY_NATS_URL": platform.settings.nats_url or "", "SCRUTINY_NAMESPACE": platform.settings.namespace,
           "SCRUTINY_DATABASE_URL": platform.settings.database_url or ""}
    for _ in range(2):  # a refill run twice still holds each event once (its id is its Nats-Msg-Id)
        filled = await cli("streams", "refill", **env)
        assert filled.exit_code == 0, filled.output
        assert f"section11: {stored} events published again" in filled.output
    info = await js.stream_info(platform.subjects.stream("section11"))
    assert info.state.messages == stored
