"""How the suite's test files are handed to pytest-xdist's workers: whole files, the longest
first, never two end-to-end files queued on one worker while another could take one.

xdist's `loadfile` hands out files in order and tops a worker up with the next file as soon
as two or fewer of its tests are left (a worker runs a test only once it knows the one after
it). Behind an end-to-end file of one test, minutes long, that queued the next file in line,
often another end-to-end file, on the same worker, to wait there while the other workers ran
out of work. Here a worker still holding an end-to-end test is topped up from the back of
the queue (a unit test file, seconds long) and takes from the front, where
tests/conftest.py puts the longest files, only when what it holds is short."""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

LONG = "tests/e2e/"


class LongestFirst(LoadFileScheduling):
    def _reschedule(self, node: WorkerController) -> None:
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        held = self.assigned_work[node]
        if self._pending_of(held) > 2:
            return
        busy = any(scope.startswith(LONG) and not all(done.values()) for scope, done in held.items())
        self._assign(node, from_back=busy)

    def _assign_work_unit(self, node: WorkerController) -> None:
        self._assign(node, from_back=False)

    def _assign(self, node: WorkerController, *, from_back: bool) -> None:
        scope, unit = self.workqueue.popitem(last=from_back)
        self.assigned_work.setdefault(node, {})[scope] = unit
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(nodeid) for nodeid, done in unit.items() if not done])
