"""Copying a deployment's database from SQLite to PostgreSQL (``dlxh db copy``), table by table.

Both databases are at the same schema version first (the copy migrates the target). Tables go in the order
their foreign keys ask (a unit before its members); a column that refers to its own table (a unit's parent,
a duplicate issue) is written in a second pass, once every row exists. Rows keep their ids; a row already
there (same key) is left alone, so a copy that stopped half-way is simply run again. Afterwards every
identity column continues after the largest id copied, and the counts per table are compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.tx import Tx

BATCH = 1000


@dataclass(frozen=True)
class TablePlan:
    name: str
    columns: tuple[str, ...]
    self_refs: tuple[str, ...]  # columns referring to this same table: filled in a second pass
    has_id: bool


async def plan_tables(source: Tx) -> list[TablePlan]:
    """The SQLite source's tables (``schema_version`` aside), parents before children."""
    names = sorted(await source.table_names() - {"schema_version"})
    parents: dict[str, set[str]] = {}
    plans: dict[str, TablePlan] = {}
    for name in names:
        columns = tuple(r[1] for r in await source.fetchall(f"PRAGMA table_info({name})"))
        keys = await source.fetchall(f"PRAGMA foreign_key_list({name})")
        refs = {(r[2], r[3]) for r in keys}  # (referred table, column)
        parents[name] = {t for t, _ in refs if t != name and t in names}
        self_refs = tuple(c for t, c in sorted(refs) if t == name)
        plans[name] = TablePlan(name, columns, self_refs, "id" in columns)
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise RuntimeError("the tables' foreign keys form a cycle")
        ordered += ready
    return [plans[n] for n in ordered]


def _chunks(rows: list[tuple[object, ...]], size: int) -> Iterable[list[tuple[object, ...]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def copy_table(source: Tx, target: Tx, plan: TablePlan) -> int:
    """Insert the source's rows that the target lacks; returns how many were inserted."""
    cols = ", ".join(plan.columns)
    marks = ", ".join("?" for _ in plan.columns)
    select = [("NULL" if c in plan.self_refs else c) for c in plan.columns]
    order = " ORDER BY id" if plan.has_id else ""
    rows = [tuple(r) for r in await source.fetchall(f"SELECT {', '.join(select)} FROM {plan.name}{order}")]
    inserted = 0
    sql = f"INSERT INTO {plan.name} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    for chunk in _chunks(rows, BATCH):
        inserted += await target.executemany(sql, chunk)
    if plan.self_refs:
        sets = ", ".join(f"{c} = ?" for c in plan.self_refs)
        refs = await source.fetchall(f"SELECT {', '.join(plan.self_refs)}, id FROM {plan.name}")
        changed = [tuple(r) for r in refs if any(v is not None for v in tuple(r)[:-1])]
        for chunk in _chunks(changed, BATCH):
            await target.executemany(f"UPDATE {plan.name} SET {sets} WHERE id = ?", chunk)
    return inserted


async def continue_identity(target: Tx, plan: TablePlan) -> None:
    """A PostgreSQL identity column's next value after the largest id copied."""
    if plan.has_id and target.dialect.name == "postgresql":
        await target.execute(
            f"SELECT setval(pg_get_serial_sequence('{plan.name}', 'id'), COALESCE(MAX(id), 0) + 1, false)"
            f" FROM {plan.name}"
        )


async def count_table(tx: Tx, table: str) -> int:
    return int(await tx.fetchval(f"SELECT COUNT(*) FROM {table}") or 0)
