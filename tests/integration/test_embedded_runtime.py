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

from shared.runtime.embedded import (
    EmbeddedNats,
    EmbeddedPostgres,
    ensure_database,
    with_database,
)
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


def test_nats_stops_a_server_left_running_on_its_store(tmp_path: Path) -> None:
    forgotten = EmbeddedNats(tmp_path)
    forgotten.start()
    with EmbeddedNats(tmp_path) as server:
        assert not forgotten.running
        assert server.running


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


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])


async def test_postgres_keeps_data_across_stop_start_leftover_and_crash(tmp_path: Path) -> None:
    # Not durable: a durable initdb and crash recovery fsync for seconds, and a
    # killed process (unlike a power cut) loses nothing the OS has been given.
    first = EmbeddedPostgres(tmp_path, durable=False)
    url = first.start()
    try:
        # No TCP port: the socket in the data directory's private pg-run (see test_embedded_postgres_private.py).
        assert url == "postgresql://postgres@" + str(tmp_path / "pg-run").replace("/", "%2F") + "/postgres"
        assert await _scalar(url, "select 1") == 1
        assert await _scalar(url, "show fsync") == "off"
        assert await _scalar(url, "show max_connections") == "300"
        await _execute(url, "create table kept (n int); insert into kept values (1)")
        first.stop()
        assert not first.running
        assert first.start() == url
        assert await _scalar(url, "select count(*) from kept") == 1
    except BaseException:
        first.stop()
        raise
    # `first` is now forgotten while running, as by a crashed earlier run.
    leftover = psutil.Process(_postmaster_pid(tmp_path))

    second = EmbeddedPostgres(tmp_path, durable=False)
    url = second.start()
    try:
        assert _postmaster_pid(tmp_path) != leftover.pid
        assert not leftover.is_running() or leftover.status() == psutil.STATUS_ZOMBIE
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


async def test_ensure_database_is_idempotent(database_url: str) -> None:
    name = backends.new_database_name()
    try:
        url = await ensure_database(database_url, name)
        assert url == with_database(database_url, name)
        assert await ensure_database(database_url, name) == url
        assert await _scalar(url, "select current_database()") == name
    finally:
        await backends.drop_database(database_url, name)


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
