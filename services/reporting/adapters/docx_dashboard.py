"""The dashboard's areas in a Word document: the board pack's appendix ("detail by area"),
with the headings and tables of the page's partials (`_heatmap.html`, `_sections.html`
and the partials it includes), cell for cell, from the same `Dashboard` view. The heat map
and the ratings keep their colours (and their words and symbols); the small grey trace is a
small grey run. The words are the page's: event types as phrases, the profile's names for its
ids (`templating`). Over 300 lines because it follows the page's partials one by one, in
their order, so a change to a partial has its twin in one place."""

from services.reporting.domain.views import Dashboard, HeatMap
from services.reporting.domain.views.figures import counts
from services.reporting.domain.views.heat_scale import TONES

from .docx_writer import Cell, Line, WordDocument, day
from .templating import phrase, source_words, words_for

BUCKETS = ["overdue", "due soon", "awaiting sign-off", "open", "signed off"]


def T(text: str) -> Line:  # noqa: N802 - the page's <span class="trace">
    return Line(trace=text)


def heatmap(doc: WordDocument, heat: HeatMap) -> None:
    rows, fills = [], []
    doc.bullets([Line(f"{TONES[tone].symbol} {label}") for _, label, tone in heat.scale]
                + [Line(f"{TONES['none'].symbol} No return")])  # the key: a rating's symbol and word
    for row in heat.rows:
        cells: list[Cell] = [row.agency_name, [Line(row.status.capitalize())] + ([T(f"cycle {row.cycle_id}")] if row.cycle_id else [])]
        for c in row.cells:
            if c.rating is None:
                cells.append(f"{TONES['none'].symbol} No return")
                continue
            lines = [Line(f"{TONES[c.tone].symbol} {c.label}")]
            if c.moderated_rating is not None:
                lines.append(Line(f"moderated; self-assessed {c.self_label}" + (f" ({c.gap_words})" if c.gap else "")))
            cells.append(lines)
        rows.append(cells)
        fills.append([None, None, *(c.tone for c in row.cells)])
    doc.table(["Agency", "Return", *(name for _, name in heat.domains)], rows, fills=fills)


def _section(doc: WordDocument, heading: str, heads: list[str], rows: list[list[Cell]], empty: str | None = None, level: int = 2) -> None:
    """A heading, then its table, or `empty` (None: the page shows nothing without rows)."""
    if not rows and empty is None:
        return
    doc.heading(heading, level)
    if rows:
        doc.table(heads, rows)
    elif empty:
        doc.para(empty)


def areas(doc: WordDocument, d: Dashboard) -> None:
    """Every area in the order of `_sections.html`."""
    a = d.agency_names.get
    dom = d.domain_names.get
    level = d.rating_labels.get
    doc.heading("Open risk flags (signatures of risk)", 2)
    doc.para(f"{len(d.risk_flags)} open. {counts('open-risk-flags')}", meta=True)
    rows = [[a(f.agency_id, f.agency_id), dom(f.domain_id, f.domain_id), level(f.rating, f.rating), f.reason, day(f.raised_at),
             f"event {f.event_id}"] for f in d.risk_flags]
    if rows:
        doc.table(["Agency", "Domain", "Rating", "Reason", "Raised", "Evidence"], rows)
    else:
        doc.para("No open risk flags.")
    s = d.section11
    _section(doc, "Late and overdue Section 11 returns", ["Agency", "Cycle", "Due", "Status", "Submitted", "Reminders", "Evidence"], [
        [a(r.agency_id, r.agency_id), r.cycle_id, day(r.due_on) or "—", r.status.capitalize(), day(r.submitted_at) or "not yet",
         r.reminders, f"event {r.event_id}"] for r in s.late_returns], "No late or overdue returns.")
    _section(
        doc,
        "Confidence gaps (green self-scores challenged by practitioners' surveys)",
        ["Agency", "Cycle", "Domain", "Self-score", "Practitioners agreeing", "Why", "Evidence"],
        [
            [
                a(g.agency_id, g.agency_id),
                g.cycle_id,
                dom(g.domain_id, "all domains") if g.domain_id else "all domains",
                level(g.self_rating, g.self_rating),
                f"{g.agree_percent:g}%",
                g.reason,
                f"event {g.event_id}",
            ]
            for g in s.confidence_gaps
        ],
        "No confidence gaps.",
    )
    _section(doc, "Call-ins proposed by Section 11", ["Agency", "Cycle", "Domain", "Rating", "Why", "Evidence"], [
        [a(c.agency_id, c.agency_id), c.cycle_id, dom(c.domain_id, c.domain_id), level(c.rating, c.rating), c.reason, f"event {c.event_id}"]
        for c in s.call_ins])
    _section(doc, "Peer challenge workshops", ["Workshop", "Domain", "Purpose", "Agencies", "Hold by", "Evidence"], [
        [w.workshop_id, dom(w.domain_id, w.domain_id), w.purpose.replace("_", " "),
         f"{len(w.agency_ids)}: " + "; ".join(a(x, x) for x in w.agency_ids), day(w.hold_by), f"event {w.event_id}"] for w in s.workshops])
    _section(
        doc,
        "Amended returns (history kept)",
        ["Agency", "Cycle", "Standards changed", "Reason", "When", "Evidence"],
        [
            [
                a(m.agency_id, m.agency_id),
                m.cycle_id,
                "; ".join(d.standard_names.get(x, x) for x in m.standards),
                m.reason,
                day(m.amended_at),
                f"event {m.event_id}",
            ]
            for m in s.amendments
        ],
    )
    _reviews(doc, d)
    _actions(doc, d)
    _assurance(doc, d)
    _planner(doc, d)
    _performance(doc, d)


def _names(d: Dashboard) -> dict[str, str]:
    return {**d.domain_names, **d.agency_names}


def _reviews(doc: WordDocument, d: Dashboard) -> None:
    a = d.agency_names.get
    r = d.reviews

    def words(text: str | None) -> str:
        return words_for(text, _names(d))

    doc.heading("Reviews and their clocks", 2)
    if r and r.clocks:
        doc.para(f"As of {r.as_of:%d %B %Y} · {r.overdue} overdue · working days skip weekends and English bank holidays", meta=True)
        rows: list[list[Cell]] = []
        for c in r.clocks:
            w = c.row
            if c.days_left is None:
                left = f"closed {day(w.closed_on)}" + (" (late)" if w.late else "")
            else:
                left = f"{abs(c.days_left)} {c.counted_in} {'left' if c.days_left >= 0 else 'overdue'}"
            history = [
                T(
                    f"{h.occurred_at:%d %b %Y}: {phrase(h.event_type)}"
                    + (f" – {words(h.detail)}" if h.detail and h.detail != h.event_type else "")
                )
                for h in w.history
            ]
            rows.append([[Line(c.kind_name), T(f"{w.review_id} · {w.title}")], w.case_ref or "",
                         [Line(f"from {day(w.starts_on)}"), T(c.counted_in + (" (months)" if w.unit == "months" else ""))],
                         [Line(day(w.due_on))] + ([T(words(w.change_reason))] if w.change_reason else []), left,
                         [Line(w.status.replace("_", " ").capitalize())] + ([T(words(w.outcome))] if w.outcome else []),
                         history, f"event {w.event_id}"])
        doc.table(["Review", "Case", "Clock", "Due", "Left", "Status", "History", "Evidence"], rows)
        _section(doc, "Information requests", ["Rapid review", "Request", "Agency", "Due", "Status", "Evidence"], [
            [q.incident_id, q.information_request_id, a(q.agency_id, q.agency_id), day(q.due_on), q.status + (" (late)" if q.late else ""),
             f"event {q.last_event_id or q.event_id}"] for q in r.information_requests], level=3)
        _section(doc, "Multi-agency case file audit gradings", ["Round", "Case", "Agency", "Grade", "Evidence"], [
            [g.audit_id, g.case_ref, a(g.agency_id, g.agency_id), words(g.grade), f"event {g.event_id}"] for g in r.gradings], level=3)
        _section(doc, "Immediate safeguarding concerns escalated from audits",
                 ["Round", "Case", "Raised by", "Escalated to", "When", "Evidence"], [
            [c.audit_id, c.case_ref, a(c.raised_by_agency_id, c.raised_by_agency_id), a(c.escalated_to, c.escalated_to),
             f"{c.occurred_at:%d %b %Y %H:%M}", f"event {c.event_id}"] for c in r.concerns], level=3)
    else:
        doc.para("No serious incidents, reviews or audits recorded.")
    if r and r.impact:
        _section(doc, "Impact log", ["Recorded", "Difference made", "Evidence", "Made by", "Evidence"], [
            [day(i.recorded_on), i.difference, i.evidence,
             [Line(f"{k.replace('_', ' ').capitalize()}: {', '.join(v)}") for k, v in i.links.items() if v],
             f"event {i.event_id}"] for i in r.impact])


def _actions(doc: WordDocument, d: Dashboard) -> None:
    a = d.agency_names.get
    doc.heading("Action tracker", 2)
    t = d.action_tracker
    if t:
        doc.para(f"As of {t.as_of:%d %B %Y}. “Due soon” means reminded, or due within {t.lead_days} days. "
                 "Each row links to the evidence behind it.", meta=True)
        doc.para(f"{d.overview.open_actions} open actions: {t.count('overdue')} overdue, {t.count('due soon')} due soon and "
                 f"{t.count('open')} on track. {counts('open-actions')}")
        for bucket in BUCKETS:
            items = t.buckets.get(bucket, [])
            if not items:
                continue
            rows: list[list[Cell]] = []
            for item in items:
                x = item.row
                due = [Line(day(x.due_on))]
                if x.status in ("open", "overdue"):
                    n = item.days_to_due
                    due.append(T(f"{n} days left" if n >= 0 else f"{-n} days overdue"))
                progress = f"{x.progress_updates} update{'' if x.progress_updates == 1 else 's'}" \
                    + (f" · {x.percent_complete}%" if x.percent_complete is not None else "") \
                    + (f" · evidence rejected {x.rejections}×" if x.rejections else "")
                history = [
                    T(
                        f"{h.occurred_at:%d %b %Y}: {phrase(h.event_type)}"
                        + (f" – {words_for(h.detail, _names(d))}" if h.detail and h.detail != h.event_type else "")
                    )
                    for h in x.history
                ] or [T("raised")]
                rows.append([x.title, a(x.owner_agency_id, x.owner_agency_id), due, progress, source_words(x.source, _names(d)), history,
                             f"event {x.event_id}"])
            _section(doc, f"{('on track' if bucket == 'open' else bucket).capitalize()} ({len(items)})",
                     ["Action", "Owner", "Due", "Progress", "Source", "History", "Evidence"], rows, level=3)
    elif d.actions:
        doc.table(["Action", "Owner", "Due", "Status", "Source", "Evidence"], [
            [x.title, a(x.owner_agency_id, x.owner_agency_id), day(x.due_on), x.status, source_words(x.source, _names(d)),
             f"event {x.event_id}"]
            for x in d.actions])
    if not d.actions:
        doc.para("No actions.")


def _when(e: object) -> str:
    if e.held_on:  # type: ignore[attr-defined]
        return f"held {day(e.held_on)}"  # type: ignore[attr-defined]
    if e.scheduled_on:  # type: ignore[attr-defined]
        first = e.first_scheduled_on  # type: ignore[attr-defined]
        moved = f" (first set for {day(first)})" if first and first != e.scheduled_on else ""  # type: ignore[attr-defined]
        return day(e.scheduled_on) + moved  # type: ignore[attr-defined]
    return f"planned {e.planned_for}" if e.planned_for else ""  # type: ignore[attr-defined]


def _assurance(doc: WordDocument, d: Dashboard) -> None:
    a = d.agency_names.get
    names = d.assurance.activity_names if d.assurance else {}
    if d.assurance:
        _section(
            doc,
            "Assurance events in progress",
            ["Event", "Type", "Agency or theme", "Status", "Date", "Still to endorse", "Evidence"],
            [
                [
                    e.title,
                    names.get(e.activity_type, e.activity_type),
                    a(e.agency_id, e.agency_id) if e.agency_id else (e.theme or ""),
                    e.status.replace("_", " ").capitalize(),
                    _when(e),
                    ", ".join(a(x, x) for x in e.outstanding_endorsements),
                    f"event {e.event_id}",
                ]
                for e in d.assurance.in_progress
            ],
            "None in progress.",
        )
        _section(doc, "Preparation milestones missed", ["Event", "Milestone", "Responsible", "Due by", "Evidence"], [
            [m.title, m.name, m.responsible, day(m.due_on), f"event {m.event_id}"]
            for m in d.assurance.missed], "No milestone missed.")
        if d.assurance.upcoming:
            doc.para("Next milestones: " + "; ".join(f"{m.name} ({m.title}) by {day(m.due_on)}" for m in d.assurance.upcoming[:5]),
                     meta=True)
    rows: list[list[Cell]] = []
    for e in d.concluded_events:
        event = [Line(e.title)] + ([Line(f"{'★' * e.star_rating} ({e.star_rating} stars)")] if e.star_rating is not None else [])
        more = []
        if e.actions:
            more.append(Line(f"{len(e.actions)} action{'s' if len(e.actions) != 1 else ''} agreed"))
        if e.outcome:
            more.append(Line(f"Outcome: {e.outcome}"))
        if e.distribution:
            more.append(Line("Report agreed for: " + ", ".join(a(x, x) for x in e.distribution)))
        if e.figures:
            more.append(
                Line("; ".join(f"{k.replace('_', ' ').replace('-', ' ').capitalize()}: {round(v, 1)}" for k, v in e.figures.items()))
            )
        rows.append([day(e.held_on), event, names.get(e.activity_type, e.activity_type), "; ".join(e.strengths),
                     "; ".join(e.areas_for_development), more, f"event {e.event_id}"])
    _section(doc, "Concluded assurance events", ["Held", "Event", "Type", "Strengths", "Areas for development",
                                                 "Actions, outcome and figures", "Evidence"], rows, "None concluded yet.")


def _planner(doc: WordDocument, d: Dashboard) -> None:
    p = d.planner
    if not p:
        return
    doc.heading(f"Scrutiny and assurance planner: {p.title}", 2)
    doc.para(
        f"As of {p.planner.as_of:%d %B %Y}: {p.planned} planned, {p.held} held, {p.slipped} slipped, {p.missed} missed, {p.due} "
        f"due this month. {p.planner.note}",
        meta=True,
    )
    rows: list[list[Cell]] = []
    for m in p.months:
        planned = [Line(f"{s.activity_name}{f' ({s.note})' if s.note else ''} — {s.status.replace('_', ' ')}"
                        + (f": {s.detail}" if s.detail and s.status != "slipped" else ""),
                        f"event {s.event.event_id}" if s.event and s.event.event_id else "")
                   for s in m.planned]
        held = [Line(f"{h.activity_name}{_held_title(h.activity_name, h.event.title) if h.event else ''}"
                     f"{'' if h.planned else ' (in addition to the plan)'} {h.held_on:%d %b}",
                     f"event {h.event.event_id}" if h.event and h.event.event_id else "") for h in m.held]
        rows.append([p.name(m.month), planned, held, [Line(f"{s.activity_name}: {s.detail}") for s in m.slipped]])
    doc.table(["Month", "Planned", "Held", "Slipped"], rows)
    doc.table(
        [
            "Activity",
            "Cadence",
            "Committed in the period",
            "Planned",
            "Held",
            "Slipped",
            "Missed",
            "Due this month",
            "Agencies still to visit",
        ],
        [
            [
                c.activity_name + (f" (with the {c.scrutineer})" if c.scrutineer else ""),
                c.cadence,
                str(c.committed) if c.committed is not None else "as required",
                c.planned,
                c.held,
                c.slipped,
                c.missed,
                c.due,
                ""
                if c.agencies_due is None
                else f"{len(c.agencies_due)}"
                + (": " + ", ".join(p.agency_names.get(x, x) for x in c.agencies_due) if c.agencies_due else ""),
            ]
            for c in p.commitments
        ],
    )


def _performance(doc: WordDocument, d: Dashboard) -> None:
    """As `_performance.html`: each indicator's latest value against its threshold and comparators, the
    warnings raised, then each series (the page's charts are its tables here)."""
    pv = d.performance
    if pv is None or not pv.series:
        return
    doc.heading("Performance data", 2)
    doc.para(
        f"{len(pv.series)} indicators supplied by the agencies"
        + (f" · compared with {', '.join(pv.comparators)}" if pv.comparators else "")
        + (f" · early warnings raised to {pv.raised_to}" if pv.raised_to else "")
        + " · every value names the event behind it",
        meta=True,
    )
    rows: list[list[Cell]] = []
    for s in pv.series:
        found = dict(s.comparators)
        threshold: Cell = (([Line(f"{s.show(s.threshold)} ({s.better})")] + ([Line(trace=s.status)] if s.latest else []))
                           if s.threshold is not None else f"– ({s.better})")
        rows.append([[Line(s.name)] + ([Line(trace=s.reference)] if s.reference else []), s.supplier,
                     f"{s.show(s.latest.value)} ({s.latest.period})" if s.latest else "none supplied", s.trend or "–", threshold,
                     *(s.show(found[c]) if c in found else "–" for c in pv.comparators)])
    doc.table(["Indicator", "Supplied by", "Latest", "Trend", "Threshold", *pv.comparators], rows)
    _section(
        doc,
        "Early warnings raised",
        ["Raised", "Indicator", "Supplied by", "Why", "Series", "Event"],
        [
            [
                w.raised_on.strftime("%d %b %Y"),
                w.indicator_name,
                d.agency_names.get(w.supplied_by, w.supplied_by),
                f"{w.period} crossed the threshold {w.threshold}"
                if w.reason == "threshold"
                else f"declined {w.declining_periods} periods running to {w.period}",
                "; ".join(f"{p}: {round(v, 1)}" for p, v in w.series),
                f"{w.event_id} · {w.position}",
            ]
            for w in pv.warnings
        ],
        level=3,
    )
    for s in pv.series:
        doc.heading(s.name, 3)
        doc.para(
            f"{s.supplier} · {s.frequency} · {s.better}"
            + (f" · early warning beyond {s.show(s.threshold)}" if s.threshold is not None else "")
            + (f" · {s.trend}" if s.trend else ""),
            meta=True,
        )
        if s.points:
            doc.table(["Period", "Value", "Event"], [
                [p.period, s.show(p.value) + (" (beyond threshold)" if p.beyond else ""), f"{p.event_id} · {p.position}"]
                for p in reversed(s.points)])
        else:
            doc.para("No value supplied yet.")


def _held_title(activity: str, title: str) -> str:
    """The event's title after its activity's name, the name said once (as `_planner.html`)."""
    return title[len(activity):] if title.startswith(activity) else f": {title}"
