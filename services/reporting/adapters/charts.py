"""The board pack's charts, drawn with matplotlib (Agg, no pyplot state): SVG for the HTML
page, PNG for the PDF. Each chart is drawn from the pack's figures, never from SQL.

Each performance indicator's series is a chart too (the dashboard's and the pack's): its
values period by period, the early-warning threshold dashed, the comparators dotted,
values beyond the threshold marked. A series is a frozen value, so the same series is
drawn once (cached) however often the dashboard is read; so are the board pack's actions
and timeliness charts, drawn once for the same months and rows (a chart is a function of its
figures alone), not again for every person who opens the same pack. The pack's two are drawn
one at a time (`_DRAWING`; the pages draw them in a worker thread, off the event loop):
people opening the same pack at once wait for the one drawing and find it cached, rather
than each drawing it again."""

import base64
import functools
import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from services.reporting.domain.views.board_pack import BoardPack  # noqa: E402
from services.reporting.domain.views.board_pack_trends import ActionMonth, Timeliness  # noqa: E402
from services.reporting.domain.views.performance import IndicatorSeries, PerformanceView  # noqa: E402
from services.reporting.domain.views.planner import month_name  # noqa: E402
from services.reporting.domain.views.section11 import HeatMap  # noqa: E402

RAG = {"red": "#e8a3a3", "amber": "#f5d48f", "green": "#a9d8a9", "none": "#eeeeee"}
INK = "#1d2733"
GREY = "#8a8f98"
SYMBOLS = {"red": "✗", "amber": "▲", "green": "✓", "none": "–"}
"""Each rating's mark beside its figure, so the heat map reads without colour (pages.py shows the same)."""
ON_TIME, LATE, OVERDUE, PENDING = "#6fb36f", "#f0b94d", "#c94c4c", "#c8ced6"
STYLE = {
    "font.size": 8, "axes.edgecolor": "#b8c0ca", "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
    "svg.fonttype": "none", "svg.hashsalt": "scrutiny",
}


_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Chart:
    title: str
    caption: str
    svg: str
    png: bytes

    @property
    def png_data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


def _render(fig: Figure, title: str, caption: str) -> Chart:
    with matplotlib.rc_context(STYLE):
        svg = io.StringIO()
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=200, bbox_inches="tight")
    text = svg.getvalue()
    return Chart(title, caption, text[text.index("<svg"):], png.getvalue())


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def heatmap_chart(heatmap: HeatMap) -> Chart:
    rows, domains = heatmap.rows, heatmap.domains
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.2, 1.3 + 0.24 * max(len(rows), 1))
        ax = fig.add_subplot()
        for y, row in enumerate(rows):
            for x, cell in enumerate(row.cells):
                ax.add_patch(Rectangle((x, y), 1, 1, facecolor=RAG.get(cell.rag, RAG["none"]), edgecolor="white", lw=1.5))
                if cell.rating is None:
                    label = SYMBOLS["none"]
                elif cell.moderated_rating is not None and cell.moderated_rating != cell.self_rating:
                    label = f"{SYMBOLS[cell.rag]} {cell.self_rating}→{cell.moderated_rating}"
                else:
                    label = f"{SYMBOLS[cell.rag]} {cell.rating}"
                ax.text(x + 0.5, y + 0.5, label, ha="center", va="center", fontsize=7, color=INK if cell.rating else GREY)
        ax.set_xlim(0, len(domains))
        ax.set_ylim(len(rows), 0)
        ax.set_xticks([i + 0.5 for i in range(len(domains))], ["\n".join(textwrap.wrap(name, 16)) for _, name in domains], fontsize=6.5)
        ax.xaxis.tick_top()
        ax.set_yticks([i + 0.5 for i in range(len(rows))], ["\n".join(textwrap.wrap(r.agency_name, 44)) for r in rows], fontsize=6.5)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        keys = [(level.rag, f"{SYMBOLS[level.rag]} {level.value} {level.label}") for level in heatmap.levels]
        fig.legend(
            handles=[Patch(color=RAG[rag], label=label) for rag, label in [*keys, ("none", f"{SYMBOLS['none']} no return")]],
            loc="outside lower center", ncols=min(len(keys) + 1, 5), frameon=False, fontsize=6.5,
        )
    return _render(
        fig, "Section 11 heat map",
        "Agencies × domains: the rating the partnership goes by (moderated where the panel moderated; "
        "“self→moderated” where they differ). The key names each rating of the profile's scale; the mark "
        "beside each figure reads without colour.",
    )


def actions_chart(trend: Sequence[ActionMonth]) -> Chart:
    with _DRAWING:
        return _actions_chart(tuple(trend))


@functools.lru_cache(maxsize=64)
def _actions_chart(trend: tuple[ActionMonth, ...]) -> Chart:
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.2, 2.6)
        ax = fig.add_subplot()
        xs = list(range(len(trend)))
        ax.bar([x - 0.2 for x in xs], [m.opened for m in trend], width=0.4, color="#5b8fd6", label="opened")
        ax.bar([x + 0.2 for x in xs], [m.closed for m in trend], width=0.4, color=ON_TIME, label="closed (completed)")
        ax.plot(xs, [m.overdue for m in trend], color=OVERDUE, marker="o", lw=2, label="overdue at month end")
        ax.set_xticks(xs, [month_name(m.month)[:3] + " " + m.month[2:4] for m in trend])
        top = max([1, *(max(m.opened, m.closed, m.overdue) for m in trend)])
        ax.set_ylim(0, top + 1)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("actions")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", frameon=False, ncols=3)
    return _render(
        fig, "Actions opened, closed and overdue",
        "Month by month from each action's history: raised, completed with evidence, and overdue at the month's end "
        "(at the pack's date for the current month).",
    )


def timeliness_chart(rows: Sequence[Timeliness]) -> Chart:
    with _DRAWING:
        return _timeliness_chart(tuple(rows))


@functools.lru_cache(maxsize=64)
def _timeliness_chart(rows: tuple[Timeliness, ...]) -> Chart:
    parts = (
        ("on_time", "on time", ON_TIME),
        ("late", "done late", LATE),
        ("overdue", "overdue", OVERDUE),
        ("pending", "not yet due", PENDING),
    )
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.2, 0.9 + 0.38 * max(len(rows), 1))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))
        left = [0] * len(rows)
        for attr, label, colour in parts:
            values = [getattr(r, attr) for r in rows]
            ax.barh(ys, values, left=left, color=colour, label=label, height=0.6)
            for y, (x0, v) in enumerate(zip(left, values, strict=True)):
                if v:
                    ax.text(x0 + v / 2, y, str(v), ha="center", va="center", fontsize=7, color=INK)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(ys, [r.label for r in rows])
        ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # one empty row's height when nothing is due
        ax.spines[["top", "right"]].set_visible(False)
        if rows:
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_xlabel("count")
            fig.legend(loc="outside lower center", ncols=4, frameon=False)
        else:  # no scale of fractions and no key of bars that are not there
            ax.set_xticks([])
            ax.text(0.5, 0.5, "nothing due yet", transform=ax.transAxes, ha="center", color=GREY)
    return _render(
        fig, "Timeliness of returns and reviews",
        "Section 11 returns by cycle, review clocks by kind and information requests: on time, done late, "
        "overdue (not done, past due) and not yet due.",
    )


LINE = "#2b5fa8"
COMPARATOR_COLOURS = ("#6f7d8c", "#9a6fb0", "#4c9a8a", "#b07d3c")


@functools.lru_cache(maxsize=256)
def indicator_chart(series: IndicatorSeries) -> Chart:
    points = series.points
    with matplotlib.rc_context(STYLE):
        fig = _figure(6.4, 2.3)
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        ys = [p.value for p in points]
        handles = []
        if points:
            ax.plot(xs, ys, color=LINE, marker="o", lw=2, markersize=4)
            handles.append(Line2D([], [], color=LINE, marker="o", label=series.name if len(series.name) < 40 else "value"))
            beyond = [(x, p.value) for x, p in zip(xs, points, strict=True) if p.beyond]
            if beyond:
                ax.scatter([x for x, _ in beyond], [y for _, y in beyond], color=OVERDUE, zorder=3, s=36)
                handles.append(Line2D([], [], color=OVERDUE, marker="o", lw=0, label="beyond threshold"))
            step = max(1, len(points) // 12)
            ax.set_xticks(xs[::step], [p.period for p in points][::step], rotation=45, ha="right")
        else:
            ax.text(0.5, 0.5, "no value supplied yet", transform=ax.transAxes, ha="center", color=GREY)
            ax.set_xticks([])
        if series.threshold is not None:
            ax.axhline(series.threshold, color=OVERDUE, ls="--", lw=1)
            handles.append(Line2D([], [], color=OVERDUE, ls="--", label=f"threshold {series.show(series.threshold)}"))
        for (name, value), colour in zip(series.comparators, COMPARATOR_COLOURS, strict=False):
            ax.axhline(value, color=colour, ls=":", lw=1.2)
            handles.append(Line2D([], [], color=colour, ls=":", label=f"{name} {series.show(value)}"))
        if series.unit == "percent":
            every = [*ys, *(v for _, v in series.comparators), *([series.threshold] if series.threshold is not None else [])]
            low, high = (min(every), max(every)) if every else (0.0, 100.0)
            ax.set_ylim(max(0.0, low - 5), min(100.0, high + 5))
        ax.set_ylabel({"percent": "%", "count": "count", "rate": "rate", "days": "days"}[series.unit], color=INK)
        ax.spines[["top", "right"]].set_visible(False)
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)), frameon=False, fontsize=6.5)
    return _render(
        fig, series.name,
        f"{series.supplier}, {series.frequency}; {series.better}. Latest {series.show(series.latest.value) if series.latest else 'none'}"
        + (f", {series.trend}" if series.trend else "") + ".",
    )


def performance_charts(view: PerformanceView | None) -> dict[str, Chart]:
    """Indicator id -> its chart (none for an indicator without values)."""
    if view is None:
        return {}
    return {s.id: indicator_chart(s) for s in view.series if s.points}


def board_pack_charts(pack: BoardPack, heatmap: bool = True) -> list[Chart]:
    """The pack's charts, then each performance indicator with an early warning among its exceptions; the HTML
    and PDF show the heat map as a table instead (`heatmap=False`), where names wrap, ratings read as words and
    a screen reader can follow it."""
    warned = {x.event_id for x in [*pack.exceptions, *pack.outstanding] if x.kind == "Early warning"}
    perf = pack.dashboard.performance
    flagged = [s for s in perf.series if any(w.event_id in warned for w in s.warnings)] if perf else []
    return [*([heatmap_chart(pack.heatmap)] if heatmap else []), actions_chart(pack.action_trend), timeliness_chart(pack.timeliness),
            *map(indicator_chart, flagged)]
