"""The rendered-page cache keeps HTML by the digest of what it shows: equal inputs render
once, any change renders again, the budget holds, and an input that cannot be pickled is
rendered every time (services/reporting/adapters/render_cache.py)."""

import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from services.reporting.adapters.render_cache import RenderCache, to_minute


@dataclass(frozen=True)
class View:
    title: str
    as_of: datetime


def counting(text: str) -> tuple[list[int], object]:
    calls: list[int] = []

    def render() -> str:
        calls.append(1)
        return text

    return calls, render


def test_equal_inputs_render_once_and_a_change_renders_again() -> None:
    cache = RenderCache()
    calls, render = counting("<p>a</p>")
    moment = datetime(2026, 12, 7, 9, 30, 15, tzinfo=UTC)
    assert cache.rendered(("t.html", View("a", moment)), render) == "<p>a</p>"
    assert cache.rendered(("t.html", View("a", moment)), render) == "<p>a</p>"
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)
    cache.rendered(("t.html", View("b", moment)), render)
    cache.rendered(("other.html", View("a", moment)), render)
    assert len(calls) == 3


def test_moments_cut_to_the_minute_share_a_key_and_other_minutes_do_not() -> None:
    cache = RenderCache()
    calls, render = counting("x")
    for second in (1, 30, 59):
        cache.rendered(to_minute(View("a", datetime(2026, 12, 7, 9, 30, second, 5, tzinfo=UTC)), "as_of"), render)
    assert len(calls) == 1
    cache.rendered(to_minute(View("a", datetime(2026, 12, 7, 9, 31, tzinfo=UTC)), "as_of"), render)
    assert len(calls) == 2


def test_the_budget_drops_the_least_recently_used_page() -> None:
    page = sys.getsizeof("a" * 15)  # the budget counts the memory the HTML takes
    cache = RenderCache(budget=4 * page + page // 2)
    for name in ("a", "b", "c"):
        cache.rendered(name, lambda name=name: name * 15)
    cache.rendered("a", lambda: "a" * 15)  # a is used again: b is now the oldest
    cache.rendered("d", lambda: "d" * 15)
    cache.rendered("e", lambda: "e" * 15)  # five pages: over the budget, b goes
    calls, render = counting("b" * 15)
    cache.rendered("b", render)
    assert len(calls) == 1
    calls, render = counting("a" * 15)
    cache.rendered("a", render)
    assert calls == []
    big, render = counting("z" * 40)  # more than a quarter of the budget: rendered, not kept
    cache.rendered("z", render)
    cache.rendered("z", render)
    assert len(big) == 2


def test_an_input_that_cannot_be_pickled_is_rendered_every_time() -> None:
    cache = RenderCache()
    calls, render = counting("y")
    for _ in range(2):
        assert cache.rendered(("t.html", lambda: None), render) == "y"
    assert len(calls) == 2


def test_a_page_is_kept_at_most_its_max_age() -> None:
    now = [1000.0]
    cache = RenderCache(max_age=600, clock=lambda: now[0])
    calls, render = counting("p")
    cache.rendered("k", render)
    now[0] += 599
    cache.rendered("k", render)
    assert len(calls) == 1
    now[0] += 2  # rendered 601 s ago: rendered again, and kept from now
    cache.rendered("k", render)
    cache.rendered("k", render)
    assert len(calls) == 2


@dataclass(frozen=True)
class Pack:
    as_of: datetime
    dashboard: View


def test_a_dotted_name_cuts_a_moment_inside_the_view() -> None:
    moment = datetime(2026, 12, 7, 9, 30, 15, 7, tzinfo=UTC)
    cut = to_minute(Pack(moment, View("a", moment)), "as_of", "dashboard.as_of", "dashboard.missing", "absent")
    assert cut == Pack(moment.replace(second=0, microsecond=0), View("a", moment.replace(second=0, microsecond=0)))
    assert to_minute("not a view", "as_of") == "not a view"


def test_readers_of_a_page_being_rendered_wait_for_its_html() -> None:
    cache = RenderCache()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        assert release.wait(10)
        return "<p>pack</p>"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.rendered("pack", slow)))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=lambda: results.append(cache.rendered("pack", slow))) for _ in range(3)]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert results == ["<p>pack</p>"] * 4 and calls == [1]


def test_a_failed_rendering_lets_the_next_reader_render() -> None:
    cache = RenderCache()

    def broken() -> str:
        raise RuntimeError("the template failed")

    try:
        cache.rendered("k", broken)
    except RuntimeError:
        pass
    assert cache.rendered("k", lambda: "fine") == "fine"
