"""The board pack from the read models: every area's view (the dashboard's queries), the
next quarter's planner, and the two Section 11 facts the pack needs with their dates
(risk flags raised, cleared or not; confidence gaps flagged: the Section 11 area's queries)."""

from datetime import date, datetime

from services.reporting.adapters.areas.reporting_records import queries as own_records
from services.reporting.adapters.areas.section11 import queries as section11
from services.reporting.adapters.kept_views import VIEWS
from services.reporting.domain.views.board_pack import BoardPack, build_board_pack
from services.reporting.domain.views.board_pack_schedule import (
    group_of,
    next_quarter,
    previous_meeting,
)
from services.reporting.domain.views.meeting import MeetingPage, build_meeting_page
from shared.profiles.schema import FrameworkProfile

from . import ReadModels


class BoardPackReadModels(ReadModels):
    """The read models with the board pack and a meeting's page (the Section 11 area gives the
    flags and gaps as of the day)."""

    @classmethod
    def over(cls, read_models: ReadModels) -> "BoardPackReadModels":
        """The same pool and schema as `read_models` (the dashboard's)."""
        return read_models if isinstance(read_models, cls) else cls(read_models._pool, read_models._schema)

    async def board_pack(
        self, profile: FrameworkProfile, group_id: str, meeting: date, as_of: datetime, since: date | None = None
    ) -> BoardPack:
        """The pack for `group_id`'s meeting on `meeting`, from the records as of `as_of`.
        Raises `UnknownGroup` (listing the profile's groups) before reading anything."""
        group_of(profile, group_id)
        return await VIEWS.view(
            self._pool, self._schema, profile, ("board pack", group_id, meeting, since), as_of,
            lambda: self._board_pack(profile, group_id, meeting, as_of, since),
        )

    async def _board_pack(
        self, profile: FrameworkProfile, group_id: str, meeting: date, as_of: datetime, since: date | None
    ) -> BoardPack:
        dashboard = await self.dashboard(profile, as_of)
        start, months = next_quarter(meeting)
        planner = await self.planner(profile, start, months, as_of.date())
        async with self._pool.acquire() as conn:
            flags = await section11.risk_flags_raised(conn, self._schema, profile.id, as_of)
            gaps = await section11.confidence_gaps_flagged(conn, self._schema, profile.id, as_of)
            calendar = await own_records.meeting_days(conn, self._schema, profile.id, group_id)
        return build_board_pack(
            profile, group_id, meeting, previous_meeting(profile, group_id, meeting, since, calendar), dashboard, planner, flags, gaps
        )

    async def meeting_page(self, profile: FrameworkProfile, meeting_id: str, as_of: datetime) -> MeetingPage | None:
        """A meeting on the calendar with its agenda (from its group's board pack for its day)
        and the actions raised against it; None when no such meeting is on the calendar."""
        async with self._pool.acquire() as conn:
            meeting = await own_records.meeting(conn, self._schema, profile.id, meeting_id)
        if meeting is None:
            return None
        pack = await self.board_pack(profile, meeting.group_id, meeting.meets_on, as_of)
        return build_meeting_page(profile, meeting, pack)
