"""Queries behind the tiered, thematic and yearly reports and the risk register, and the
reports assembled from them (views in `domain/views/`). Each report reads in one
repeatable-read transaction, so its figures come from one moment of the read models."""

import json
from collections import defaultdict
from datetime import datetime

import asyncpg

from services.reporting.adapters.areas.performance import queries as performance
from services.reporting.adapters.areas.scrutiny import queries as scrutiny
from services.reporting.domain.views.report_rows import (
    ActionLinkRow,
    CitedRow,
    ClockRow,
    FactRow,
    ImpactLinkRow,
    IndicatorRatingRow,
    RecordRow,
    RiskRow,
    StepRow,
    YearlyReportRow,
)
from services.reporting.domain.views.risks import RiskRegister, build_risk_register
from services.reporting.domain.views.thematic import ThematicReport, build_thematic, themes_index
from services.reporting.domain.views.tiered import TieredReport, build_tiered
from services.reporting.domain.views.yearly import YearlyView, build_yearly
from shared.profiles.schema import FrameworkProfile


def _id(value: object) -> str | None:
    return str(value) if value is not None else None


async def records(conn: asyncpg.Connection, s: str, partnership: str) -> list[RecordRow]:
    return [
        RecordRow(
            r["kind"], r["record_id"], r["activity_type"], r["title"], r["theme"], json.loads(r["themes"]), r["status"],
            r["on_date"], r["ended_on"], str(r["event_id"]), r["position"], str(r["first_event_id"]), r["first_position"],
            agency_id=r["agency_id"], link=r["link"], strengths=json.loads(r["strengths"]), areas=json.loads(r["areas"]),
            findings=json.loads(r["findings"]), figures=json.loads(r["figures"]),
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.report_records WHERE partnership_id = $1 ORDER BY kind, record_id", partnership
        )
    ]


async def facts(conn: asyncpg.Connection, s: str, partnership: str) -> list[FactRow]:
    return [
        FactRow(r["kind"], r["record_id"], r["fact"], r["on_date"], r["detail"], str(r["event_id"]), r["position"])
        for r in await conn.fetch(
            f"SELECT * FROM {s}.report_facts WHERE partnership_id = $1 ORDER BY position, fact", partnership
        )
    ]


async def actions(conn: asyncpg.Connection, s: str, partnership: str) -> list[ActionLinkRow]:
    return [
        ActionLinkRow(
            r["action_id"], r["title"], r["owner_agency_id"], r["due_on"], r["status"], r["source_type"], r["source_id"],
            r["raised_on"], str(r["event_id"]), r["position"], _id(r["last_event_id"]), r["signed_off_on"],
        )
        for r in await conn.fetch(
            f"SELECT *, (raised_at AT TIME ZONE 'Europe/London')::date AS raised_on FROM {s}.actions"
            " WHERE partnership_id = $1 ORDER BY due_on, action_id",
            partnership,
        )
    ]


async def impact(conn: asyncpg.Connection, s: str, partnership: str) -> list[ImpactLinkRow]:
    return [
        ImpactLinkRow(
            r["impact_id"], r["recorded_on"], r["difference"], r["evidence"], json.loads(r["links"]), str(r["event_id"]), r["position"]
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.impact_log WHERE partnership_id = $1 ORDER BY recorded_on, impact_id", partnership)
    ]


async def ratings(conn: asyncpg.Connection, s: str, partnership: str) -> list[IndicatorRatingRow]:
    return [
        IndicatorRatingRow(
            r["indicator_id"],
            r["tier_id"],
            r["rating"],
            r["previous_rating"],
            r["rationale"],
            [
                CitedRow(c["kind"], c["record_id"], c["event_id"], c["event_type"], c["position"], c.get("note", ""))
                for c in json.loads(r["evidence"])
            ],
            r["rated_on"],
            r["rated_by"],
            str(r["event_id"]),
            r["position"],
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.indicator_ratings WHERE partnership_id = $1 ORDER BY position", partnership)
    ]


def _ids(profile: FrameworkProfile, report_id: str) -> list[str]:
    """The ids a report's rows may carry: its own, and "" for the profile's first (begun when a
    profile had one yearly report)."""
    first = profile.reporting.yearly_report
    return [report_id, ""] if first is not None and first.id == report_id else [report_id]


async def yearly_report(
    conn: asyncpg.Connection, s: str, profile: FrameworkProfile, report_id: str, year: int
) -> YearlyReportRow | None:
    r = await conn.fetchrow(
        f"SELECT * FROM {s}.yearly_reports WHERE partnership_id = $1 AND year = $2 AND report_id = ANY($3::text[])"
        " ORDER BY report_id DESC LIMIT 1",
        profile.id, year, _ids(profile, report_id),
    )
    if r is None:
        return None
    steps = [
        StepRow(x["step"], x["version"], x["by_whom"], x["on_date"], x["text"], x["group_id"], str(x["event_id"]), x["position"])
        for x in await conn.fetch(
            f"SELECT * FROM {s}.yearly_report_steps WHERE partnership_id = $1 AND year = $2 AND report_id = $3 ORDER BY position",
            profile.id, year, r["report_id"],
        )
    ]
    return _yearly_row(r, steps, report_id)


def _yearly_row(r: asyncpg.Record, steps: list[StepRow], report_id: str) -> YearlyReportRow:
    return YearlyReportRow(
        r["year"], r["name"], r["period_start"], r["period_end"], r["version"], r["status"], r["summary"], r["compiled_by"],
        r["scrutineer"], r["scrutineer_before_publication"], r["comments_to"], json.loads(r["sign_off_by"]),
        json.loads(r["signed"]), r["publish"], r["publication"], r["published_on"], r["link"], str(r["event_id"]),
        r["position"], steps, report_id,
    )


async def yearly_reports(conn: asyncpg.Connection, s: str, profile: FrameworkProfile) -> list[YearlyReportRow]:
    """Every yearly report's every year (without its steps), oldest first, each naming its report."""
    first = profile.reporting.yearly_report
    return [
        _yearly_row(r, [], r["report_id"] or (first.id if first else ""))
        for r in await conn.fetch(
            f"SELECT * FROM {s}.yearly_reports WHERE partnership_id = $1 ORDER BY year, report_id", profile.id
        )
    ]


async def clocks(conn: asyncpg.Connection, s: str, partnership: str) -> list[ClockRow]:
    return [
        ClockRow(
            r["kind"], r["review_id"], r["starts_on"], r["due_on"], r["status"], r["outcome"], r["late"], r["closed_on"],
            str(r["last_event_id"]), r["last_position"],
        )
        for r in await conn.fetch(
            f"SELECT * FROM {s}.review_clocks WHERE partnership_id = $1 ORDER BY starts_on, kind, review_id", partnership
        )
    ]


def _rating(value: str) -> tuple[int, int]:
    rating = json.loads(value)
    return rating["likelihood"], rating["impact"]


async def risks(conn: asyncpg.Connection, s: str, partnership: str) -> list[RiskRow]:
    history: dict[str, list[tuple[str, object, str, str, int]]] = defaultdict(list)
    for h in await conn.fetch(f"SELECT * FROM {s}.risk_history WHERE partnership_id = $1 ORDER BY position", partnership):
        history[h["risk_id"]].append((h["event_type"], h["on_date"], h["detail"], str(h["event_id"]), h["position"]))
    return [
        RiskRow(
            r["risk_id"], r["title"], r["description"], r["owner"], r["owner_role"], _rating(r["inherent"]),
            _rating(r["current"]), _rating(r["target"]), json.loads(r["controls"]), r["recorded_on"], r["review_on"],
            r["assessed_on"], r["status"], r["closed_on"], r["close_reason"], str(r["event_id"]), r["position"],
            str(r["last_event_id"]), r["last_position"], history.get(r["risk_id"], []),  # type: ignore[arg-type]
        )
        for r in await conn.fetch(f"SELECT * FROM {s}.risks WHERE partnership_id = $1 ORDER BY risk_id", partnership)
    ]


class ReportReadModels:
    """The reports over one schema of read models (`reporting`, or one rebuilt as of a date)."""

    def __init__(self, pool: asyncpg.Pool, schema: str = "reporting") -> None:
        self._pool = pool
        self._schema = schema

    @classmethod
    def over(cls, read_models: object) -> "ReportReadModels":
        """The same pool and schema as the dashboard's read models."""
        return cls(read_models._pool, read_models._schema)  # type: ignore[attr-defined]

    async def tiered(self, profile: FrameworkProfile, as_of: datetime) -> TieredReport:
        s, p = self._schema, profile.id
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rated, recorded = await ratings(conn, s, p), await records(conn, s, p)
            registered, reported = await risks(conn, s, p), await yearly_reports(conn, s, profile)
            figures = await performance.view(conn, s, profile)
            acted, made = (await scrutiny.workspace(conn, s, profile, as_of)).acted_upon
        counted = {"scrutineer-recommendations-acted-upon": f"Recommendations acted upon: {acted} of {made}"}
        return build_tiered(profile, rated, recorded, as_of, risks=registered, yearly=reported, performance=figures,
                            counted=counted)

    async def thematic(self, profile: FrameworkProfile, theme: str, as_of: datetime, template_id: str | None = None) -> ThematicReport:
        s, p = self._schema, profile.id
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            recorded, found = await records(conn, s, p), await facts(conn, s, p)
            raised, logged = await actions(conn, s, p), await impact(conn, s, p)
            figures = await performance.view(conn, s, profile)
        return build_thematic(profile, theme, recorded, found, raised, logged, as_of, template_id, figures)

    async def themes(self, profile: FrameworkProfile) -> list[tuple[str, str, int]]:
        async with self._pool.acquire() as conn:
            return themes_index(profile, await records(conn, self._schema, profile.id))

    async def yearly(self, profile: FrameworkProfile, year: int, as_of: datetime, report_id: str | None = None) -> YearlyView:
        """A yearly report's year (none named: the profile's first, the partnership's own)."""
        s, p = self._schema, profile.id
        rules = profile.reporting.yearly(report_id)
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            report = await yearly_report(conn, s, profile, rules.id, year) if rules else None
            recorded, found = await records(conn, s, p), await facts(conn, s, p)
            raised, logged = await actions(conn, s, p), await impact(conn, s, p)
            rated, timed = await ratings(conn, s, p), await clocks(conn, s, p)
        return build_yearly(
            profile, year, report, recorded, found, raised, logged, rated, timed, as_of, report_id=rules.id if rules else None
        )

    async def risks(self, profile: FrameworkProfile, as_of: datetime) -> RiskRegister:
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await risks(conn, self._schema, profile.id)
        return build_risk_register(profile, rows, as_of)
