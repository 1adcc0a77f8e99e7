"""Wait for a fact to become true, with a deadline.

Tests and start-up code never sleep for a guessed duration: they name the
fact they are waiting for and how long it may take, and fail loudly, with the
last thing they saw, when it does not happen.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

T = TypeVar("T")


async def eventually(
    probe: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - the deadline is this function's whole point
    interval: float = 0.02,
    what: str = "",
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``probe`` (sync or async) until it returns something truthy; return that.

    Exceptions listed in ``ignore`` count as "not yet" (a server still
    starting, a consumer not created yet); any other exception propagates.
    Raises ``TimeoutError`` once ``timeout`` seconds have passed.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: object = None
    while True:
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
        except ignore as exc:
            last = exc
        else:
            if value:
                return cast(T, value)
            last = value
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(
                f"gave up waiting for {what or 'a condition'} after {timeout}s; "
                f"last value: {last!r}"
            )
        await asyncio.sleep(min(interval, remaining))


async def woken_or_timed_out(event: asyncio.Event, seconds: float) -> None:
    """Wait until `event` is set or `seconds` have passed, then clear it.

    Not `asyncio.wait_for(event.wait(), seconds)`: on Python 3.11, a task cancelled just as
    the event is set has its cancellation swallowed there (the result wins), so a
    background loop waiting like that could outlive its service's stop and hang it.
    `asyncio.timeout` keeps the cancellation."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass
    event.clear()
