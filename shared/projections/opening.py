"""A live batch's personal texts opened once, in the JSON it arrived in, before its events are built.

Reporting's read models show personal texts opened. Opened once its events were built (the
runner's `open_envelopes`), each payload was validated into its model from JetStream's JSON,
dumped back to a dict, walked, opened and validated again: about a quarter of the reporting
process's CPU in the pipeline benchmark (docs/performance.md). An `Opener` is handed to
`shared.messaging.inbound.readable`, which opens the sealed values in the parsed JSON
(`personal_data.open_payloads`, the keys read in one query), so each event is validated once;
one it cannot open so (recorded at an older version, upcast when built) is opened once built,
as before. Events at or before a `floor` (the last position the consumer applied: a batch
delivered again, a stream refilled) are left sealed, as the runners skip them; the runners are
told where that line was (`ProjectionRunner.apply(opened_above=...)`) and open any such event
that is new to them after all (a checkpoint set back meanwhile, or another process's consumer
applied less), so the floor is a hint that needs no read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from shared.envelope import Envelope
from shared.personal_data import open_envelopes, open_payloads


@dataclass(frozen=True)
class Opener:
    pool: asyncpg.Pool
    only: frozenset[str] | None  # the event types whose texts are opened; None: every type
    floor: int = 0  # events at or before this position are left as they are

    def past(self, position: int) -> Opener:
        """This opener, leaving sealed the events at or before `position`."""
        return replace(self, floor=position)

    async def payloads(self, payloads: list[tuple[str, int, Any, int | None, int]]) -> list[bool]:
        """`open_payloads` of those past `floor`, given as (type, version, payload, at most how
        many sealed values it holds, position); those at or before it are left sealed, as
        wanted (True)."""
        wanted = [i for i, (*_, position) in enumerate(payloads) if position > self.floor]
        done = [True] * len(payloads)
        opened = await open_payloads(self.pool, [payloads[i][:4] for i in wanted], only=self.only)
        for i, was_opened in zip(wanted, opened, strict=True):
            done[i] = was_opened
        return done

    async def envelopes(self, envelopes: list[Envelope]) -> list[Envelope]:
        return await open_envelopes(self.pool, envelopes, only=self.only)

    def joined(self, other: Opener) -> Opener:
        """One opener for two runners fed the same batch (read models and notifier)."""
        only = None if self.only is None or other.only is None else self.only | other.only
        return Opener(self.pool, only, min(self.floor, other.floor))
