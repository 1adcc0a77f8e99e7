"""The mended batch pull loop (`shared.messaging.batches.mended`) hands over every batch it
gathered, whichever kind of timeout ends the last fetch: nats-py raises its own
`nats.errors.TimeoutError` and, when the deadline runs out between its two requests, a bare
`asyncio.TimeoutError`, which faststream's own loop let through with the batch. The
subscription here is a stand-in for nats-py's, answering as nats-py did in a demo's year."""

import asyncio

import nats.errors
import pytest
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage

from shared.messaging.batches import event_batches, mended


class Fetches:
    """nats-py's `PullSubscription.fetch`, answering from a script: messages, or an error."""

    def __init__(self, *answers: object) -> None:
        self._answers = list(answers)

    async def fetch(self, batch: int, timeout: float | None) -> list[object]:  # noqa: ASYNC109 - nats-py's signature
        answer = self._answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer  # type: ignore[return-value]


@pytest.mark.parametrize("raised", [TimeoutError(), nats.errors.TimeoutError()], ids=["asyncio's (the builtin)", "nats-py's"])
async def test_a_batch_gathered_before_a_timeout_is_handed_over(raised: BaseException) -> None:
    broker = NatsBroker()
    subscriber = mended(broker.subscriber(
        "batches", stream=JStream("BATCHES"), durable="batches", pull_sub=event_batches(100), ack_policy=AckPolicy.MANUAL,
    ))

    @subscriber
    async def handle(msg: NatsMessage) -> None: ...

    handed: list[list[object]] = []

    async def consume(messages: list[object]) -> None:
        handed.append(messages)
        subscriber.running = False  # one batch is enough

    subscriber.consume = consume  # type: ignore[method-assign]
    subscriber.subscription = Fetches(["first", "second"], ["third"], raised)  # type: ignore[assignment]
    subscriber.running = True
    await asyncio.wait_for(subscriber._consume_pull(), timeout=5)
    assert handed == [["first", "second", "third"]]
