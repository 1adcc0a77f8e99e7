"""What the platform writes, only its owner may read (issue 19).

`scrutiny` commands and the service processes run with umask 0o077, so every file and folder
they make (board packs, reports, evidence bundles, logs, runtime files, the NATS store) is
0600 or 0700 whatever the umask they were started with; `private_dir` makes a data directory
made before that (0755) private too.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077


def use_private_umask() -> None:
    """From now on this process (and what it starts) makes files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path, *, traverse_gid: int | None = None, strict: bool = True) -> None:
    """``path`` mode 0700; with ``traverse_gid``, 0710 and that group, which may pass through to
    what it owns below (the embedded PostgreSQL's account, when the platform runs as root).

    Not ``strict``: only the reading and writing bits of group and others go, so that a server
    whose data is below (a test's PostgreSQL, run as root) can still pass through it."""
    info = path.stat()
    if info.st_uid != os.geteuid():
        log.warning("%s belongs to another account: its mode is left as it is", path)
        return
    if traverse_gid is not None and info.st_gid != traverse_gid:
        os.chown(path, -1, traverse_gid)
    mode = stat.S_IMODE(info.st_mode)
    if strict:
        wanted = 0o700 if traverse_gid is None else 0o710
    else:
        wanted = mode & ~0o066 | stat.S_IRWXU
    if mode != wanted:
        path.chmod(wanted)
