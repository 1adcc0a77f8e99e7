"""The subjects' keys a store has lately sealed with, so that a batch needs no key read first.

Only a hint, like the store's view of the last position: the store's `append_linked` checks
under the append lock that each key taken from here is still stored (and holds it from
erasure until it commits), and writes nothing when one is not; the store then forgets the
batch's keys and goes the long way, which reads them afresh. So an erased key is never used
to seal new data, though it stays in the process's memory until the next batch about its
subject, or until it is pushed out (at most `size` keys are kept, the least lately used go).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from uuid import UUID

Subject = tuple[str, str]  # (partnership, subject)


class KeyCache:
    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._keys: OrderedDict[Subject, tuple[UUID, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, wanted: Iterable[Subject]) -> dict[Subject, tuple[UUID, bytes]]:
        """The keys kept of those wanted (the others are not known here)."""
        found = {}
        for subject in wanted:
            key = self._keys.get(subject)
            if key is not None:
                self._keys.move_to_end(subject)
                found[subject] = key
        return found

    def put(self, keys: Mapping[Subject, tuple[UUID, bytes]]) -> None:
        """Keys seen stored: read inside an append that committed, or written by one."""
        for subject, key in keys.items():
            self._keys[subject] = key
            self._keys.move_to_end(subject)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)

    def drop(self, subjects: Iterable[Subject]) -> None:
        for subject in subjects:
            self._keys.pop(subject, None)
