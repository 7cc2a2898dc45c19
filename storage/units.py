"""The organisation tree: units of any depth (province → commune, or with districts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import ts


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    parent_id: int | None
    active: bool
    successor_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> Unit:
        return cls(
            row["id"], row["code"], row["name"], row["parent_id"], bool(row["active"]), row["successor_id"]
        )


async def get_unit(tx: Tx, unit_id: int) -> Unit | None:
    row = await tx.fetchone("SELECT * FROM units WHERE id = ?", (unit_id,))
    return Unit.from_row(row) if row else None


async def get_unit_by_code(tx: Tx, code: str) -> Unit | None:
    row = await tx.fetchone("SELECT * FROM units WHERE code = ?", (code,))
    return Unit.from_row(row) if row else None


async def list_units(tx: Tx, *, active_only: bool = True) -> list[Unit]:
    sql = "SELECT * FROM units" + (" WHERE active = 1" if active_only else "") + " ORDER BY code"
    return [Unit.from_row(r) for r in await tx.fetchall(sql)]


async def create_unit(tx: Tx, code: str, name: str, parent_id: int | None, now: datetime) -> int:
    return await tx.insert(
        "INSERT INTO units (code, name, parent_id, active, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
        (code, name, parent_id, ts(now), ts(now)),
    )


async def update_unit(tx: Tx, unit_id: int, name: str, parent_id: int | None, now: datetime) -> None:
    await tx.execute(
        "UPDATE units SET name = ?, parent_id = ?, updated_at = ? WHERE id = ?",
        (name, parent_id, ts(now), unit_id),
    )


async def retire_unit(tx: Tx, unit_id: int, successor_id: int | None, now: datetime) -> None:
    await tx.execute(
        "UPDATE units SET active = 0, successor_id = ?, updated_at = ? WHERE id = ?",
        (successor_id, ts(now), unit_id),
    )


async def move_child_units(tx: Tx, old_parent: int, new_parent: int | None, now: datetime) -> None:
    await tx.execute(
        "UPDATE units SET parent_id = ?, updated_at = ? WHERE parent_id = ? AND active = 1",
        (new_parent, ts(now), old_parent),
    )


async def list_subtree_ids(tx: Tx, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    rows = await tx.fetchall(
        "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE id = ?"
        " UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub",
        (unit_id,),
    )
    return [r[0] for r in rows]


async def list_ancestor_ids(tx: Tx, unit_id: int) -> list[int]:
    """The units above this one, nearest first."""
    rows = await tx.fetchall(
        "WITH RECURSIVE up (id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM units WHERE id = ?"
        " UNION ALL SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id"
        " WHERE up.depth < 100) SELECT parent_id FROM up WHERE parent_id IS NOT NULL ORDER BY depth",
        (unit_id,),
    )  # one query for the whole chain (a job prompting thousands asks it for each member)
    out: list[int] = []
    for (parent_id,) in rows:
        if parent_id in out:  # a cycle: stop where it closes
            break
        out.append(parent_id)
    return out
