"""What a store's own process committed, kept by position for a reader tailing the store.

The deadline watcher (envelopes, `on_appended`) and the outbox relay (rows, `on_rows`) each
follow their store by position. What this process committed is handed to them as it commits,
so they take the run that follows their place from memory rather than reading it back. What
memory lacks (another process's commit, what was committed before the reader began, what it
forgot) they read from the store: memory is a hint, never the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Remembered(Generic[T]):
    """Items by position, up to `limit` of them: past that (the reader stuck, its database or
    NATS away) all are forgotten and the reader reads the store."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._items: dict[int, T] = {}

    def learn(self, items: Iterable[tuple[int, T]]) -> None:
        if len(self._items) > self._limit:
            self._items.clear()
        self._items.update(items)

    def run_after(self, after: int, most: int) -> list[T]:
        """The items right after `after`, in order, up to `most`, while memory holds them with
        no gap; those at or before `after` are forgotten."""
        for position in [p for p in self._items if p <= after]:
            del self._items[position]
        run: list[T] = []
        while len(run) < most and (item := self._items.get(after + 1 + len(run))) is not None:
            run.append(item)
        return run
