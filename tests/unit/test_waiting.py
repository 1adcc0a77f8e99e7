"""`woken_or_timed_out`, the wait of every background loop (the outbox relay, the deadline watcher)."""

import asyncio

import pytest

from shared.waiting import woken_or_timed_out


async def _next_turn() -> None:
    """Let every callback already scheduled run (one turn of the loop; no clock involved)."""
    loop = asyncio.get_running_loop()
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


async def test_a_wait_cancelled_as_its_event_is_set_is_cancelled() -> None:
    """On Python 3.11 `asyncio.wait_for(event.wait(), t)` returns here instead: the loop
    around it would go on after its service's stop, which then waited for it for ever."""
    event = asyncio.Event()
    waiting = asyncio.create_task(woken_or_timed_out(event, 60))
    await _next_turn()  # the task is now waiting on the event
    event.set()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_a_set_event_wakes_the_wait_and_is_cleared() -> None:
    event = asyncio.Event()
    event.set()
    await woken_or_timed_out(event, 60)
    assert not event.is_set()

