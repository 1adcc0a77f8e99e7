"""The tiered, thematic and yearly reports and the risk register, each assembled from the
areas' queries (adapters/areas/) into its view (`domain/views/`). Each report reads in one
repeatable-read transaction, so its figures come from one moment of the read models."""

from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import TypeVar

import asyncpg

from services.reporting.adapters.areas.performance import queries as performance
from services.reporting.adapters.areas.reporting_records import queries as own_records
from services.reporting.adapters.areas.reports import queries as reports
from services.reporting.adapters.areas.reviews import actions_queries as actions
from services.reporting.adapters.areas.reviews import queries as reviews
from services.reporting.adapters.areas.scrutiny import queries as scrutiny
from services.reporting.adapters.kept_views import VIEWS
from services.reporting.domain.views.risks import RiskRegister, build_risk_register
from services.reporting.domain.views.thematic import ThematicReport, build_thematic, themes_index
from services.reporting.domain.views.tiered import TieredReport, build_tiered
from services.reporting.domain.views.yearly import YearlyView, build_yearly
from shared.profiles.schema import FrameworkProfile

T = TypeVar("T")


class ReportReadModels:
    """The reports over one schema of read models (`reporting`, or one rebuilt as of a date)."""

    def __init__(self, pool: asyncpg.Pool, schema: str = "reporting") -> None:
        self._pool = pool
        self._schema = schema

    @classmethod
    def over(cls, read_models: object) -> "ReportReadModels":
        """The same pool and schema as the dashboard's read models."""
        return cls(read_models._pool, read_models._schema)  # type: ignore[attr-defined]

    async def _kept(self, profile: FrameworkProfile, key: tuple[Hashable, ...], as_of: datetime, read: Callable[[], Awaitable[T]]) -> T:
        """A report's view, kept while the partnership's read models stand still (`kept_views`)."""
        return await VIEWS.view(self._pool, self._schema, profile, key, as_of, read)

    async def tiered(self, profile: FrameworkProfile, as_of: datetime) -> TieredReport:
        return await self._kept(profile, ("tiered",), as_of, lambda: self._tiered(profile, as_of))

    async def _tiered(self, profile: FrameworkProfile, as_of: datetime) -> TieredReport:
        s, p = self._schema, profile.id
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rated, recorded = await own_records.ratings(conn, s, p), await reports.records(conn, s, p)
            registered, reported = await own_records.risks(conn, s, p), await own_records.yearly_reports(conn, s, profile)
            figures = await performance.view(conn, s, profile)
            acted, made = (await scrutiny.workspace(conn, s, profile, as_of)).acted_upon
        counted = {"scrutineer-recommendations-acted-upon": f"Recommendations acted upon: {acted} of {made}"}
        return build_tiered(profile, rated, recorded, as_of, risks=registered, yearly=reported, performance=figures,
                            counted=counted)

    async def thematic(self, profile: FrameworkProfile, theme: str, as_of: datetime, template_id: str | None = None) -> ThematicReport:
        return await self._kept(
            profile, ("thematic", theme, template_id), as_of, lambda: self._thematic(profile, theme, as_of, template_id)
        )

    async def _thematic(self, profile: FrameworkProfile, theme: str, as_of: datetime, template_id: str | None = None) -> ThematicReport:
        s, p = self._schema, profile.id
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            recorded, found = await reports.records(conn, s, p), await reports.facts(conn, s, p)
            raised, logged = await actions.action_links(conn, s, p), await reviews.impact(conn, s, p)
            figures = await performance.view(conn, s, profile)
        return build_thematic(profile, theme, recorded, found, raised, logged, as_of, template_id, figures)

    async def themes(self, profile: FrameworkProfile) -> list[tuple[str, str, int]]:
        async with self._pool.acquire() as conn:
            return themes_index(profile, await reports.records(conn, self._schema, profile.id))

    async def yearly(self, profile: FrameworkProfile, year: int, as_of: datetime, report_id: str | None = None) -> YearlyView:
        """A yearly report's year (none named: the profile's first, the partnership's own)."""
        return await self._kept(
            profile, ("yearly", year, report_id), as_of, lambda: self._yearly(profile, year, as_of, report_id)
        )

    async def _yearly(self, profile: FrameworkProfile, year: int, as_of: datetime, report_id: str | None) -> YearlyView:
        s, p = self._schema, profile.id
        rules = profile.reporting.yearly(report_id)
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            report = await own_records.yearly_report(conn, s, profile, rules.id, year) if rules else None
            recorded, found = await reports.records(conn, s, p), await reports.facts(conn, s, p)
            raised, logged = await actions.action_links(conn, s, p), await reviews.impact(conn, s, p)
            rated, timed = await own_records.ratings(conn, s, p), await reviews.clocks(conn, s, p)
        return build_yearly(
            profile, year, report, recorded, found, raised, logged, rated, timed, as_of, report_id=rules.id if rules else None
        )

    async def risks(self, profile: FrameworkProfile, as_of: datetime) -> RiskRegister:
        return await self._kept(profile, ("risks",), as_of, lambda: self._risks(profile, as_of))

    async def _risks(self, profile: FrameworkProfile, as_of: datetime) -> RiskRegister:
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await own_records.risks(conn, self._schema, profile.id)
        return build_risk_register(profile, rows, as_of)
