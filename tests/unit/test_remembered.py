"""`Remembered`: the run after a reader's place while memory holds it with no gap."""

from shared.eventstore.remembered import Remembered


def test_the_run_after_a_place_stops_at_a_gap_and_at_most() -> None:
    memory: Remembered[str] = Remembered(limit=100)
    memory.learn((p, f"row {p}") for p in (1, 2, 3, 5, 6))
    assert memory.run_after(0, most=2) == ["row 1", "row 2"]
    assert memory.run_after(2, most=10) == ["row 3"]  # 4 is another process's: read from the store
    assert memory.run_after(4, most=10) == ["row 5", "row 6"]  # and what was at or before 4 is forgotten
    assert memory.run_after(6, most=10) == []


def test_past_its_limit_it_forgets_everything() -> None:
    memory: Remembered[int] = Remembered(limit=3)
    memory.learn((p, p) for p in range(1, 5))
    memory.learn([(5, 5)])  # holding more than 3: all forgotten, then this one kept
    assert memory.run_after(0, most=10) == []
    assert memory.run_after(4, most=10) == [5]
