"""The front door's pages over GOV.UK Frontend's components, from the reporting service's one
Jinja environment (adapters/templating.py), which the dashboard's pages share.

Every page gets the partnership's name (never GOV.UK's), the person's navigation, the
session's CSRF token and who is signed in, so no route repeats them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from services.reporting.adapters.templating import ENVIRONMENT, FRONT_DOOR_TEMPLATES
from shared.roles import Role

HERE = Path(__file__).parent
TEMPLATES = FRONT_DOOR_TEMPLATES
STATIC = HERE / "static"
PLATFORM_NAME = "scrutiny"


class Renderer:
    def __init__(self, names: dict[str, str]) -> None:
        self._names = names  # partnership id -> its name
        self.env = ENVIRONMENT  # the reporting service's one environment (adapters/templating.py)

    def html(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def page(self, request: Request, template: str, found: Any, *, status: int = 200, **context: Any) -> HTMLResponse:
        partnership = request.path_params.get("partnership")
        person = getattr(found, "person", None)
        mine = person.partnerships(request.app.state.today()) if person else []
        only = next(iter(self._names.values())) if len(self._names) == 1 else None
        name = self._names.get(partnership or "") or (self._names.get(mine[0]) if mine else None) or only or PLATFORM_NAME
        base = {
            "service_name": name,
            "service_url": "/",
            "navigation": navigation(request, person),
            "csrf": getattr(found, "csrf", ""),
            "signed_in": person.name if person else None,
            "values": {},
            "errors": {},
        }
        return HTMLResponse(self.html(template, **(base | context)), status_code=status)


def navigation(request: Request, person: Any) -> list[dict[str, Any]]:
    if person is None:
        return []
    path = request.url.path
    items = [{"href": "/", "text": "Home", "active": path == "/"}]
    partnership = request.path_params.get("partnership")
    if partnership:
        items.append({"href": f"/p/{partnership}", "text": "Dashboard", "active": path == f"/p/{partnership}"})
        if Role.BUSINESS_UNIT in person.roles_in(partnership, request.app.state.today()):
            items.append({"href": f"/p/{partnership}/outbox", "text": "Outbox", "active": path == f"/p/{partnership}/outbox"})
    items.append({"href": "/inbox", "text": "Messages", "active": path.startswith("/inbox")})
    items.append({"href": "/account", "text": "Your account", "active": path == "/account"})
    return items
