"""The dashboard's pages as served over HTTP: the overview, one page per area (Section 11,
risk flags, reviews, actions, assurance events, the planner), an agency's drill-down and
the evidence behind a figure (the stored event), framed by the front door's GOV.UK layout
(`_page.html`: skip link, the service navigation with every area and report, the as-of
picker, one <main>), with links from every agency name and a "View evidence" link on
every row.

The partials are shared with the board pack and the evidence bundle, which are files:
there `links` and `page` are absent, the file's own frame is used (`_file.html`) and the
same partials print plain text (see `_links.html`)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote, urlencode

from services.reporting.adapters.as_of import end_of_day
from services.reporting.adapters.render_cache import PAGES, to_minute
from services.reporting.adapters.templating import ENVIRONMENT as _env
from services.reporting.adapters.templating import sentence
from services.reporting.domain.views import Dashboard
from services.reporting.domain.views.agency import AgencyView
from services.reporting.domain.views.event_detail import DomainAnswers, EventDetail
from services.reporting.domain.views.scrutiny import Workspace
from shared.profiles.schema import FrameworkProfile

# The navigation: the dashboard's pages, one per area, (label, path under /p/{partnership}/,
# the partial showing it; "" is the overview) ...
NAV_SECTIONS: list[tuple[str, str]] = [
    ("Overview", ""),
    ("Section 11", "section11"),
    ("Risk flags", "risk-flags"),
    ("Reviews", "reviews"),
    ("Actions", "actions"),
    ("Assurance events", "assurance"),
    ("Planner", "planner"),
    ("Performance data", "performance"),
]
AREAS: dict[str, tuple[str, str]] = {  # path -> (the page's heading, its template)
    "section11": ("Section 11", "area_section11.html"),
    "risk-flags": ("Risk flags", "area_risk_flags.html"),
    "reviews": ("Reviews and audits", "area_reviews.html"),
    "actions": ("Actions", "area_actions.html"),
    "assurance": ("Assurance events", "area_assurance.html"),
    "planner": ("Planner", "area_planner.html"),
    "performance": ("Performance data", "area_performance.html"),
}
# ... and the reports served beside it: (label, path under /p/{partnership}/). A new
# report route adds its entry here and appears on every page's navigation.
NAV_REPORTS: list[tuple[str, str]] = [
    ("Risk register", "risks"),
    ("Tiered assurance", "reports/tiered"),
    ("Thematic reports", "reports/thematic"),
    ("Independent scrutiny", "scrutiny"),
    ("Board pack", "board-pack"),
    ("Board pack (PDF)", "board-pack?format=pdf"),
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

    def area(self, path: str, anchor: str = "") -> str:
        """One of the dashboard's pages ("" the overview), of the page's as-of date."""
        return f"{self.base}{'/' + path if path else ''}{self._q()}" + (f"#{anchor}" if anchor else "")

    def agency(self, agency_id: str | None, anchor: str = "") -> str | None:
        """None for an id the profile does not name (nothing to drill into)."""
        if not agency_id or agency_id not in self.agencies:
            return None
        return f"{self.base}/agency/{quote(agency_id, safe='')}{self._q()}" + (f"#{anchor}" if anchor else "")

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
    names: dict[str, str] = field(default_factory=dict)
    """Every id of the profile -> its name (`profile_names`), for the `named` filter."""
    sections: list[tuple[str, str]] = field(default_factory=lambda: list(NAV_SECTIONS))
    reports: list[tuple[str, str]] = field(default_factory=lambda: list(NAV_REPORTS))

    @property
    def as_of_moment(self) -> datetime | None:
        return end_of_day(self.as_of) if self.as_of else None

    def navigation(self) -> list[dict[str, object]]:
        """The service navigation: home, every area's page, every report; this page's marked current."""
        items: list[dict[str, object]] = [{"href": "/", "text": "Home", "active": self.here == "/"}]
        for label, path in self.sections:
            href = self.links.area(path)
            items.append({"href": href, "text": label, "active": self.here == href.split("?")[0]})
        for label, path in self.reports:
            href = self.links.report(path)
            items.append({"href": href, "text": label, "active": self.here.startswith(href)})
        for item in items:
            item["current"] = item["active"]
        return items

    def frame(self, title: str) -> dict[str, object]:
        """What the GOV.UK layout needs around a page's content."""
        return {
            "service_name": self.partnership_name, "service_url": self.links.area(""),
            "navigation": self.navigation(), "page_title": title, "page": self, "links": self.links,
            "names": self.names,
        }


def render_dashboard_page(dashboard: Dashboard, page: Page) -> str:
    """The overview: the headline figures, each opening its area's page."""
    return scrollable(_env.get_template("dashboard.html").render(d=dashboard, **page.frame("Dashboard")))


def render_area_page(dashboard: Dashboard, page: Page, area: str) -> str:
    """One area of the dashboard on a page of its own (`AREAS`), kept by what it shows
    (`render_cache`: the page's words are a function of the view and the frame, and it shows
    the moment to the minute)."""
    title, template = AREAS[area]

    def render() -> str:
        charts = _performance_charts(dashboard) if area == "performance" else {}
        return scrollable(_env.get_template(template).render(d=dashboard, title=title, perf_charts=charts, **page.frame(title)))

    return PAGES.rendered((template, to_minute(dashboard, "as_of", "scrutiny.as_of"), page), render)


def _performance_charts(dashboard: Dashboard) -> dict:
    from services.reporting.adapters.charts import (
        performance_charts,  # matplotlib, loaded when first drawn
    )

    return performance_charts(dashboard.performance)


def render_agency_page(view: AgencyView, page: Page, scrutiny: Workspace | None = None) -> str:
    """`scrutiny`: the challenges put to the agency and the recommendations made to it. Kept by
    what it shows (the charts drawn only when it is rendered)."""

    def render() -> str:
        from services.reporting.adapters.charts import (
            performance_charts,  # matplotlib, loaded when first drawn
        )

        charts = performance_charts(view.performance)
        return scrollable(_env.get_template("agency.html").render(
            a=view, perf_charts=charts, scrutiny=scrutiny, **page.frame(view.agency_name)))

    return PAGES.rendered(("agency.html", to_minute(view, "as_of"), page, to_minute(scrutiny, "as_of")), render)


def render_event_page(event: EventDetail, page: Page, answers: list[DomainAnswers] | None = None) -> str:
    """The evidence behind a figure: the stored event, a return's answers readable (`answers`).
    Kept by what it shows (a return's answers take a while to lay out)."""

    def render() -> str:
        frame = page.frame(f"Evidence: {sentence(event.event_type)}")
        return scrollable(_env.get_template("event.html").render(e=event, answers=answers or [], **frame))

    return PAGES.rendered(("event.html", event, page, answers), render)


def page_for(profile: FrameworkProfile, path: str, today: date, day: date | None = None, events: int | None = None) -> Page:
    """The frame of a page of the profile's partnership at `path`, live (day None) or as of `day`."""
    links = Links(profile.id, day, frozenset(a.id for a in profile.agencies))
    return Page(links, profile.name, path, today, day, events, {a.id: a.name for a in profile.agencies}, profile_names(profile))


def profile_names(profile: FrameworkProfile) -> dict[str, str]:
    """Every id of the profile a record may carry -> what a person calls it."""
    named: list[tuple[str, str]] = [(g.id, g.name) for g in profile.reviews.audit_grades]
    named += [(a.id, a.name) for a in profile.activities]
    named += [(g.id, g.name) for g in profile.groups]
    named += [(d.id, d.name) for d in profile.section11.domains]
    named += [(a.id, a.name) for a in profile.agencies]
    return dict(named)


_TABLE = re.compile(r"<table\b|</table>")
_HEADING = re.compile(r"<h[1-3][^>]*>(.*?)</h[1-3]>", re.S)
_TAG = re.compile(r"<[^>]+>")


def scrollable(html: str) -> str:
    """Each table in a region that scrolls sideways on a narrow screen, reachable by keyboard
    (tabindex=0) and named for a screen reader by the heading above it (WCAG 2.1.1, 1.4.10)."""
    out: list[str] = []
    at = 0
    for match in _TABLE.finditer(html):
        out.append(html[at:match.start()])
        if match.group(0) == "</table>":
            out.append("</table></div>")
        else:
            headings = _HEADING.findall(html, 0, match.start())
            name = " ".join(_TAG.sub("", headings[-1]).split()) if headings else "Table"
            out.append(f'<div class="app-table-scroll" role="region" tabindex="0" aria-label="{name} (table)"><table')
        at = match.end()
    out.append(html[at:])
    return "".join(out)
