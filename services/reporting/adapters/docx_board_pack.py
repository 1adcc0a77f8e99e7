"""The board pack as a Word document (python-docx), from the same `BoardPack` view as its
page and PDF, with the page's headings, paragraphs and tables (`boardpack.html` and its
`_boardpack_*.html` partials, cell for cell), the charts as PNG pictures, and the
appendix of every area's detail (`docx_dashboard.py`), so the business unit can edit
its Board paper. A change to a partial wants the same change here:
tests/unit/test_downloads_docx.py compares the two."""

from services.reporting.domain.views.board_pack import BoardPack, Decision
from services.reporting.domain.views.board_pack_exceptions import ExceptionLine
from services.reporting.domain.views.figures import counts

from .docx_dashboard import areas, heatmap
from .docx_writer import Line, WordDocument, day


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(doc: WordDocument, p: BoardPack) -> None:
    doc.heading(f"Board pack: {p.partnership_name}", 1)
    doc.para(f"{p.group.name} · meeting of {p.meeting:%d %B %Y} · since the last meeting on {p.since.day:%d %B %Y} "
             f"({p.since.reason}) · prepared from the records as of {p.as_of:%d %B %Y %H:%M} UTC · every line names the event behind it",
             meta=True)
    doc.heading("Summary", 2)
    exceptions = str(len(p.exceptions))
    if p.exceptions:
        exceptions += ": " + ", ".join(_plural(p.count(kind), kind.lower()) for kind in p.exception_kinds)
    if p.outstanding:
        exceptions += f"; {len(p.outstanding)} still outstanding from before"
    decisions = str(len(p.decisions_here)) + (f"; {len(p.decisions_elsewhere)} awaited elsewhere" if p.decisions_elsewhere else "")
    o = p.overview
    events = f"{o.concluded_events} concluded" + (f"; {p.planner.planned} planned in {p.planner.title}" if p.planner else "")
    doc.table(None, [
        ["Exceptions since the last meeting", exceptions],
        ["Decisions for this meeting", decisions],
        ["Reports due at this meeting", f"{len(p.reports_due)} of the {len(p.reports)} the profile sends to this group"],
        ["Section 11", f"{o.agencies_submitted} of {o.agencies_total} agencies have returned ({o.submissions} returns); "
                       f"{_plural(o.open_risk_flags, 'risk flag')} open"],
        ["Actions", f"{o.open_actions} open, of which {o.overdue_actions} overdue; {o.awaiting_sign_off} awaiting sign-off"],
        ["Assurance events", events],
    ], header_column=True)
    doc.para(counts("open-risk-flags"), meta=True)


def _trace(event_id: str | None, position: int | None) -> Line:
    return Line(trace=f"event {event_id}" + (f" · position {position}" if position is not None else ""))


def _exceptions(doc: WordDocument, p: BoardPack) -> None:
    def rows(lines: list[ExceptionLine]) -> list[list]:
        return [[day(x.on), x.kind, x.subject, [Line(x.detail), _trace(x.event_id, x.position)]] for x in lines]

    heads = ["When", "Exception", "What", "Detail and evidence"]
    doc.heading("Exceptions since the last meeting", 2)
    doc.para("New risk flags and confidence gaps, overdue actions, late returns and information, slipping reviews and missed event "
             f"milestones from {p.since.day:%d %b %Y} to {p.until:%d %b %Y}.", meta=True)
    if p.exceptions:
        doc.table(heads, rows(p.exceptions))
    else:
        doc.para("No exceptions since the last meeting.")
    if p.outstanding:
        doc.heading("Still outstanding from before the last meeting", 3)
        doc.table(heads, rows(p.outstanding))


def _decisions(doc: WordDocument, p: BoardPack) -> None:
    def rows(items: list[Decision]) -> list[list]:
        return [[x.kind, x.subject, [Line(x.detail), _trace(x.event_id, x.position)], x.decided_by] for x in items]

    heads = ["Decision", "On", "Detail and evidence", "Decided by"]
    doc.heading("Decisions needed", 2)
    if p.decisions_here:
        doc.table(heads, rows(p.decisions_here))
    else:
        elsewhere = f" Action plans are signed off by {p.signed_off_by}." if p.signed_off_by != p.group.name else ""
        doc.para(f"No sign-off is waiting for {p.group.name}.{elsewhere}")
    if p.decisions_elsewhere:
        doc.heading("Awaited elsewhere (for information)", 3)
        doc.table(heads, rows(p.decisions_elsewhere))


def _reports(doc: WordDocument, p: BoardPack) -> None:
    doc.heading(f"Reports due to {p.group.name}", 2)
    if p.reports:
        rows = []
        for r in p.reports:
            name = [Line(r.name, f"({r.kind})" if r.kind != "rolling" else "")]
            why = [Line(r.why)] + ([Line(trace=f"also to {', '.join(r.also_to)}")] if r.also_to else []) \
                + ([Line(trace=f"event {r.event_id}")] if r.event_id else [])
            received = [Line(x.said, f"event {x.event_id} · position {x.position}") for x in r.recorded] \
                or ("not yet received" if r.due else "")
            rows.append([name, r.presented_by, r.cadence, r.status, why, received])
        doc.table(["Report", "Presented by", "Cadence", "This meeting", "Why", "Received or missed"], rows)
    else:
        doc.para("The profile sends no rolling report to this group.")
    if p.tools:
        doc.heading("Assurance tools reported to this group, by line of defence", 3)
        doc.table(["Tier", "Tool", "Also reported to"], [
            [f"{t.level}. {t.tier}", t.tool, [Line(", ".join(t.also_to))] + ([Line(trace=t.note)] if t.note else [])] for t in p.tools
        ])


def _planner(doc: WordDocument, p: BoardPack) -> None:
    q = p.planner
    doc.heading("Planner for the next quarter" + (f": {q.title}" if q else ""), 2)
    if q:
        doc.para(f"{q.planned} planned, {q.held} held, {q.slipped} slipped, {q.missed} missed in the quarter. {q.planner.note}", meta=True)
        rows = []
        for m in q.months:
            planned = []
            for s in m.planned:
                planned.append(
                    Line(f"{s.activity_name}{f' ({s.note})' if s.note else ''}: {s.status}" + (f", {s.detail}" if s.detail else ""))
                )
                if s.event and s.event.event_id:
                    planned.append(Line(trace=f"event {s.event.event_id} · position {s.event.position}"))
            held = [Line(f"{h.activity_name}{f': {h.event.title}' if h.event else ''} {h.held_on:%d %b}") for h in m.held]
            rows.append([q.name(m.month), planned or "nothing planned", held])
        doc.table(["Month", "Planned (status)", "Held"], rows)
        doc.heading("Every activity in the quarter", 3)
        doc.table(
            ["Activity", "Cadence", "Planned", "Held", "Slipped", "Missed", "Due this month"],
            [
                [
                    c.activity_name + (f" (with the {c.scrutineer})" if c.scrutineer else ""),
                    c.cadence,
                    c.planned,
                    c.held,
                    c.slipped,
                    c.missed,
                    c.due,
                ]
                for c in q.commitments
            ],
        )
    else:
        doc.para("No planner.")
    if p.coming:
        doc.heading("Assurance events scheduled in the quarter", 3)
        rows = []
        for e in p.coming:
            when = day(e.scheduled_on) if e.scheduled_on else (f"planned {q.name(e.planned_for)}" if q else e.planned_for)
            where = p.dashboard.agency_names.get(e.agency_id, e.agency_id) if e.agency_id else (e.theme or "")
            rows.append([when, e.title, [Line(e.status)] + ([Line("awaiting endorsement")] if e.outstanding_endorsements else []),
                         [Line(where), _trace(e.event_id, e.position)]])
        doc.table(["Date", "Event", "Status", "Agency or theme, and evidence"], rows)


def _actions(doc: WordDocument, p: BoardPack) -> None:
    """`_boardpack_actions.html`: every action not yet signed off, overdue first."""
    t, o = p.dashboard.action_tracker, p.overview
    doc.heading("Action plan", 2)
    if t is None:
        doc.para("No actions.")
        return
    doc.para(f"As of {t.as_of:%d %B %Y}: {o.open_actions} open ({o.overdue_actions} overdue, {t.count('due soon')} due within "
             f"{t.lead_days} days or reminded), {o.awaiting_sign_off} awaiting sign-off by {p.signed_off_by}, "
             f"{t.count('signed off')} signed off.", meta=True)
    items = t.buckets["overdue"] + t.buckets["due soon"] + t.buckets["open"] + t.buckets["awaiting sign-off"]
    if not items:
        doc.para("No action is open or awaiting sign-off.")
        return
    rows = []
    for item in items:
        a = item.row
        status = {"overdue": f"overdue by {_plural(-item.days_to_due, 'day')}", "open": "on track"}.get(item.bucket, item.bucket)
        progress = _plural(a.progress_updates, "update") + (f", {a.percent_complete}% complete" if a.percent_complete is not None else "")
        if a.rejections:
            progress += f"; evidence rejected {_plural(a.rejections, 'time')}"
        rows.append([a.title, p.dashboard.agency_names.get(a.owner_agency_id, a.owner_agency_id), day(a.due_on), status, progress])
    doc.table(["Action", "Owner", "Due", "Status", "Progress"], rows)


def _heatmap(doc: WordDocument, p: BoardPack) -> None:
    """`_boardpack_heatmap.html`: each rating's word and mark, a key naming every rating."""
    from services.reporting.adapters.charts import SYMBOLS
    from services.reporting.domain.views.heat_scale import level_tones

    hm = p.heatmap
    tone_of = level_tones(hm.levels)  # each level's own symbol (Good and Outstanding apart), as on the page

    def mark(rating: int | None, rag: str) -> str:
        return tone_of[rating].symbol if rating in tone_of else SYMBOLS[rag]

    doc.heading("Section 11 heat map", 2)
    doc.para("The rating the partnership goes by for each agency and domain: the panel's moderated rating where it moderated, "
             "else the agency's own. Where the two differ, the agency's own rating is shown after it.", meta=True)
    if hm.levels:
        keys = [f"{mark(level.value, level.rag)} {level.value} {level.label}" for level in hm.levels]
        doc.para(" ".join(["Key:", *keys, f"{SYMBOLS['none']} no return"]))
    rows, fills = [], []
    for row in hm.rows:
        cells: list = [row.agency_name]
        for c in row.cells:
            if c.rating is None:
                cells.append(f"{SYMBOLS['none']} no return")
            elif c.moderated_rating is not None and c.moderated_rating != c.self_rating:
                cells.append([Line(f"{mark(c.rating, c.rag)} {c.rating} {c.label}"), Line(f"agency's own: {c.self_rating}")])
            else:
                cells.append(f"{mark(c.rating, c.rag)} {c.rating} {c.label}")
        rows.append(cells)
        fills.append([None, *(c.rag for c in row.cells)])
    doc.table(["Agency", *(name for _, name in hm.domains)], rows, fills=fills)


def _charts(doc: WordDocument, p: BoardPack) -> None:
    from services.reporting.adapters.charts import board_pack_charts

    doc.heading("Charts", 2)
    for chart in board_pack_charts(p, heatmap=False):
        doc.heading(chart.title, 3)
        doc.picture(chart.png)
        doc.para(chart.caption, meta=True)


def board_pack_docx(p: BoardPack) -> bytes:
    doc = WordDocument(f"Board pack: {p.partnership_name}: {p.group.name}: {p.meeting:%d %B %Y}", p.partnership_name)
    _summary(doc, p)
    _exceptions(doc, p)
    _decisions(doc, p)
    _actions(doc, p)
    _reports(doc, p)
    _planner(doc, p)
    _heatmap(doc, p)
    _charts(doc, p)
    doc.heading("Appendix: detail by area", 2)
    doc.para(f"Each area as the dashboard shows it, as of {p.as_of:%d %B %Y %H:%M} UTC.", meta=True)
    doc.heading("Section 11 heat map in detail", 2)
    heatmap(doc, p.heatmap)
    areas(doc, p.dashboard)
    return doc.bytes()
