"""Renders the dashboard and the board pack from the same views (jinja2 templates)."""

from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from services.reporting.domain.views import Dashboard

_env = Environment(
    loader=PackageLoader("services.reporting.adapters", "templates"),
    autoescape=select_autoescape(["html"]),
)


def render_dashboard(dashboard: Dashboard) -> str:
    return _env.get_template("dashboard.html").render(d=dashboard)


def render_board_pack(dashboard: Dashboard, meeting: date) -> str:
    return _env.get_template("boardpack.html").render(d=dashboard, meeting=meeting)


def write_board_pack(dashboard: Dashboard, meeting: date, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"board-pack-{dashboard.partnership_id}-{meeting.isoformat()}.html"
    path.write_text(render_board_pack(dashboard, meeting), encoding="utf-8")
    return path
