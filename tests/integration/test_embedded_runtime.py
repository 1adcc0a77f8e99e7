"""The embedded servers, and the fixtures the rest of the suite builds on."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import nats
import nats.errors
import psutil
import pytest
from nats.js.api import StorageType

from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres
from shared.waiting import eventually
from tests.support import backends

pytestmark = pytest.mark.integration

RESERVED = {4222, 5432}


async def test_nats_serves_jetstream_and_keeps_messages_across_restart_and_crash(
    tmp_path: Path,
) -> None:
    with EmbeddedNats(tmp_path) as server:
        port = server.port
        assert port not in RESERVED
        assert server.url == f"nats://127.0.0.1:{port}"
        nc = await nats.connect(server.url, reconnect_time_wait=0.05, max_reconnect_attempts=-1)
        try:
            js = nc.jetstream(timeout=2)
            assert (await js.account_info()).streams == 0
            await js.add_stream(name="EVENTS", subjects=["events.>"], storage=StorageType.FILE)
            for i in range(2):
                await js.publish(f"events.{i}", b"payload")

            # Short timeout: a request sent while the client is still reconnecting is lost.
            probe = nc.jetstream(timeout=0.25)

            async def stored(count: int) -> bool:
                return (await probe.stream_info("EVENTS")).state.messages == count

            server.restart()
            assert server.port == port
            # The same client reconnects to the same URL and finds the stream intact.
            await eventually(
                lambda: stored(2), what="2 messages after restart", ignore=(nats.errors.Error,)
            )

            await js.publish("events.2", b"payload")
            server.kill()
            assert not server.running
            server.restart()
            assert server.port == port
            await eventually(
                lambda: stored(3), what="3 messages after a crash", ignore=(nats.errors.Error,)
            )
        finally:
            await nc.close()
    assert not server.running


async def _scalar(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_postgres_keeps_data_across_stop_start_and_crash(tmp_path: Path) -> None:
    first = EmbeddedPostgres(tmp_path)
    url = first.start()
    assert first.port not in RESERVED
    assert url == f"postgresql://postgres@127.0.0.1:{first.port}/postgres"
    assert await _scalar(url, "select 1") == 1
    await _execute(url, "create table kept (n int); insert into kept values (1)")
    first.stop()
    assert not first.running

    # Running it again on the same directory keeps the data.
    second = EmbeddedPostgres(tmp_path)
    url = second.start()
    try:
        assert await _scalar(url, "select count(*) from kept") == 1
        await _execute(url, "insert into kept values (2)")

        port = second.port
        second.kill()
        assert not second.running
        assert second.restart() == url
        assert second.port == port
        assert await _scalar(url, "select count(*) from kept") == 2
    finally:
        second.stop()


async def test_postgres_stops_a_server_left_running_on_its_directory(tmp_path: Path) -> None:
    pid_file = tmp_path / "pg" / "postmaster.pid"
    EmbeddedPostgres(tmp_path, durable=False).start()  # and forgotten, as by a crashed run
    leftover = psutil.Process(int(pid_file.read_text().split()[0]))
    with EmbeddedPostgres(tmp_path, durable=False) as server:
        assert await _scalar(server.url, "select 1") == 1
        assert int(pid_file.read_text().split()[0]) != leftover.pid
        assert not leftover.is_running() or leftover.status() == psutil.STATUS_ZOMBIE


async def test_ensure_database_is_idempotent(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path, durable=False) as server:
        url = await server.ensure_database("reports")
        assert url == server.database_url("reports")
        assert url.endswith(f":{server.port}/reports")
        assert await server.ensure_database("reports") == url
        assert await _scalar(url, "select current_database()") == "reports"


async def test_database_and_namespace_fixtures(
    database: str, namespace: str, nats_url: str
) -> None:
    name = database.rsplit("/", 1)[1]
    assert re.fullmatch(r"t_[0-9a-f]{12}", name)
    assert await _scalar(database, "select current_database()") == name
    assert await _scalar(database, "select count(*) from pg_tables where schemaname='public'") == 0

    assert re.fullmatch(r"t[0-9a-f]{10}", namespace)
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(timeout=5)
        stream = f"{namespace.upper()}_EVENTS"
        await js.add_stream(name=stream, subjects=[f"{namespace}.>"])
        ack = await js.publish(f"{namespace}.case.opened", b"{}")
        assert ack.stream == stream

        # What the fixture does afterwards: only this namespace's streams go.
        other = backends.new_namespace()
        await js.add_stream(name=f"{other.upper()}_EVENTS", subjects=[f"{other}.>"])
        assert await backends.delete_streams(nats_url, namespace) == [stream]
        remaining = {info.config.name for info in await js.streams_info()}
        assert stream not in remaining
        assert f"{other.upper()}_EVENTS" in remaining
        await backends.delete_streams(nats_url, other)
    finally:
        await nc.close()


async def test_eventually_returns_the_value_or_names_what_it_waited_for() -> None:
    calls: list[int] = []

    def third_time_lucky() -> int:
        calls.append(1)
        return len(calls) if len(calls) >= 3 else 0

    async def never() -> list[str]:
        return []

    assert await eventually(third_time_lucky, interval=0) == 3
    with pytest.raises(
        TimeoutError, match=r"gave up waiting for nothing after 0.05s; last value: \[\]"
    ):
        await eventually(never, timeout=0.05, what="nothing")
