"""How a consumer of events takes them from JetStream: in batches, how long it waits to fill
one, and a batch never dropped on the way to its handler.

**The wait.** faststream's batch pull (over nats-py's `fetch`) hands a batch over once it
holds `batch_size` messages or `FILL_SECONDS` have passed since it began: an event that
arrives alone waits out the rest of that time before it is handled, at every hop of a chain
(a return submitted, the events service reacting to it, reviews reacting to that, reporting
projecting each). A quarter of a second (it was half) keeps a hop's wait short; under load
a batch still takes all that arrived meanwhile; idle, each consumer asks four times a
second. Measured (docs/performance.md, "Batches dropped"): a demo's year 59 s at a half,
35-37 s at a quarter, 32.5 s at a tenth; an idle platform 2.3-2.6%, 3.7% and 6.9-8.4% of a
core.

**The dropped batch** (`mended`). faststream 0.7.8's loop keeps fetching until the batch is
full or its deadline passes, and ends a fetch that times out by catching
`nats.errors.TimeoutError`. nats-py 2.16's `fetch` also raises a bare `asyncio.TimeoutError`
when the deadline runs out between its two requests, which that loop lets through: the
consume task dies with the messages it had gathered, faststream starts it again (and logs
the error only the first time), and the batch comes back only after the consumer's
`ack_wait`. A demo's year met this at about one step in ten, each a stall of two seconds
(reporting) or five (reactions), most of the year's time (docs/performance.md, "Batches
dropped on the way to their handler"). `mended` gives such a subscriber the same loop with
both timeouts caught."""

from __future__ import annotations

import types
from time import monotonic
from typing import TypeVar

from faststream.nats import PullSub
from faststream.nats.subscriber.usecases.stream_pull_subscriber import BatchPullStreamSubscriber
from nats.errors import ConnectionClosedError
from nats.js.errors import ServiceUnavailableError

FILL_SECONDS = 0.25

S = TypeVar("S")


def event_batches(batch_size: int) -> PullSub:
    """A batch pull of up to `batch_size` events, waiting at most `FILL_SECONDS` to fill it."""
    return PullSub(batch_size=batch_size, timeout=FILL_SECONDS, batch=True)


def mended(subscriber: S) -> S:
    """The subscriber, its batch pull loop one that hands over every batch it gathered."""
    if isinstance(subscriber, BatchPullStreamSubscriber):
        subscriber._consume_pull = types.MethodType(_consume_pull, subscriber)  # type: ignore[method-assign]
    return subscriber


async def _consume_pull(self: BatchPullStreamSubscriber) -> None:
    """faststream's `BatchPullStreamSubscriber._consume_pull`, catching the builtin
    `TimeoutError` (asyncio's, of which nats-py's is a kind) where it caught nats-py's alone."""
    assert self.subscription, "You should call `create_subscription` at first."
    batch_size = self.pull_sub.batch_size
    timeout = self.pull_sub.timeout
    while self.running:
        deadline = monotonic() + timeout if timeout is not None else None
        messages: list = []
        remaining = None if deadline is None else deadline - monotonic()
        while len(messages) < batch_size and (remaining is None or remaining > 0) and self.running:
            try:
                messages += await self.subscription.fetch(batch=batch_size - len(messages), timeout=remaining)
            except TimeoutError:
                break
            except (ConnectionClosedError, ServiceUnavailableError):
                messages.clear()  # unacknowledged: the server delivers them again
                break
            remaining = None if deadline is None else deadline - monotonic()
        if messages and self.running:
            await self.consume(messages)
