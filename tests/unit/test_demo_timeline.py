"""The demo's timeline: strands of the story, each with its own days, played one step at a
time in date order, the clock moved only when every strand waits for a later day."""

from datetime import date

import pytest

from services.platform.demo.clock import StepOutOfOrder, Timeline

D = [date(2026, 1, n) for n in range(1, 10)]


async def test_steps_of_every_strand_run_in_date_order_and_the_clock_moves_between_days() -> None:
    moved: list[date] = []
    done: list[tuple[str, date]] = []

    async def advance(day: date) -> None:
        moved.append(day)

    timeline = Timeline(D[0], advance)

    def strand(name: str, days: list[date]):
        async def steps() -> None:
            for day in days:
                await timeline.on(day)
                assert timeline.day == day
                done.append((name, day))
                if name == "a" and day == D[2]:  # a strand may start another, from today on (b asked for D[2] first)
                    timeline.spawn(D[3], strand("c", [D[3], D[5]]))
        return steps

    timeline.spawn(D[0], strand("a", [D[1], D[2], D[6]]))
    timeline.spawn(D[0], strand("b", [D[2], D[4], D[4], D[8]]))
    await timeline.run()
    assert [day for _, day in done] == sorted(day for _, day in done)
    assert done == [("a", D[1]), ("b", D[2]), ("a", D[2]), ("c", D[3]), ("b", D[4]), ("b", D[4]),
                    ("c", D[5]), ("a", D[6]), ("b", D[8])]
    assert moved == [D[1], D[2], D[3], D[4], D[5], D[6], D[8]]


async def test_a_step_dated_before_the_clock_fails_the_play() -> None:
    async def advance(day: date) -> None:
        return None

    timeline = Timeline(D[0], advance)

    async def late() -> None:
        await timeline.on(D[3])
        await timeline.on(D[1])

    timeline.spawn(D[0], late)
    with pytest.raises(StepOutOfOrder):
        await timeline.run()


async def test_a_failing_strand_stops_the_others() -> None:
    async def advance(day: date) -> None:
        return None

    timeline = Timeline(D[0], advance)
    ran: list[date] = []

    async def fails() -> None:
        await timeline.on(D[1])
        raise RuntimeError("refused")

    async def goes_on() -> None:
        for day in D[1:]:
            await timeline.on(day)
            ran.append(day)

    timeline.spawn(D[0], fails)
    timeline.spawn(D[0], goes_on)
    with pytest.raises(RuntimeError, match="refused"):
        await timeline.run()
    assert ran == []  # the step after it never ran
