"""The tiered, thematic and yearly reports as Word documents (python-docx), built from the
same views as their pages (`report_tiered.html`, `report_thematic.html`,
`report_yearly.html`) with the same headings, paragraphs, lists and tables, cell for
cell, so the business unit can edit its Board paper. What the page prints small and grey
(the event behind a line) is a small grey run here. A change to a page's template wants
the same change here: tests/integration/test_downloads.py compares the two."""

from services.reporting.domain.views.thematic import Line as ThemeLine
from services.reporting.domain.views.thematic import ThematicReport, slug
from services.reporting.domain.views.tiered import TieredReport
from services.reporting.domain.views.yearly import Entry, YearlyView

from .docx_writer import Line, WordDocument, day


def _as_of(moment: object) -> str:
    return f"{moment:%d %B %Y %H:%M} UTC"


def tiered_docx(r: TieredReport) -> bytes:
    doc = WordDocument(f"{r.partnership_name}: tiered assurance report", r.partnership_name)
    doc.heading(f"{r.partnership_name}: tiered assurance report", 1)
    doc.para(f"As of {_as_of(r.as_of)}" + (f" · {r.tier_model}" if r.tier_model else "")
             + f" · {r.rated} of {r.indicators} key indicators rated · every rating names its event and the evidence it cites", meta=True)
    if not r.tiers:
        doc.para("The profile sets out no tiers of assurance.")
    doc.table(["Tier", *(label for label, _ in r.levels.values()), "Not rated"],
              [[t.name, *(t.count(level) for level in r.levels), len(t.indicators) - t.rated] for t in r.tiers])
    for t in r.tiers:
        doc.heading(t.name, 2)
        if t.description:
            doc.para(t.description, italic=True)
        doc.heading("Scrutiny and assurance tools, and where each is reported", 3)
        rows = []
        for tool in t.tools:
            name = [Line(tool.name)] + ([Line(trace=f"activity: {tool.activity_name}")]
                                        if tool.activity_name and tool.activity_name != tool.name else [])
            where = ", ".join(tool.reported_to) + ("; " if tool.reported_to and tool.feeds else "") \
                + (f"into {', '.join(tool.feeds)}" if tool.feeds else "")
            reported = [Line(where)] + ([Line(trace=tool.note)] if tool.note else [])
            if tool.latest:
                x = tool.latest
                text = f"{x.title} ({x.status}{', ' + day(x.day) if x.day else ''})" + (
                    f"; {tool.records} records" if tool.records > 1 else ""
                )
                latest = [Line(text), Line(trace=f"{x.label} · event {x.event_id} · position {x.position}")]
            else:
                latest = [Line(trace="none recorded")]
            rows.append([name, reported, latest])
        doc.table(["Tool", "Where reported", "Latest record"], rows)
        doc.heading("Key indicators", 3)
        rows, fills = [], []
        for i in t.indicators:
            text = [Line(i.text)] + ([Line(trace=f"objectives: {'; '.join(i.objectives)}")] if i.objectives else [])
            text += [Line(i.figure)] if i.figure else []
            rating = [Line(i.level)] + ([Line(trace=f"{i.trend} since the previous rating")] if i.trend else [])
            g = i.rating
            if g:
                rating.append(Line(trace=f"{day(g.rated_on)}, {g.rated_by}"))
                evidence = (
                    [Line(g.rationale)]
                    + [
                        Line(
                            c.label + (f": {c.note}" if c.note else ""), f"({c.event_type} · event {c.event_id} · position {c.position})", 1
                        )
                        for c in g.evidence
                    ]
                    + [
                        Line(
                            trace=f"rating: event {g.event_id} · position {g.position}"
                            + (f" · rated {i.ratings} times" if i.ratings > 1 else "")
                        )
                    ]
                )
            else:
                evidence = [Line("No rating and no evidence recorded")]
            rows.append([text, rating, evidence])
            fills.append([None, i.css, None])
        doc.table(["Indicator", "Rating", "Evidence"], rows, fills=fills)
        if t.figures:
            doc.heading("Performance data", 3)
            doc.table(
                ["Indicator", "Supplied by", "Latest", "Trend", "Threshold", "Comparators", "Early warnings"],
                [
                    [
                        s.name,
                        s.supplier,
                        [
                            Line(f"{s.show(s.latest.value)} ({s.latest.period})"),
                            Line(trace=f"event {s.latest.event_id} · position {s.latest.position}"),
                        ]
                        if s.latest
                        else "none supplied",
                        s.trend or "–",
                        f"{s.show(s.threshold)} ({s.better}); {s.status}" if s.threshold is not None else f"– ({s.better})",
                        "; ".join(f"{name} {s.show(value)}" for name, value in s.comparators),
                        "; ".join(
                            f"{w.period}: "
                            + ("crossed the threshold" if w.reason == "threshold" else f"declined {w.declining_periods} periods")
                            for w in s.warnings
                        )
                        or "none",
                    ]
                    for s in t.figures
                ],
            )
    return doc.bytes()


def _theme_lines(lines: list[ThemeLine]) -> list[Line]:
    out = []
    for line in lines:
        trace = f"({line.source} · event {line.event_id} · position {line.position})" if line.event_id else ""
        out.append(Line(line.text, trace, 1))
        out += [Line(s, bullet=2) for s in line.sub]
    return out


def thematic_docx(r: ThematicReport) -> bytes:
    doc = WordDocument(f"{r.template_name}: {r.theme_name}", r.partnership_name)
    doc.heading(f"{r.template_name}: {r.theme_name}", 1)
    n = len(r.records)
    doc.para(f"{r.partnership_name} · as of {_as_of(r.as_of)} · {n} record{'s' if n != 1 else ''} on the theme"
             + (f" · on a {r.subject}" if r.subject else ""), meta=True)
    doc.heading("Elements of evidence", 2)
    if r.elements:
        missing = f"; missing: {', '.join(e.name for e in r.missing)}" if r.missing else ""
        doc.para(f"{len(r.present)} of {len(r.elements)} present{missing}.")
        rows = []
        for e in r.elements:
            element = [Line(e.name)]
            if e.triangulates:
                element.append(Line(trace="confirms or challenges: " + ", ".join(
                    f"{name} ({'present' if present else 'missing'})" for name, present in e.triangulates)))
            if e.present:
                records = _theme_lines(e.sources)
            else:
                records = [Line(f"could come from: {', '.join(e.to_fill)}" if e.to_fill else "—")]
            rows.append([element, "Present" if e.present else "Missing", records])
        doc.table(["Element", "On the theme", "Records"], rows)
    else:
        doc.para("The profile names no elements of evidence.")
    for s in r.sections:
        doc.heading(f"{s.number}. {s.title}", 2)
        if s.prompt:
            doc.para(s.prompt, italic=True)
        if s.elements:
            doc.para(trace=f"draws on: {', '.join(s.elements)}")
        doc.bullets(_theme_lines(s.lines))
        for h in s.headings:
            doc.heading(h.title, 3)
            if h.lines:
                doc.bullets(_theme_lines(h.lines))
            else:
                doc.para(trace="nothing recorded")
        if s.empty:
            doc.para(f"Nothing recorded on {r.theme_name}.")
    return doc.bytes()


def _entries(doc: WordDocument, items: list[Entry], empty: str = "Nothing recorded in the year.") -> None:
    if items:
        doc.bullets([Line(e.text, f"({e.source} · event {e.event_id} · position {e.position})", 1) for e in items])
    else:
        doc.para(trace=empty)


def yearly_docx(r: YearlyView) -> bytes:
    doc = WordDocument(f"{r.name} {r.label}", r.partnership_name)
    lc = r.lifecycle
    doc.heading(f"{r.name} {r.label}", 1)
    doc.para(f"{r.partnership_name} · {r.period_start:%d %B %Y} to {r.period_end:%d %B %Y} · as of {_as_of(r.as_of)} · {lc.status}"
             + (f" (version {lc.version})" if lc.version else ""), meta=True)
    doc.heading("Sign-off", 2)
    doc.para(f"The independent scrutineer: {lc.scrutineer}." + (f" Signed off by: {', '.join(lc.sign_off_by)}." if lc.sign_off_by else "")
             + (f" Published on: {lc.publication}." if lc.publication else ""))
    if lc.steps:
        doc.table(["Step", "Version", "By", "On", ""], [
            [s.step.replace("-", " ") + (f": {r.group_names.get(s.group_id, s.group_id)}" if s.group_id else ""), s.version,
             s.by_whom, day(s.on_date), [Line(s.text, f"event {s.event_id} · position {s.position}")]]
            for s in lc.steps
        ])
    if lc.next_steps:
        doc.para(f"Waiting for: {'; then '.join(lc.next_steps)}.")
    if lc.summary:
        doc.heading("Summary", 2)
        doc.para(lc.summary)
        doc.para(trace=f"compiled by {lc.compiled_by}")
    doc.heading("The year in figures", 2)
    doc.table(None, [[label, n] for label, n in r.figures])
    doc.heading("What was done", 2)
    for heading, items in r.done.items():
        doc.heading(heading, 3)
        _entries(doc, items)
    doc.heading("Its impact", 2)
    _entries(doc, r.impact, "No impact was logged in the year.")
    doc.heading("Progress on priorities", 2)
    if r.priorities:
        doc.table(["Key indicator", "At the end of the year", "At its start"], [
            [p.text, [Line(p.level)] + ([Line(trace=f"{day(p.rating.rated_on)} · event {p.rating.event_id}")] if p.rating else []), p.was]
            for p in r.priorities
        ], fills=[[None, p.css, None] for p in r.priorities])
    if r.themes:
        doc.heading("Themes", 3)
        doc.bullets([Line(f"{name}: {n} record{'s' if n != 1 else ''} in the year") for name, n in r.themes])
    doc.heading("Actions raised in the year", 3)
    _entries(doc, r.actions)
    doc.heading("Reviews", 2)
    _entries(doc, r.reviews)
    doc.heading("Learning", 2)
    _entries(doc, r.learning)
    if r.includes:
        doc.heading("What the profile says the report includes", 2)
        doc.bullets([Line(i) for i in r.includes])
    return doc.bytes()


def docx_name(report: TieredReport | ThematicReport | YearlyView) -> str:
    match report:
        case TieredReport():
            return f"tiered-report-{report.partnership_id}-{report.as_of_day.isoformat()}.docx"
        case ThematicReport():
            return f"thematic-report-{report.partnership_id}-{slug(report.theme)}.docx"
        case YearlyView():
            return f"{report.stem}.docx"
    raise TypeError(type(report).__name__)
