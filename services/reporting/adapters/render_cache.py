"""Rendered HTML kept by what it shows, so that many people reading one page cost one rendering.

A partnership's long pages (its actions with their histories, its reviews, the board pack)
take far longer to render than to read: hundreds of milliseconds for a national
partnership's year, against tens for their queries. Twenty people opening them at once
queue behind each other's renderings of the same HTML.

The key is the content itself: a SHA-256 of the pickled view (and of the page's frame, the
template's name and anything else the caller says the HTML depends on). Equal inputs render
equal HTML, so a kept page can never be stale: anything recorded, projected, amended or
erased changes the view, hence the key. Moments are cut to the minute before they are
keyed (`to_minute`), by the caller, only where the template shows no finer time; otherwise
every request's view would differ by its microseconds. A view that cannot be pickled is
rendered every time.

One cache a process, bounded by bytes, least recently used out first; pages are rendered in
worker threads too (the board pack), so it holds a lock. Two people missing the same key at
once both render it (no waiting on each other; the second write is the same HTML).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

BUDGET = 48 * 1024 * 1024
"""Bytes of HTML a process keeps (a national partnership's actions page is about 0.6 MiB)."""


def to_minute(view: Any, *names: str) -> Any:
    """The (frozen dataclass) view with its datetime fields `names` cut to the minute, for a key."""
    assert is_dataclass(view)
    present = {f.name for f in fields(view)}
    cut = {n: _minute(getattr(view, n)) for n in names if n in present}
    return replace(view, **cut) if cut else view  # type: ignore[type-var]


def _minute(value: Any) -> Any:
    return value.replace(second=0, microsecond=0) if isinstance(value, datetime) else value


class RenderCache:
    def __init__(self, budget: int = BUDGET) -> None:
        self._budget = budget
        self._kept: OrderedDict[bytes, str] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def rendered(self, inputs: Any, render: Callable[[], str]) -> str:
        """`render()`'s HTML, kept under the digest of `inputs` (everything it depends on)."""
        try:
            key = hashlib.sha256(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)).digest()
        except (pickle.PicklingError, TypeError, AttributeError) as why:
            log.debug("a view that cannot be pickled is rendered every time: %s", why)
            return render()
        with self._lock:
            html = self._kept.get(key)
            if html is not None:
                self._kept.move_to_end(key)
                self.hits += 1
                return html
            self.misses += 1
        html = render()
        size = len(html)
        if size > self._budget // 4:
            return html  # one page may not push out most of the others
        with self._lock:
            if key not in self._kept:
                self._kept[key] = html
                self._size += size
            while self._size > self._budget:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped)
        return html

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._size = 0


PAGES = RenderCache()
"""The process's cache of rendered pages."""
