"""Renders the tiered, thematic and yearly reports and the risk register (jinja2
templates `report_*.html`), and writes them to files for `scrutiny report`.

Each page links its tables as files and the report as a Word document, of the day the
page shows (`as_of`: None for the live records)."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from services.reporting.adapters.dashboard_pages import Links, Page, scrollable
from services.reporting.adapters.render_cache import PAGES, to_minute
from services.reporting.adapters.templating import ENVIRONMENT as _env
from services.reporting.domain.views.risks import RiskRegister
from services.reporting.domain.views.thematic import ThematicReport, slug
from services.reporting.domain.views.tiered import TieredReport
from services.reporting.domain.views.yearly import YearlyView


def _render(template: str, title: str, page: Page | None, links: Links, **context: object) -> str:
    """On the web (a `page`): in the dashboard's frame, its tables scrollable, kept by what it
    shows; else a file's."""
    if page is None:
        return _env.get_template(template).render(links=links, **context)

    def render() -> str:
        return scrollable(_env.get_template(template).render(**(page.frame(title) | {"links": links}), **context))

    # kept by what it shows (render_cache); a report shows its moment to the minute
    shown = {name: to_minute(value, "as_of") for name, value in context.items()}
    return PAGES.rendered((template, title, page, links, shown), render)


@dataclass(frozen=True)
class ThemesIndex:
    partnership_id: str
    partnership_name: str
    themes: list[tuple[str, str, int]]


def _links(partnership_id: str, as_of: date | None, page: Page | None) -> Links:
    return page.links if page is not None else Links(partnership_id, as_of)


def render_tiered(report: TieredReport, as_of: date | None = None, page: Page | None = None) -> str:
    links = _links(report.partnership_id, as_of, page)
    return _render("report_tiered.html", "Tiered assurance report", page, links, r=report, word=links.word("reports/tiered"))


def render_thematic(
    report: ThematicReport, as_of: date | None = None, template: str | None = None, page: Page | None = None
) -> str:
    links = _links(report.partnership_id, as_of, page)
    word = links.word("reports/thematic", theme=report.theme, template=template)
    return _render("report_thematic.html", f"{report.template_name}: {report.theme_name}", page, links, r=report, word=word)


def render_themes(index: ThemesIndex, page: Page | None = None) -> str:
    return _render("report_themes.html", "Thematic reports", page, _links(index.partnership_id, None, page), r=index)


def render_yearly(report: YearlyView, as_of: date | None = None, page: Page | None = None) -> str:
    links = _links(report.partnership_id, as_of, page)
    return _render("report_yearly.html", f"{report.name} {report.label}", page, links, r=report, word=links.word(report.path))


def render_risks(register: RiskRegister, as_of: date | None = None, page: Page | None = None) -> str:
    links = _links(register.partnership_id, as_of, page)
    return _render("report_risks.html", "Risk register", page, links, r=register)


def file_name(report: TieredReport | ThematicReport | YearlyView | RiskRegister) -> str:
    match report:
        case TieredReport():
            return f"tiered-report-{report.partnership_id}-{report.as_of_day.isoformat()}.html"
        case ThematicReport():
            return f"thematic-report-{report.partnership_id}-{slug(report.theme)}.html"
        case YearlyView():
            return f"{report.stem}.html"
        case RiskRegister():
            return f"risk-register-{report.partnership_id}.html"
    raise TypeError(type(report).__name__)


def write_report(report: TieredReport | ThematicReport | YearlyView | RiskRegister, out_dir: Path) -> Path:
    render = {
        TieredReport: render_tiered, ThematicReport: render_thematic, YearlyView: render_yearly, RiskRegister: render_risks,
    }[type(report)]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / file_name(report)
    path.write_text(render(report), encoding="utf-8")  # type: ignore[operator]
    return path
