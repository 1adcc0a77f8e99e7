"""An area's page reads only its own part of the dashboard, and shows what it showed when
it read the whole dashboard (services/reporting/adapters/read_models AREA_PARTS)."""

import pytest

from services.reporting.adapters.dashboard_pages import AREAS, page_for, render_area_page
from services.reporting.adapters.read_models import AREA_PARTS
from shared import london
from shared.clock import ManualClock
from tests.support.dashboard import page, record_activity
from tests.support.platform import PARTNERSHIP, RunningPlatform

pytestmark = pytest.mark.integration


async def test_each_area_page_from_its_own_part_equals_the_page_from_the_whole_dashboard(
    platform: RunningPlatform, clock: ManualClock
) -> None:
    await record_activity(platform)
    assert set(AREA_PARTS) == set(AREAS)
    read_models = platform.wired["reporting"].read_models
    profile = platform.hosts["reporting"].partnerships[PARTNERSHIP]
    now = clock.now()
    whole = await read_models.dashboard(profile, now)
    for area in AREAS:
        frame = page_for(profile, f"/p/{PARTNERSHIP}/{area}", london.today(clock))
        own = await read_models.dashboard(profile, now, area=area)
        assert render_area_page(own, frame, area) == render_area_page(whole, frame, area), area
    served = await page(platform, f"/p/{PARTNERSHIP}/actions")
    assert "Refresh the escalation policy" in served
