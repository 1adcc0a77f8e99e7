"""Two suites on one machine: a second pytest starting while this one runs leaves this
suite's servers alone.

Every pytest that starts resets its shared temporary root (`pytest-of-<user>`) to mode
0700; the suite's embedded PostgreSQL runs as its own system user, so a data directory
under that root was cut off and the server panicked at its next checkpoint. The suite's
temporary files now live in a directory of the run's own (tests/conftest.py)."""

import asyncio
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

pytestmark = pytest.mark.integration

OTHER_SUITE = '''
def test_uses_a_temporary_directory(tmp_path):
    (tmp_path / "x").write_text("x")
'''


def test_this_runs_temporary_root_is_its_own(tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.getbasetemp()
    assert not base.parent.name.startswith("pytest-of-"), base


async def test_a_second_pytest_starting_leaves_this_suites_servers_working(database: str, tmp_path: Path) -> None:
    other = tmp_path / "other-suite"
    other.mkdir()
    (other / "test_other.py").write_text(OTHER_SUITE)
    run = await asyncio.to_thread(  # an ordinary pytest of another project: it uses the shared root
        subprocess.run,
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(other), str(other)],
        cwd=other, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    conn = await asyncpg.connect(database)
    try:
        await conn.execute("CREATE TABLE side_by_side (n int); INSERT INTO side_by_side VALUES (1)")
        await conn.execute("CHECKPOINT")  # reads global/pg_control: where the cut-off server panicked
        assert await conn.fetchval("SELECT n FROM side_by_side") == 1
    finally:
        await conn.close()
