"""Every malformed or unknown URL parameter is a 400 or a 404, never a 500, on every
route: an unknown partnership, agency or event, a year or date out of range, a session
cookie or sign-in form that is not ASCII (security review, low findings and finding 10)."""

import pytest

from tests.support.dashboard import fetch
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration

P = PARTNERSHIP
UNKNOWN_PARTNERSHIP = [
    "/p/nowhere", "/p/nowhere/agency/humberside-police", "/p/nowhere/event/00000000-0000-0000-0000-000000000000",
    "/p/nowhere/board-pack", "/p/nowhere/reports/tiered", "/p/nowhere/reports/thematic?theme=neglect",
    "/p/nowhere/reports/yearly/2026", "/p/nowhere/risks",
]
BAD = [
    f"/p/{P}/reports/yearly/-5", f"/p/{P}/reports/yearly/99999999999999999999", f"/p/{P}/reports/yearly/0",
    f"/p/{P}/board-pack?meeting=0001-01-01", f"/p/{P}/board-pack?meeting=not-a-day",
    f"/p/{P}?as_of=0001-01-02", f"/p/{P}?as_of=0001-01-01", f"/p/{P}?as_of=99999-01-01", f"/p/{P}?as_of=x",
    f"/p/{P}/agency/no-such-agency", f"/p/{P}/event/not-a-uuid", f"/p/{P}/event/00000000-0000-0000-0000-000000000000",
]


@pytest.mark.parametrize("path", UNKNOWN_PARTNERSHIP)
async def test_an_unknown_partnership_is_a_404_on_every_route(platform: RunningPlatform, path: str) -> None:
    assert (await fetch(platform, path)).status == 404


async def test_malformed_parameters_are_400_or_404_and_the_as_of_cache_survives_them(platform: RunningPlatform) -> None:
    answers = {path: (await fetch(platform, path)).status for path in BAD}
    assert {path: status for path, status in answers.items() if status not in (400, 404)} == {}
    yesterday = platform.clock.now().date().fromordinal(platform.clock.now().date().toordinal() - 1)
    assert (await fetch(platform, f"/p/{P}?as_of={yesterday.isoformat()}")).status == 200  # the as-of cache still works


async def test_a_cookie_or_sign_in_that_is_not_ascii_is_refused_not_an_error(platform: RunningPlatform) -> None:
    assert (await fetch(platform, f"/p/{P}?token=%C3%A9t%C3%A9", signed_in=False)).status == 303
    assert (await fetch(platform, f"/p/{P}", signed_in=False, cookie="scrutiny_session=%C3%A9")).status == 303
    assert (
        await fetch(platform, "/sign-in", signed_in=False, method="POST", form={"csrf": "été", "email": "é@x", "password": "été"})
    ).status == 403
