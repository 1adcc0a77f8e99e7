"""A rebuild's read models held in memory: every row by table and primary key, written per batch with COPY.

A rebuild starts from empty tables with one writer per source, so a projection need not
ask PostgreSQL what a row holds: it folds each event into the rows here (pure Python, no
round trip), and at the end of each batch the rows it changed are written, per table, as
one DELETE of those already written and one COPY of them all, in the batch's transaction
with the checkpoint. The live path keeps applying each event as SQL (`Projection.apply`);
`tests/integration/test_projection_fold.py` shows both leave the same tables.

The tables' columns, primary keys and defaults are read from the catalogue once, so a
fold names only the columns it sets (a missing column takes its default, an unknown one
is an error), and jsonb columns hold Python values (dumped when written).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

Key = tuple[Any, ...]

_CATALOGUE = """
SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, array_position(i.indkey::int2[], a.attnum) AS key_index
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname = ANY($2::text[])
ORDER BY c.relname, a.attnum
"""


@dataclass
class Table:
    name: str
    columns: list[str]
    types: list[str]
    key: list[str]
    defaults: dict[str, Any]
    append_only: bool = False
    """Rows never changed once inserted (keyed by the event): forgotten once written."""
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    written: set[Key] = field(default_factory=set)
    dirty: dict[Key, None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ready()

    def ready(self) -> None:
        """Worked out once the columns are known: a row is the template (every column, in
        order, at its default) updated with what a fold gives, so its values stay in the
        columns' order and a record is its values (jsonb dumped)."""
        self.template = {c: self.defaults.get(c) for c in self.columns}
        self.column_set = frozenset(self.columns)
        self.jsonb = [i for i, t in enumerate(self.types) if t == "jsonb"]

    def key_of(self, row: dict[str, Any]) -> Key:
        return tuple([row[c] for c in self.key])

    def record(self, row: dict[str, Any]) -> tuple[Any, ...]:
        if not self.jsonb:
            return tuple(row.values())
        values = list(row.values())
        for i in self.jsonb:
            if values[i] is not None:
                values[i] = json.dumps(values[i])
        return tuple(values)


@dataclass
class Write:
    """One table's rows changed by a batch, ready to send (kept for a retry of the batch)."""

    table: Table
    deleted: list[Key]
    records: list[tuple[Any, ...]]


class Rows:
    """The in-memory tables of one rebuild (see the module's docstring)."""

    def __init__(self, schema: str, tables: dict[str, Table]) -> None:
        self.schema = schema
        self._tables = tables
        self.index: dict[str, dict[Any, Any]] = {}
        """Lookups a fold keeps for itself (by a column that is not the key), by name."""

    @classmethod
    async def load(cls, conn: asyncpg.Connection, schema: str, tables: Iterable[str], append_only: Iterable[str]) -> "Rows":
        names = list(tables)
        found: dict[str, Table] = {}
        keyed: dict[str, list[tuple[int, str]]] = {}
        defaults: list[tuple[Table, str, str, str]] = []
        for r in await conn.fetch(_CATALOGUE, schema, names):
            table = found.setdefault(r["table_name"], Table(r["table_name"], [], [], [], {}))
            table.columns.append(r["column_name"])
            table.types.append(r["type"])
            if r["key_index"] is not None:
                keyed.setdefault(table.name, []).append((r["key_index"], r["column_name"]))
            if r["default_expr"] is not None:
                defaults.append((table, r["column_name"], r["type"], r["default_expr"]))
        if defaults:  # every default's value, in one round trip
            values = await conn.fetchrow("SELECT " + ", ".join(expr for *_, expr in defaults))
            for (table, column, typ, _), value in zip(defaults, values, strict=True):
                table.defaults[column] = json.loads(value) if typ == "jsonb" else value
        missing = set(names) - set(found)
        if missing:
            raise ValueError(f"no such tables in {schema}: {sorted(missing)}")
        only = set(append_only)
        for table in found.values():
            table.key = [c for _, c in sorted(keyed.get(table.name, []))]
            if not table.key:
                raise ValueError(f"{schema}.{table.name} has no primary key: it cannot be folded")
            table.append_only = table.name in only
            table.ready()
        return cls(schema, found)

    # -- what a fold does ---------------------------------------------------------------

    def get(self, table: str, *key: Any) -> dict[str, Any] | None:
        """The row as it stands (read only: change it with `set`)."""
        return self._tables[table].rows.get(key)

    def insert(self, table: str, *, conflict: str = "nothing", **values: Any) -> bool:
        """INSERT ... ON CONFLICT DO NOTHING (`conflict="error"`: a plain INSERT, which fails
        on a row already there); the columns not given take their defaults. True if inserted."""
        t = self._tables[table]
        if not t.column_set.issuperset(values):
            raise KeyError(f"{table} has no columns {sorted(values.keys() - t.column_set)}")
        row = t.template | values
        key = t.key_of(row)
        if key in t.rows:
            if conflict == "error":
                raise ValueError(f"{table}: a row {key} is already there")
            return False
        t.rows[key] = row
        t.dirty[key] = None
        return True

    def set(self, table: str, key: Key, **changes: Any) -> dict[str, Any] | None:
        """UPDATE ... WHERE (key) = key: the row changed, or None if there is none."""
        t = self._tables[table]
        row = t.rows.get(key)
        if row is None:
            return None
        if not t.column_set.issuperset(changes):
            raise KeyError(f"{table} has no columns {sorted(changes.keys() - t.column_set)}")
        row.update(changes)
        t.dirty[key] = None
        return row

    def rows(self, table: str) -> dict[Key, dict[str, Any]]:
        return self._tables[table].rows

    # -- what the runner does -----------------------------------------------------------

    def take(self) -> list[Write]:
        """The rows changed since the last take, as records; append-only rows are forgotten."""
        writes = []
        for t in self._tables.values():
            if not t.dirty:
                continue
            keys, t.dirty = list(t.dirty), {}
            deleted = [k for k in keys if k in t.written]
            writes.append(Write(t, deleted, [t.record(t.rows[k]) for k in keys]))
            if t.append_only:  # keyed by the event: no later event can meet the row again
                for k in keys:
                    del t.rows[k]
            else:
                t.written.update(keys)
        return writes

    async def write(self, conn: asyncpg.Connection, writes: list[Write]) -> None:
        """Send a batch's rows: the ones written before deleted by key, then all COPYed."""
        for w in writes:
            t = w.table
            if w.deleted:
                types = [t.types[t.columns.index(c)] for c in t.key]
                arrays = ", ".join(f"${i}::{typ}[]" for i, typ in enumerate(types, start=1))
                await conn.execute(
                    f"DELETE FROM {self.schema}.{t.name} WHERE ({', '.join(t.key)}) IN (SELECT * FROM unnest({arrays}))",
                    *[[k[i] for k in w.deleted] for i in range(len(t.key))],
                )
            await conn.copy_records_to_table(t.name, schema_name=self.schema, columns=t.columns, records=w.records)
