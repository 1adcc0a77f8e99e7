"""Fixtures for real backends: see tests/support/backends.py for how servers are chosen."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support import backends

_OWN_BASETEMP = "_scrutiny_own_basetemp"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Each run's temporary files, and the embedded servers under them, in a directory of its
    own: pytest's shared root (`pytest-of-<user>`) is reset to mode 0700 by every pytest that
    starts, which cut a running suite's PostgreSQL (its own system user) off its data
    directory. `--basetemp` given on the command line is kept as it is."""
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="scrutiny-tests-")
        setattr(config, _OWN_BASETEMP, Path(config.option.basetemp))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """A worker's terminal width is the run's: pytest-xdist starts its workers with COLUMNS=80
    in their environment, which the `scrutiny` command's consoles, made on import, would keep
    over the width a test gives the command it invokes."""
    node.workerinput["scrutiny_columns"] = os.environ.get("COLUMNS")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        columns = workerinput.get("scrutiny_columns")
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns


def pytest_unconfigure(config: pytest.Config) -> None:
    """A passed run leaves nothing behind; a failed one keeps its files to look at."""
    own = getattr(config, _OWN_BASETEMP, None)
    if own is not None and getattr(config, "_scrutiny_passed", False):
        shutil.rmtree(own, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first: `make test` runs the suite in worker processes, a whole file to a
    worker, in this order (`--dist loadfile --no-loadscope-reorder`, Makefile), so the files marked
    `slow` (the demo years, the crash and fault runs) start at once on every worker instead of
    ending the run on one; then the other end-to-end files, the integration, the unit tests.
    Within each kind the order stays the collection's."""
    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if item.get_closest_marker("e2e") else 2 if item.get_closest_marker("integration") else 3

    file_rank: dict[str, int] = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        file_rank[path] = min(file_rank.get(path, 3), rank(item))
    items.sort(key=lambda item: file_rank[item.nodeid.split("::", 1)[0]])  # stable: a file's tests stay together


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (`make test`) as tests/support/scheduling.py hands it out."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.support.scheduling import LongestFirst

    return LongestFirst(config, log)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._scrutiny_passed = exitstatus == 0  # type: ignore[attr-defined]


@pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
async def no_task_outlives_the_session() -> AsyncIterator[None]:
    """At the end of a worker's session, the tasks its tests left on the session's loop are
    cancelled, again each second until they end (20 s at most), and named in a warning.

    pytest-asyncio's runner cancels them once and then waits for them without a deadline:
    a task whose cleanup awaits what will never come (a connection to a server the session
    has stopped) held a worker after its last test until CI's time ran out."""
    yield
    current = asyncio.current_task()
    left = {t for t in asyncio.all_tasks() if t is not current and not t.done()}
    if left:
        warnings.warn(f"{len(left)} task(s) outlived their tests: {sorted(repr(t.get_coro()) for t in left)}", stacklevel=1)
    deadline = asyncio.get_running_loop().time() + 20
    while left and asyncio.get_running_loop().time() < deadline:
        for task in left:
            task.cancel()
        _, pending = await asyncio.wait(left, timeout=1)
        left = set(pending)
    for task in left:
        stack = io.StringIO()
        task.print_stack(file=stack)
        warnings.warn(f"a task would not end when cancelled: {stack.getvalue()}", stacklevel=1)


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with backends.nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Server-level URL; tests that write data use ``database`` instead."""
    with backends.postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    name = backends.new_database_name()
    url = await backends.create_database(database_url, name)
    try:
        yield url
    finally:
        await backends.drop_database(database_url, name)


@pytest.fixture
async def namespace(nats_url: str) -> AsyncIterator[str]:
    """Root of NATS subjects and prefix of stream names, unique to this test."""
    ns = backends.new_namespace()
    try:
        yield ns
    finally:
        await backends.delete_streams(nats_url, ns)
        # the platform's data directory of the namespace (tests.support.platform.test_settings),
        # where the services keep the key that signs the chain heads
        shutil.rmtree(Path(tempfile.gettempdir()) / f"scrutiny-{ns}", ignore_errors=True)
