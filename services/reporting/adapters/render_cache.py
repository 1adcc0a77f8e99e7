"""Rendered HTML kept by what it shows, so that many people reading one page cost one rendering.

A partnership's long pages (its actions with their histories, its reviews, the board pack)
take far longer to render than to read: hundreds of milliseconds for a national
partnership's year, against tens for their queries. Twenty people opening them at once
queue behind each other's renderings of the same HTML.

The key is the content itself: a SHA-256 of the pickled view (and of the page's frame, the
template's name and anything else the caller says the HTML depends on); a view kept by
`kept_views` stands in it as the digest of its content to the minute, worked out once.
Equal inputs render equal HTML, so a kept page can never be stale: anything recorded, projected, amended or
erased changes the view, hence the key. Moments are cut to the minute before they are
keyed (`to_minute`), by the caller, only where the template shows no finer time; otherwise
every request's view would differ by its microseconds. A view that cannot be pickled is
rendered every time.

One cache a process, bounded by bytes, least recently used out first, and by age: a page is
kept at most `MAX_AGE` (an erased name that a page showed before its erasure cannot be
reached, as no view holds it any more, and is gone from memory within that time; see
docs/security.md). Pages are rendered in
worker threads too (the board pack), so it holds a lock; a second reader of a page another
thread is rendering waits for that HTML (at most `WAIT`) instead of rendering it again. The
pages rendered on the event loop's thread never wait on each other (one runs at a time),
and none of them shares a key with a page rendered in a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime
from typing import Any

from services.reporting.adapters.kept_views import VIEWS

log = logging.getLogger(__name__)

BUDGET = 32 * 1024 * 1024
"""Bytes of memory the kept HTML may take in a process (`sys.getsizeof`: a page with one
curly quote takes two bytes a character; a national partnership's actions page about 1.3 MB),
well inside the reporting service's 200 MB (docs/performance.md)."""
MAX_AGE = 600.0
"""Seconds a rendered page is kept."""
WAIT = 30.0
"""Seconds a reader waits for another's rendering of the same page before rendering it too."""


def to_minute(view: Any, *names: str) -> Any:
    """The (frozen dataclass) view with its datetime fields `names` cut to the minute, for a
    key; a dotted name reaches into a field's own view ("dashboard.scrutiny.as_of"). Anything
    else, and a name the view has not, as it is."""
    if VIEWS.is_kept(view):  # its content to the minute, pickled once while it is kept
        return KeptContent(VIEWS.digest(view, names, lambda: _digest(_cut(view, names))))
    return _cut(view, names)


@dataclass(frozen=True)
class KeptContent:
    """A kept view in a page's key: the digest of its content, cut to the minute."""

    sha256: bytes


def _digest(inputs: Any) -> bytes:
    return hashlib.sha256(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)).digest()


def _cut(view: Any, names: tuple[str, ...]) -> Any:
    if not is_dataclass(view) or isinstance(view, type):
        return view
    present = {f.name for f in fields(view)}
    cut: dict[str, Any] = {}
    for name in names:
        head, _, rest = name.partition(".")
        if head not in present:
            continue
        value = cut.get(head, getattr(view, head))
        cut[head] = to_minute(value, rest) if rest else _minute(value)
    return replace(view, **cut) if cut else view  # type: ignore[type-var]


def _minute(value: Any) -> Any:
    return value.replace(second=0, microsecond=0) if isinstance(value, datetime) else value


class RenderCache:
    def __init__(self, budget: int = BUDGET, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self._budget = budget
        self._max_age = max_age
        self._clock = clock
        self._kept: OrderedDict[bytes, tuple[float, str]] = OrderedDict()
        self._rendering: dict[bytes, threading.Event] = {}
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def rendered(self, inputs: Any, render: Callable[[], str]) -> str:
        """`render()`'s HTML, kept under the digest of `inputs` (everything it depends on)."""
        try:
            key = _digest(inputs)
        except (pickle.PicklingError, TypeError, AttributeError) as why:
            log.debug("a view that cannot be pickled is rendered every time: %s", why)
            return render()
        while True:
            now = self._clock()
            with self._lock:
                self._drop_older_than(now - self._max_age)
                kept = self._kept.get(key)
                if kept is not None:
                    self._kept.move_to_end(key)
                    self.hits += 1
                    return kept[1]
                rendering = self._rendering.get(key)
                if rendering is None:
                    self.misses += 1
                    rendering = self._rendering[key] = threading.Event()
                    break
            # Another thread renders this page now: wait for its HTML rather than render it
            # again (twenty people opening the board pack at once render it once).
            if not rendering.wait(timeout=WAIT):
                return render()
        try:
            html = render()
            self._keep(key, now, html)
        finally:
            with self._lock:
                del self._rendering[key]
            rendering.set()
        return html

    def _keep(self, key: bytes, at: float, html: str) -> None:
        size = sys.getsizeof(html)
        if size > self._budget // 4:
            return  # one page may not push out most of the others
        with self._lock:
            if key not in self._kept:
                self._kept[key] = (at, html)
                self._size += size
            while self._size > self._budget:
                _, (_, dropped) = self._kept.popitem(last=False)
                self._size -= sys.getsizeof(dropped)

    def _drop_older_than(self, oldest: float) -> None:
        """The pages kept before `oldest` (under the lock). Kept in the order last used, so
        the scan looks at every page; there are at most a few hundred."""
        for key in [k for k, (at, _) in self._kept.items() if at < oldest]:
            _, html = self._kept.pop(key)
            self._size -= sys.getsizeof(html)


PAGES = RenderCache()
"""The process's cache of rendered pages."""
