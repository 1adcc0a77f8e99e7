"""A rebuild holds Python's automatic garbage collections off while it folds, overlapping
holds included, and gives them back as they were (shared/projections/collections_paused.py)."""

import gc

from shared.projections import collections_paused as paused


def test_collections_are_off_while_any_hold_lasts_and_back_after() -> None:
    assert gc.isenabled()
    with paused.collections_paused():
        assert not gc.isenabled()
        with paused.collections_paused():  # a second rebuild in the same process
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collections_left_off_by_their_owner_stay_off() -> None:
    gc.disable()
    try:
        with paused.collections_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failed_rebuild_gives_collections_back() -> None:
    try:
        with paused.collections_paused():
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_cyclic_garbage_is_collected_every_so_many_batches() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with paused.collections_paused():
        before = gc.get_stats()[1]["collections"]
        for _ in range(paused.EVERY):
            Node()  # a cycle: only the collector frees it
            paused.batch_folded()
        assert gc.get_stats()[1]["collections"] == before + 1
