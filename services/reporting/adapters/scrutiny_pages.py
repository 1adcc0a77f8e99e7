"""The independent scrutineer's workspace page and annual report (and a meeting's page, beside it): the report as HTML
(`report_scrutineer.html`), as PDF (the same HTML without links, printed as the board
pack is, adapters/pdf.py) and as Word (python-docx, docx_writer.py), with the same
sections, tables and traces."""

from __future__ import annotations

from datetime import date

from services.reporting.adapters.dashboard_pages import Links, Page, scrollable
from services.reporting.adapters.docx_writer import Line, WordDocument, day
from services.reporting.adapters.templating import ENVIRONMENT as _env
from services.reporting.domain.views.meeting import MeetingPage
from services.reporting.domain.views.scrutiny import (
    AnnualReport,
    ChallengeRow,
    RecommendationRow,
    Workspace,
)


def render_workspace(w: Workspace, page: Page, years: list[int], record: str | None = None) -> str:
    return scrollable(_env.get_template("scrutiny.html").render(w=w, years=years, record=record, **page.frame("Independent scrutiny")))


def report_path(year: int) -> str:
    return f"reports/scrutineer/{year}"


def render_annual_report(r: AnnualReport, as_of: date | None = None, page: Page | None = None) -> str:
    """On the web (a `page`) in the dashboard's frame; else a file's."""
    links = page.links if page is not None else Links(r.partnership_id, as_of)
    frame = page.frame(f"The independent scrutineer's annual report {r.label}") if page is not None else {}
    html = _env.get_template("report_scrutineer.html").render(**(frame | {
        "r": r, "links": links, "word": links.word(report_path(r.year)),
        "pdf": links.word(report_path(r.year)).replace("format=docx", "format=pdf"),
    }))
    return scrollable(html) if page is not None else html


def annual_report_pdf(r: AnnualReport) -> bytes:
    """The report as a PDF: the page's own HTML without its links, in the board pack's fonts,
    printed by Chromium (tagged) where installed, else xhtml2pdf (adapters/pdf.py)."""
    from services.reporting.adapters.pdf import font_face_css, html_to_pdf

    def render(engine: str) -> str:
        html = _env.get_template("report_scrutineer.html").render(r=r, links=None, word=None, pdf=None)
        style = f"<style>{font_face_css(engine)} body {{ font-family: 'DejaVu Sans'; font-size: 9pt; }}</style>"
        return html.replace("</title>", f"</title>{style}", 1)

    return html_to_pdf(render).data


def file_stem(r: AnnualReport) -> str:
    return f"scrutineer-report-{r.partnership_id}-{r.year}"


def _challenges(rows: list[ChallengeRow]) -> list[list[object]]:
    out: list[list[object]] = []
    for c in rows:
        answers = [Line(a.answer, f"{a.answered_by}, {day(a.answered_on)} · event {a.event_id}") for a in c.answers] or "—"
        status = c.status + (f": {c.outcome_words}" if c.outcome else "") + (f" on {day(c.closed_on)}" if c.closed_on else "")
        out.append([
            [Line(c.text, f"{c.challenge_id} · event {c.event_id} · position {c.position}")],
            [Line(c.record_words, f"as of event {c.record_event_id}")],
            c.put_to_name, day(c.raised_on), day(c.answer_by) if c.answer_by else "—",
            [Line(status)] + ([Line(c.close_note)] if c.close_note else []), answers,
        ])
    return out


def _recommendations(rows: list[RecommendationRow]) -> list[list[object]]:
    out: list[list[object]] = []
    for r in rows:
        responses = [Line(x.response, f"{day(x.responded_on)} · event {x.event_id}") for x in r.responses] or "—"
        status = [Line(r.status + (f" ({day(r.judged_on)})" if r.judged_on else ""))] + ([Line(r.judge_note)] if r.judge_note else [])
        on = f" · on {r.record_kind} {r.record_id}" if r.record_kind else ""
        out.append([
            [Line(r.text, f"{r.recommendation_id}{on} · event {r.event_id} · position {r.position}")], r.made_to_name,
            day(r.made_on), day(r.respond_by) if r.respond_by else "—", responses, status,
        ])
    return out


def annual_report_docx(r: AnnualReport) -> bytes:
    title = f"The independent scrutineer's annual report {r.label}"
    doc = WordDocument(f"{r.partnership_name}: {title}", r.partnership_name)
    doc.heading(title, 1)
    doc.para(f"{r.partnership_name} · {r.period_start:%d %B %Y} to {r.period_end:%d %B %Y} · as of {r.as_of:%d %B %Y %H:%M} UTC"
             f" · {r.status}", meta=True)
    doc.heading("Sign-off and publication", 2)
    if r.sign_off:
        o = r.sign_off
        published = f"; published on {o.published_on:%d %B %Y}" + (f" at {o.link}" if o.link else "") if o.published_on else ""
        doc.para(f"Signed off by {r.scrutineer_names.get(o.scrutineer_id, o.scrutineer_id)} on {o.signed_off_on:%d %B %Y}{published}.",
                 f"event {o.event_id} · position {o.position}")
        doc.heading("Summary", 2)
        doc.para(o.summary)
    else:
        doc.para("Not yet signed off by the scrutineer.")
    doc.heading("The year in figures", 2)
    doc.table(None, [[label, n] for label, n in r.figures])
    doc.heading("Appointments", 2)
    if r.appointments:
        doc.table(["Scrutineer", "Activity", "From", "To", "Ended"], [
            [a.name, a.activity_name, day(a.starts_on), day(a.ends_on), day(a.ended_on) if a.ended_on else "—"] for a in r.appointments])
    else:
        doc.para("No appointment in the year.")
    if r.conflicts:
        doc.heading("Conflicts of interest declared", 3)
        doc.bullets([Line(f"{r.scrutineer_names.get(c.scrutineer_id, c.scrutineer_id)}: an interest in {c.interest_in_name}"
                          f" ({day(c.declared_on)})", bullet=1) for c in r.conflicts])
    doc.heading("Challenges raised and answered", 2)
    if r.challenges:
        doc.table(["Challenge", "On the record", "Put to", "Raised", "Answer by", "Status", "Answers"], _challenges(r.challenges))  # type: ignore[arg-type]
    else:
        doc.para("No challenges.")
    doc.heading("Recommendations and whether they were acted upon", 2)
    if r.recommendations:
        doc.table(["Recommendation", "Made to", "Made", "Respond by", "Responses and evidence", "Status"],
                  _recommendations(r.recommendations))  # type: ignore[arg-type]
    else:
        doc.para("No recommendations.")
    return doc.bytes()


def render_meeting(m: MeetingPage, page: Page) -> str:
    """A meeting's page: its agenda, its board pack, the actions raised against it, its decisions."""
    return scrollable(_env.get_template("meeting.html").render(m=m, **page.frame(f"{m.group_name}, {m.meeting.meets_on:%d %B %Y}")))
