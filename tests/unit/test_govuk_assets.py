"""The web front door's GOV.UK Frontend: the compiled assets committed under
services/reporting/entrypoints/web/static/govuk (deploy/govuk-frontend/build.sh) and the Jinja templates over
govuk-frontend-jinja. No npm, no server: the files as committed, rendered with jinja2."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import metadata, resources
from pathlib import Path

import pytest
from jinja2 import (
    Environment,
)

from services.reporting.entrypoints.web.render import Renderer

WEB = Path(__file__).resolve().parents[2] / "services" / "reporting" / "entrypoints" / "web"
STATIC = WEB / "static"
GOVUK = STATIC / "govuk"
TEMPLATES = WEB / "templates"

# govuk-frontend release compiled into static/govuk -> the govuk-frontend-jinja release that
# ports that release's macros (its README's compatibility table). Upgrade the two together.
JINJA_PORT_FOR = {"5.14.0": "3.10.0"}


def environment() -> Environment:
    """The web app's own environment: our templates, then the port's under its prefix."""
    return Renderer({}).env


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag
            and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def with_class(self, css_class: str) -> list[tuple[str, dict[str, str]]]:
        return [(t, a) for t, a in self.tags if css_class in a.get("class", "").split()]

    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def css() -> str:
    return (GOVUK / "govuk-frontend.min.css").read_text(encoding="utf-8")


# -- the assets -----------------------------------------------------------------------------


def test_the_compiled_css_and_js_are_committed_with_their_version_and_licence() -> None:
    version = (GOVUK / "VERSION").read_text().strip()
    assert re.fullmatch(r"5\.\d+\.\d+", version)
    assert re.search(rf'--govuk-frontend-version:\s*"{re.escape(version)}"', css())
    js = (GOVUK / "govuk-frontend.min.js").read_text(encoding="utf-8")
    assert f'const version="{version}"' in js
    assert "MIT License" in (GOVUK / "LICENSE.txt").read_text()


def test_the_css_has_no_gds_transport_and_a_system_font_stack() -> None:
    text = css()
    assert "GDS Transport" not in text
    assert "@font-face" not in text
    assert not re.search(r"\.woff2?\b", text)
    families = set(re.findall(r"font-family:([^;}]+)", text))
    assert families == {"arial,sans-serif", "sans-serif"}  # screen, print


def test_every_url_in_the_css_is_a_file_we_serve() -> None:
    urls = {u.strip("'\"") for u in re.findall(r"url\(([^)]*)\)", css())}
    for url in urls:
        assert url.startswith("/static/"), f"{url}: fetched from elsewhere at run time"
        assert (STATIC / url.removeprefix("/static/")).is_file(), f"{url}: not committed"


def test_no_gov_uk_marks_or_fonts_are_shipped() -> None:
    shipped = {p.relative_to(GOVUK).as_posix() for p in GOVUK.rglob("*") if p.is_file()}
    marks = re.compile(r"crown|crest|favicon|govuk-icon|opengraph|\.woff2?$", re.I)
    assert not {p for p in shipped if marks.search(p)}


def test_the_js_is_an_es_module_that_init_js_starts() -> None:
    bundle = (GOVUK / "govuk-frontend.min.js").read_text(encoding="utf-8")
    assert re.search(r"export\{[^}]*\binitAll\b[^}]*\}", bundle)
    assert "sourceMappingURL" not in bundle  # the map is not shipped
    init = (GOVUK / "init.js").read_text(encoding="utf-8")
    assert 'import { initAll } from "./govuk-frontend.min.js";' in init
    assert "govuk-frontend-supported" in init and "initAll()" in init


def test_the_static_files_resolve_from_the_installed_package() -> None:
    css_file = resources.files("services.reporting.entrypoints.web").joinpath("static/govuk/govuk-frontend.min.css")
    assert css_file.is_file()
    assert resources.files("services.reporting.entrypoints.web").joinpath("templates/layout.html").is_file()


def test_the_jinja_port_is_the_one_for_the_compiled_release() -> None:
    version = (GOVUK / "VERSION").read_text().strip()
    assert metadata.version("govuk-frontend-jinja") == JINJA_PORT_FOR[version]


# -- the layout -----------------------------------------------------------------------------

PARTNERSHIP = "Anyshire & Borough Safeguarding Children Partnership"


def render_layout(**context: object) -> Elements:
    page = environment().from_string(
        '{% extends "layout.html" %}'
        '{% block content %}<h1 class="govuk-heading-l">Reviews</h1>{% endblock %}'
    )
    context.setdefault("service_name", PARTNERSHIP)
    return Elements(page.render(**context))


def test_the_layout_names_the_partnership_not_gov_uk() -> None:
    page = render_layout(service_url="/home", page_title="Reviews")
    names = page.having("a", href="/home")
    assert names and "govuk-service-navigation__link" in names[0]["class"]
    assert PARTNERSHIP in page.words()
    assert f"<title>Reviews – {PARTNERSHIP}</title>" in render_html(
        service_name=PARTNERSHIP, page_title="Reviews"
    ).replace("&amp;", "&")
    html = render_html(service_name=PARTNERSHIP)
    for crown in ("govuk-logotype-crown", "govuk-header__logotype", "govuk-header", "<svg"):
        assert crown not in html
    assert "Crown copyright" not in html and "GOV.UK" not in html
    assert "Anyshire &amp; Borough" in html  # escaped


def render_html(**context: object) -> str:
    page = environment().from_string('{% extends "layout.html" %}')
    return page.render(**context)


def test_the_layout_has_the_page_template_structure() -> None:
    page = render_layout()
    assert page.having("html", lang="en", class_="govuk-template")
    assert page.having("body", class_="govuk-template__body")
    skip = page.having("a", href="#main-content")
    assert skip and "govuk-skip-link" in skip[0]["class"]
    assert page.having("main", id="main-content", class_="govuk-main-wrapper")
    assert page.having("header")  # the banner landmark
    assert page.having("footer", class_="govuk-footer")
    assert page.having("a", href="/accessibility", class_="govuk-footer__link")
    assert "scrutiny" in page.words()
    assert page.having("link", rel="stylesheet", href="/static/govuk/govuk-frontend.min.css")


def test_the_layout_has_no_inline_script_only_the_init_module() -> None:
    page = render_layout()
    scripts = [a for t, a in page.tags if t == "script"]
    assert scripts == [{"type": "module", "src": "/static/govuk/init.js"}]
    assert not any(k.startswith("on") for _, a in page.tags for k in a)  # no inline handlers


def test_the_navigation_marks_the_active_item_and_the_phase_banner_is_optional() -> None:
    navigation = [
        {"href": "/reviews", "text": "Reviews", "active": True},
        {"href": "/returns", "text": "Section 11 returns", "active": False},
    ]
    page = render_layout(navigation=navigation, phase="Beta")
    assert page.having("a", href="/reviews", aria_current="true")
    assert page.having("a", href="/returns")
    assert "aria-current" not in page.having("a", href="/returns")[0]
    assert page.having("nav", aria_label="Menu")
    assert page.with_class("govuk-phase-banner") and "Beta" in page.words()
    assert not render_layout().with_class("govuk-phase-banner")


# -- a form with errors ---------------------------------------------------------------------

FORM = """{% extends "layout.html" %}
{% from "error_summary.html" import error_summary %}
{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}
{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}
{% block content %}
  {{ error_summary(errors) }}
  <form method="post" novalidate>
    {{ govukInput({
      'label': {'text': 'Child reference'}, 'id': 'reference', 'name': 'reference',
      'value': values.get('reference'),
      'errorMessage': {'text': errors['reference']} if errors and errors.get('reference') else false
    }) }}
    {{ govukButton({'text': 'Continue'}) }}
  </form>
{% endblock %}"""


def render_form(errors: dict[str, str], values: dict[str, str]) -> Elements:
    page = environment().from_string(FORM)
    return Elements(page.render(service_name=PARTNERSHIP, errors=errors, values=values))


def test_a_form_with_an_error_has_the_summary_and_the_fields_message() -> None:
    page = render_form({"reference": "Enter the child's <reference>"}, {"reference": "<b>"})
    summary = page.with_class("govuk-error-summary")
    assert summary and summary[0][1]["data-module"] == "govuk-error-summary"
    assert page.having("a", href="#reference")  # the summary links to the field
    assert page.with_class("govuk-error-summary__title") and "There is a problem" in page.words()
    field = page.having("input", id="reference")
    assert field and field[0]["class"].split() == ["govuk-input", "govuk-input--error"]
    assert field[0]["value"] == "<b>"  # escaped, read back
    assert field[0]["aria-describedby"] == "reference-error"
    message = page.having("p", id="reference-error")
    assert message and message[0]["class"] == "govuk-error-message"
    assert page.with_class("govuk-form-group--error")
    assert page.words().count("Enter the child's <reference>") == 2  # summary, field


def test_a_form_without_errors_has_neither() -> None:
    page = render_form({}, {})
    assert not page.with_class("govuk-error-summary")
    assert not page.with_class("govuk-error-message")
    assert page.having("input", id="reference", class_="govuk-input")


# -- the components the front door uses are all in the port ---------------------------------

COMPONENTS = {
    "input": ("govukInput", {"label": {"text": "L"}, "id": "i", "name": "i"}),
    "textarea": ("govukTextarea", {"label": {"text": "L"}, "id": "t", "name": "t"}),
    "radios": ("govukRadios", {"name": "r", "items": [{"value": "y", "text": "Yes"}]}),
    "checkboxes": ("govukCheckboxes", {"name": "c", "items": [{"value": "a", "text": "A"}]}),
    "select": (
        "govukSelect",
        {"label": {"text": "L"}, "id": "s", "name": "s", "items": [{"value": "1", "text": "O"}]},
    ),
    "date-input": ("govukDateInput", {"id": "d", "namePrefix": "d"}),
    "error-summary": ("govukErrorSummary", {"titleText": "T", "errorList": [{"text": "E"}]}),
    "error-message": ("govukErrorMessage", {"text": "E"}),
    "button": ("govukButton", {"text": "B"}),
    "summary-list": (
        "govukSummaryList",
        {"rows": [{"key": {"text": "K"}, "value": {"text": "V"}}]},
    ),
    "table": ("govukTable", {"head": [{"text": "H"}], "rows": [[{"text": "C"}]]}),
    "tag": ("govukTag", {"text": "T"}),
    "notification-banner": ("govukNotificationBanner", {"text": "N"}),
    "back-link": ("govukBackLink", {"href": "/"}),
    "details": ("govukDetails", {"summaryText": "S", "text": "D"}),
    "inset-text": ("govukInsetText", {"text": "I"}),
    "panel": ("govukPanel", {"titleText": "P"}),
    "task-list": ("govukTaskList", {"items": [{"title": {"text": "T"}, "status": {"text": "S"}}]}),
    "fieldset": ("govukFieldset", {"legend": {"text": "L"}}),
    "hint": ("govukHint", {"text": "H"}),
    "label": ("govukLabel", {"text": "L"}),
}


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_each_component_renders_its_official_block(component: str) -> None:
    macro, params = COMPONENTS[component]
    page = environment().from_string(
        f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {macro} %}}'
        f"{{{{ {macro}(params) }}}}"
    )
    html = page.render(params=params)
    block = {"date-input": "govuk-date-input", "error-message": "govuk-error-message"}.get(
        component, "govuk-" + component
    )
    assert Elements(html).with_class(block), html
