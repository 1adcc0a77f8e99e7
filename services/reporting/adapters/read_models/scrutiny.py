"""The scrutineer's workspace read on its own (its page, its annual report) through the
read side's facade; the queries are the scrutiny area's (adapters/areas/scrutiny/queries.py)."""

from services.reporting.adapters.areas.scrutiny.queries import read_workspace

__all__ = ["read_workspace"]
