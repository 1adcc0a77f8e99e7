"""A batch's statements queued and sent a run at a time, so the live path's batch costs a
few round trips rather than one per statement (`Statements`, used by the runner)."""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import asyncpg


@lru_cache(maxsize=1024)
def _tables(schema: str, query: str) -> frozenset[str] | None:
    """The schema's tables a statement names; None if it names none (then it is a barrier)."""
    found = frozenset(re.findall(rf"(?<![\w.]){re.escape(schema)}\.(\w+)", query))
    return found or None


@dataclass
class _Group:
    query: str
    tables: frozenset[str]
    args: list[tuple[Any, ...]] = field(default_factory=list)


class Statements:
    """Stands in for the connection while a batch is applied, so a batch costs a few
    round trips rather than one per statement.

    `execute` with arguments is queued; a queued statement joins the last group of the
    same statement text if no statement queued since touches any of its tables, so it
    only ever moves ahead of statements on other tables, and each group runs as one
    pipelined `executemany`, in order. Anything else (a read, a statement without
    arguments or naming none of the schema's tables) first runs everything queued, so
    it sees every earlier event applied."""

    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self._conn = conn
        self._schema = schema
        self._groups: list[_Group] = []
        self._last: dict[str, int] = {}  # table -> index of the last group touching it
        self._direct = 0  # inside a projection's own (nested) transaction: nothing is queued

    async def execute(self, query: str, *args: Any, **options: Any) -> str:
        tables = _tables(self._schema, query) if args and not options and not self._direct else None
        if tables is None:
            await self.flush()
            return await self._conn.execute(query, *args, **options)
        last = max((self._last.get(table, -1) for table in tables), default=-1)
        if last >= 0 and self._groups[last].query == query:
            self._groups[last].args.append(args)
            return ""
        self._groups.append(_Group(query, tables, [args]))
        for table in tables:
            self._last[table] = len(self._groups) - 1
        return ""

    async def flush(self) -> None:
        groups, self._groups, self._last = self._groups, [], {}
        for group in groups:
            if len(group.args) == 1:
                await self._conn.execute(group.query, *group.args[0])
            else:
                await self._conn.executemany(group.query, group.args)

    def transaction(self, **options: Any) -> "_Nested":
        return _Nested(self, self._conn.transaction(**options))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._conn, name)
        if not callable(attribute) or name in ("is_closed", "get_server_version"):
            return attribute

        async def after_queued(*args: Any, **kwargs: Any) -> Any:
            await self.flush()
            return await attribute(*args, **kwargs)

        return after_queued


class _Nested:
    """A projection's own savepoint: what was queued runs before it, and what it does runs in it."""

    def __init__(self, statements: Statements, transaction: Any) -> None:
        self._statements, self._transaction = statements, transaction

    async def __aenter__(self) -> Any:
        await self._statements.flush()
        self._statements._direct += 1
        return await self._transaction.__aenter__()

    async def __aexit__(self, *exc: Any) -> Any:
        self._statements._direct -= 1
        return await self._transaction.__aexit__(*exc)
