"""The streams a store process has read, kept so that reading one again fetches only what
was appended since: a command on a long stream (an agency's hundredth draft) then costs
what one on a short stream does, not a read and parse of its whole history.

Sound because a stream is append-only: the store never changes or removes an event, and
its versions run 1, 2, 3... without a gap, so the events up to a version read once are
those events for good. A read whose new rows do not continue the cached prefix (a store
restored or tampered with under a running process) drops the entry and reads it whole.
Bounded by the bytes of the payloads kept (least recently read dropped first); a stream
larger than a quarter of the bound is not kept.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from shared.envelope import Envelope

CACHE_BYTES = 64 * 1024 * 1024


@dataclass
class _Entry:
    envelopes: list[Envelope]
    size: int


class StreamCache:
    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0

    def version(self, stream_id: str) -> int:
        """How many of the stream's events are kept (0: none): read only those after."""
        entry = self._entries.get(stream_id)
        return len(entry.envelopes) if entry else 0

    def extend(self, stream_id: str, after: int, new: list[Envelope], sizes: list[int]) -> list[Envelope] | None:
        """The whole stream: the `after` events kept and the `new` ones read after them; None
        when the new ones do not continue what is kept (then read it whole)."""
        entry = self._entries.pop(stream_id, None)
        if entry:
            self._size -= entry.size
        contiguous = all(e.stream_version == after + i + 1 for i, e in enumerate(new))
        if after == 0:
            if not contiguous:  # a stream whose versions have a gap (tampered with): not kept
                return list(new)
            kept: list[Envelope] = []
        elif entry is None or len(entry.envelopes) != after or not contiguous:
            return None
        else:
            kept = entry.envelopes
        whole = kept + new
        size = (entry.size if entry and kept else 0) + sum(sizes)
        if whole and size <= self.limit // 4:
            self._entries[stream_id] = _Entry(whole, size)
            self._size += size
            while self._size > self.limit and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= dropped.size
        return list(whole)

    def forget(self, stream_id: str) -> None:
        if (entry := self._entries.pop(stream_id, None)) is not None:
            self._size -= entry.size
