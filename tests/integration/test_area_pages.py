"""An area's page reads only its own part of the dashboard, and shows what it showed when
it read the whole dashboard (services/reporting/adapters/read_models AREA_PARTS)."""

import pytest

from services.reporting.adapters.dashboard_pages import AREAS, page_for, render_area_page, render_dashboard_page
from services.reporting.adapters.read_models import AREA_PARTS
from services.reporting.domain.people.tasks import next_for_agency, next_for_partner, tasks
from shared import london
from shared.clock import ManualClock
from tests.support.dashboard import POLICE, ok, page, projected, record_activity
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


async def test_the_overview_and_peoples_work_from_their_parts_equal_them_from_the_whole_dashboard(
    platform: RunningPlatform, clock: ManualClock
) -> None:
    await record_activity(platform)
    read_models = platform.wired["reporting"].read_models
    profile = platform.hosts["reporting"].partnerships[PARTNERSHIP]
    now, today = clock.now(), london.today(clock)
    whole = await read_models.dashboard(profile, now)
    overview = await read_models.dashboard(profile, now, area="overview")
    frame = page_for(profile, f"/p/{PARTNERSHIP}", today)
    assert render_dashboard_page(overview, frame) == render_dashboard_page(whole, frame)
    work = await read_models.dashboard(profile, now, area="work")
    assert tasks(work, today) == tasks(whole, today)
    assert next_for_agency(work, POLICE, today) == next_for_agency(whole, POLICE, today) != []
    for partner in profile.statutory_partners:
        assert next_for_partner(work, partner.id) == next_for_partner(whole, partner.id)


async def test_a_page_kept_rendered_shows_what_is_recorded_after_it(platform: RunningPlatform) -> None:
    """The pages are kept by what they show (render_cache): the same page read again after a
    change shows the change, and read again without one is the same page."""
    await record_activity(platform)
    before = await page(platform, f"/p/{PARTNERSHIP}/actions")
    assert await page(platform, f"/p/{PARTNERSHIP}/actions") == before
    ok(await platform.command("reviews", "update-action", {
        "action_id": "act-escalation-1", "owner_agency_id": POLICE, "progress": "Policy agreed by the partners",
        "percent_complete": 80, "updated_by": "Force safeguarding lead",
    }, agency=POLICE))
    await projected(platform, submissions=3, gaps=1, history=3)
    after = await page(platform, f"/p/{PARTNERSHIP}/actions")
    assert "80%" in after and "80%" not in before
