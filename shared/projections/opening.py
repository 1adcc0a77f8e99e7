"""A live batch's personal texts opened once, in the JSON it arrived in, before its events are built.

Reporting's read models show personal texts opened. Opened once its events were built (the
runner's `open_envelopes`), each payload was validated into its model from JetStream's JSON,
dumped back to a dict, walked, opened and validated again: about a quarter of the reporting
process's CPU in the pipeline benchmark (docs/performance.md). An `Opener` is handed to
`shared.messaging.inbound.readable`, which opens the sealed values in the parsed JSON
(`personal_data.open_payloads`, the keys read in one query), so each event is validated once;
one it cannot open so (recorded at an older version, upcast when built) is opened once built,
as before. The runners are then told the batch is open (`ProjectionRunner.apply(opened=True)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.envelope import Envelope
from shared.personal_data import open_envelopes, open_payloads


@dataclass(frozen=True)
class Opener:
    pool: asyncpg.Pool
    only: frozenset[str] | None  # the event types whose texts are opened; None: every type

    async def payloads(self, payloads: list[tuple[str, int, Any]]) -> list[bool]:
        return await open_payloads(self.pool, payloads, only=self.only)

    async def envelopes(self, envelopes: list[Envelope]) -> list[Envelope]:
        return await open_envelopes(self.pool, envelopes, only=self.only)

    def joined(self, other: Opener) -> Opener:
        """One opener for two runners fed the same batch (read models and notifier)."""
        only = None if self.only is None or other.only is None else self.only | other.only
        return Opener(self.pool, only)
