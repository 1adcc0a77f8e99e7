"""Renders the tiered, thematic and yearly reports and the risk register (jinja2
templates `report_*.html`), and writes them to files for `scrutiny report`.

Each page links its tables as files and the report as a Word document, of the day the
page shows (`as_of`: None for the live records)."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from services.reporting.adapters.dashboard_pages import Links
from services.reporting.domain.views.risks import RiskRegister
from services.reporting.domain.views.thematic import ThematicReport, slug
from services.reporting.domain.views.tiered import TieredReport
from services.reporting.domain.views.yearly import YearlyView

_env = Environment(
    loader=PackageLoader("services.reporting.adapters", "templates"),
    autoescape=select_autoescape(["html"]),
)


@dataclass(frozen=True)
class ThemesIndex:
    partnership_id: str
    partnership_name: str
    themes: list[tuple[str, str, int]]


def render_tiered(report: TieredReport, as_of: date | None = None) -> str:
    links = Links(report.partnership_id, as_of)
    return _env.get_template("report_tiered.html").render(r=report, links=links, word=links.word("reports/tiered"))


def render_thematic(report: ThematicReport, as_of: date | None = None, template: str | None = None) -> str:
    links = Links(report.partnership_id, as_of)
    word = links.word("reports/thematic", theme=report.theme, template=template)
    return _env.get_template("report_thematic.html").render(r=report, links=links, word=word)


def render_themes(index: ThemesIndex) -> str:
    return _env.get_template("report_themes.html").render(r=index)


def render_yearly(report: YearlyView, as_of: date | None = None) -> str:
    links = Links(report.partnership_id, as_of)
    word = links.word(report.path)
    return _env.get_template("report_yearly.html").render(r=report, links=links, word=word)


def render_risks(register: RiskRegister, as_of: date | None = None) -> str:
    return _env.get_template("report_risks.html").render(r=register, links=Links(register.partnership_id, as_of))


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
