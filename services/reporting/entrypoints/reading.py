"""What every page that reads the records needs, once: the partnership named in the
path (an unknown one is not found), the day in `?as_of=` (refused when not a date or
later than today), the records to read for that day (the live read models, or that
day's as-of records from the one as-of service), the page's frame, and the mapping
of the two refusals (`NotFound`, `BadRequest`) to 404 and 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import asyncpg
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from services.reporting.adapters.as_of import FIRST_DAY, AsOf, AsOfSchemas, FutureDate, parse_day
from services.reporting.adapters.dashboard_pages import Page, page_for
from services.reporting.adapters.read_models import ReadModels
from shared import london
from shared.clock import Clock
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


async def not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"404 not found: {exc}\n", status_code=404)


async def bad_request(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"400 bad request: {exc}\n", status_code=400)


ERRORS = {NotFound: not_found, BadRequest: bad_request}


def download(body: bytes, media_type: str, name: str, *, inline: bool = False) -> Response:
    how = "inline" if inline else "attachment"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'{how}; filename="{name}"'})


def wants(request: Request, *formats: str) -> str:
    """?format=: "html" when absent; one of `formats`, else refused."""
    fmt = request.query_params.get("format", "").strip() or "html"
    if fmt not in ("html", *formats):
        raise BadRequest(f"format is one of {', '.join(('html', *formats))}, not {fmt!r}")
    return fmt


@dataclass(frozen=True)
class Records:
    """The records a page reads: their schema, the moment they stand at, and the as-of
    day's build (None: the live read models)."""

    read_models: ReadModels
    schema: str
    moment: datetime
    built: AsOf | None

    @property
    def day(self) -> date | None:
        return self.built.day if self.built else None

    @property
    def events(self) -> int | None:
        return self.built.events if self.built else None


@dataclass
class Reading:
    """The read side as the routes see it. The stores and the read models share one
    database: pages read the live read models' pool and schema unless told otherwise,
    and the as-of service builds its records beside them."""

    read_models: ReadModels
    partnerships: Partnerships
    clock: Clock
    pool: asyncpg.Pool | None = None
    schema: str | None = None
    as_of_schemas: AsOfSchemas = field(init=False)

    def __post_init__(self) -> None:
        self.pool = self.pool or self.read_models._pool
        self.schema = self.schema or self.read_models._schema
        self.as_of_schemas = AsOfSchemas(self.pool, self.clock)

    def profile_of(self, request: Request) -> FrameworkProfile:
        partnership = request.path_params["partnership"]
        if partnership not in self.partnerships:
            raise NotFound(f"{partnership!r} is not a partnership on this platform")
        return self.partnerships[partnership]

    def today(self) -> date:
        return london.today(self.clock)

    def day_of(self, request: Request) -> date | None:
        """?as_of=YYYY-MM-DD; None (live) when absent or today; refused when not a date or later than today."""
        text = request.query_params.get("as_of", "").strip()
        if not text:
            return None
        try:
            day = parse_day(text)
        except ValueError:
            raise BadRequest(f"as_of is a date (YYYY-MM-DD) from {FIRST_DAY.isoformat()}, not {text!r}") from None
        today = self.today()
        if day > today:
            raise BadRequest(f"as_of {day.isoformat()} is after today ({today.isoformat()}): there are no records of it yet")
        return None if day == today else day

    @asynccontextmanager
    async def records(self, request: Request) -> AsyncIterator[Records]:
        """The records of the request's `?as_of=` day (the live ones when there is none)."""
        day = self.day_of(request)
        if day is None:
            yield Records(self.read_models, self.schema, self.clock.now(), None)
            return
        try:
            async with self.as_of_schemas.reading(day, request.path_params.get("partnership")) as built:
                yield Records(ReadModels(self.pool, built.schema), built.schema, built.moment, built)
        except FutureDate as future:
            raise BadRequest(str(future)) from None

    def page(self, request: Request, profile: FrameworkProfile, records: Records | None = None, *, day: date | None = None) -> Page:
        """The page's frame (navigation, the as-of picker), standing at `records`' day (or at `day`)."""
        if records is not None:
            day, events = records.day, records.events
        else:
            events = None
        return page_for(profile, request.url.path, self.today(), day, events)
