"""The dashboard's pages as served over HTTP: the overview page, an agency's drill-down
and the event behind a figure, with the nav bar, the as-of form, and links from every
agency name and every "event <id>" trace.

The partials are shared with the board pack and the evidence bundle, which are files:
there `links` is absent and the same partials print plain text (see `_links.html`)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape

from services.reporting.adapters.as_of import end_of_day
from services.reporting.domain.views import Dashboard
from services.reporting.domain.views.agency import AgencyView
from services.reporting.domain.views.event_detail import EventDetail
from services.reporting.domain.views.scrutiny import Workspace

_env = Environment(
    loader=PackageLoader("services.reporting.adapters", "templates"),
    autoescape=select_autoescape(["html"]),
)

# The nav bar: the dashboard's sections (anchors on its one page) ...
NAV_SECTIONS: list[tuple[str, str]] = [
    ("Overview", "overview"),
    ("Section 11", "section11"),
    ("Risk and confidence", "risk"),
    ("Reviews", "reviews"),
    ("Actions", "actions"),
    ("Assurance and planner", "assurance"),
    ("Performance data", "performance"),
]
# ... and the reports served beside it: (label, path under /p/{partnership}/). A new
# report route adds its entry here and appears on every page's nav bar.
NAV_REPORTS: list[tuple[str, str]] = [
    ("Board pack", "board-pack"),
    ("Board pack (PDF)", "board-pack?format=pdf"),
    ("Tiered assurance", "reports/tiered"),
    ("Thematic reports", "reports/thematic"),
    ("Risk register", "risks"),
    ("Independent scrutiny", "scrutiny"),
]


@dataclass(frozen=True)
class Links:
    """Where each thing on a page links to; every link keeps the page's as-of date."""

    partnership_id: str
    as_of: date | None = None
    agencies: frozenset[str] = field(default_factory=frozenset)

    @property
    def base(self) -> str:
        return f"/p/{quote(self.partnership_id, safe='')}"

    def _q(self) -> str:
        return f"?as_of={self.as_of.isoformat()}" if self.as_of else ""

    def dashboard(self, anchor: str = "") -> str:
        return f"{self.base}{self._q()}" + (f"#{anchor}" if anchor else "")

    def agency(self, agency_id: str | None) -> str | None:
        """None for an id the profile does not name (nothing to drill into)."""
        if not agency_id or agency_id not in self.agencies:
            return None
        return f"{self.base}/agency/{quote(agency_id, safe='')}{self._q()}"

    def event(self, event_id: str | None) -> str | None:
        return f"{self.base}/event/{quote(str(event_id), safe='')}{self._q()}" if event_id else None

    def report(self, path: str) -> str:
        return f"{self.base}/{path}"

    def export(self, table: str, fmt: str) -> str:
        """A table of the page as a file (csv or xlsx), of the page's as-of date."""
        return f"{self.base}/export/{quote(table, safe='')}.{fmt}{self._q()}"

    def word(self, path: str, **query: str | None) -> str:
        """A report of the page as a Word document, with the page's query and as-of date."""
        pairs = [(k, v) for k, v in query.items() if v] + ([("as_of", self.as_of.isoformat())] if self.as_of else [])
        return f"{self.base}/{path}?" + urlencode([*pairs, ("format", "docx")])


@dataclass(frozen=True)
class Page:
    """What every dashboard page shows around its content."""

    links: Links
    partnership_name: str
    here: str
    """This page's path, for the as-of form."""
    today: date
    as_of: date | None = None
    """The day whose records the page shows (None: live)."""
    events: int | None = None
    """How many events the as-of records were rebuilt from."""
    agency_names: dict[str, str] = field(default_factory=dict)

    @property
    def as_of_moment(self) -> datetime | None:
        return end_of_day(self.as_of) if self.as_of else None
    sections: list[tuple[str, str]] = field(default_factory=lambda: list(NAV_SECTIONS))
    reports: list[tuple[str, str]] = field(default_factory=lambda: list(NAV_REPORTS))


def render_dashboard_page(dashboard: Dashboard, page: Page) -> str:
    from services.reporting.adapters.charts import (
        performance_charts,  # matplotlib, loaded when first drawn
    )

    charts = performance_charts(dashboard.performance)
    return _env.get_template("dashboard.html").render(d=dashboard, page=page, links=page.links, perf_charts=charts)


def render_agency_page(view: AgencyView, page: Page, scrutiny: Workspace | None = None) -> str:
    """`scrutiny`: the challenges put to the agency and the recommendations made to it."""
    from services.reporting.adapters.charts import (
        performance_charts,  # matplotlib, loaded when first drawn
    )

    charts = performance_charts(view.performance)
    return _env.get_template("agency.html").render(a=view, page=page, links=page.links, perf_charts=charts, scrutiny=scrutiny)


def render_event_page(event: EventDetail, page: Page) -> str:
    return _env.get_template("event.html").render(e=event, page=page, links=page.links)
