"""The scrutineer's workspace read on its own (its page, its annual report) through the
read side's facade, kept while the read models stand still (`kept_views`); the queries are
the scrutiny area's (adapters/areas/scrutiny/queries.py)."""

from datetime import datetime

import asyncpg

from services.reporting.adapters.areas.scrutiny import queries
from services.reporting.adapters.kept_views import VIEWS
from services.reporting.domain.views.scrutiny import Workspace
from shared.profiles.schema import FrameworkProfile


async def read_workspace(pool: asyncpg.Pool, schema: str, profile: FrameworkProfile, as_of: datetime) -> Workspace:
    return await VIEWS.view(
        pool, schema, profile, ("workspace",), as_of,
        lambda: queries.read_workspace(pool, schema, profile, as_of),
    )
