"""Members, their roles and units, and their identity on each channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.enums import Role
from storage.db import Tx
from storage.timeutil import ts

ROLES = tuple(r.value for r in Role)  # the stored values


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    phone: str
    role: Role
    unit_id: int
    sectors: tuple[str, ...]
    language: str
    active: bool
    preferred_channel: str | None

    @classmethod
    def from_row(cls, row: Any) -> Member:
        return cls(
            row["id"],
            row["name"],
            row["phone"],
            Role(row["role"]),
            row["unit_id"],
            tuple(s for s in row["sectors"].split(",") if s),
            row["language"],
            bool(row["active"]),
            row["preferred_channel"],
        )


@dataclass(frozen=True)
class Identity:
    channel: str
    external_id: str
    member_id: int
    chat_id: str


async def create_member(
    tx: Tx,
    name: str,
    role: str,
    unit_id: int,
    now: datetime,
    *,
    phone: str = "",
    sectors: tuple[str, ...] = (),
    language: str = "vi",
) -> int:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    return await tx.insert(
        "INSERT INTO members (name, phone, role, unit_id, sectors, language, active, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        (name, phone, role, unit_id, ",".join(sectors), language, ts(now)),
    )


async def get_member(tx: Tx, member_id: int) -> Member | None:
    row = await tx.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
    return Member.from_row(row) if row else None


async def get_member_by_identity(tx: Tx, channel: str, external_id: str) -> Member | None:
    row = await tx.fetchone(
        "SELECT m.* FROM members m JOIN identities i ON i.member_id = m.id"
        " WHERE i.channel = ? AND i.external_id = ?",
        (channel, external_id),
    )
    return Member.from_row(row) if row else None


async def add_identity(
    tx: Tx, member_id: int, channel: str, external_id: str, chat_id: str, now: datetime
) -> None:
    await tx.execute(
        "INSERT INTO identities (channel, external_id, member_id, chat_id, created_at) VALUES (?, ?, ?, ?, ?)",
        (channel, external_id, member_id, chat_id, ts(now)),
    )


async def list_identities(tx: Tx, member_id: int) -> list[Identity]:
    rows = await tx.fetchall(
        "SELECT channel, external_id, member_id, chat_id FROM identities WHERE member_id = ? ORDER BY created_at",
        (member_id,),
    )
    return [Identity(*r) for r in rows]


async def set_preferred_channel(tx: Tx, member_id: int, channel: str | None) -> None:
    await tx.execute("UPDATE members SET preferred_channel = ? WHERE id = ?", (channel, member_id))


async def set_member_phone(tx: Tx, member_id: int, phone: str) -> None:
    await tx.execute("UPDATE members SET phone = ? WHERE id = ?", (phone, member_id))


async def set_member_language(tx: Tx, member_id: int, language: str) -> None:
    await tx.execute("UPDATE members SET language = ? WHERE id = ?", (language, member_id))


async def set_member_unit(tx: Tx, member_id: int, unit_id: int) -> None:
    await tx.execute("UPDATE members SET unit_id = ? WHERE id = ?", (unit_id, member_id))


async def move_members(tx: Tx, from_unit: int, to_unit: int) -> int:
    cur = await tx.execute("UPDATE members SET unit_id = ? WHERE unit_id = ?", (to_unit, from_unit))
    return cur.rowcount


async def deactivate_member(tx: Tx, member_id: int, now: datetime) -> None:
    await tx.execute("UPDATE members SET active = 0, deactivated_at = ? WHERE id = ?", (ts(now), member_id))


async def update_member_role(
    tx: Tx, member_id: int, role: str, unit_id: int, sectors: tuple[str, ...]
) -> None:
    await tx.execute(
        "UPDATE members SET role = ?, unit_id = ?, sectors = ? WHERE id = ?",
        (role, unit_id, ",".join(sectors), member_id),
    )


async def list_members(
    tx: Tx, *, unit_ids: list[int] | None = None, active_only: bool = False, unreachable_only: bool = False
) -> list[Member]:
    sql = "SELECT m.* FROM members m WHERE 1 = 1"
    params: list[Any] = []
    if unit_ids is not None:
        sql += f" AND m.unit_id IN ({','.join('?' for _ in unit_ids) or 'NULL'})"
        params += unit_ids
    if active_only:
        sql += " AND m.active = 1"
    if unreachable_only:
        sql += (
            " AND (NOT EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id)"
            " OR EXISTS (SELECT 1 FROM identities i JOIN unreachable_chats u"
            " ON u.channel = i.channel AND u.chat_id = i.chat_id WHERE i.member_id = m.id))"
        )
    sql += " ORDER BY m.unit_id, m.name"
    return [Member.from_row(r) for r in await tx.fetchall(sql, params)]


async def list_promptable_members(tx: Tx, unit_ids: list[int] | None = None) -> list[tuple[Member, Identity]]:
    """Active members with a channel identity: the people proactive prompts go to."""
    sql = (
        "SELECT m.*, i.channel AS i_channel, i.external_id AS i_external, i.chat_id AS i_chat"
        " FROM members m JOIN identities i ON i.member_id = m.id WHERE m.active = 1"
    )
    params: list[Any] = []
    if unit_ids is not None:
        sql += f" AND m.unit_id IN ({','.join('?' for _ in unit_ids) or 'NULL'})"
        params += unit_ids
    sql += " AND (m.preferred_channel IS NULL OR m.preferred_channel = i.channel) ORDER BY m.id"
    out = []
    for r in await tx.fetchall(sql, params):
        out.append((Member.from_row(r), Identity(r["i_channel"], r["i_external"], r["id"], r["i_chat"])))
    return out


async def list_member_chats(tx: Tx, member_ids: list[int]) -> list[tuple[Member, Identity]]:
    """Where to reach these members: one chat each, on the preferred channel when set (active members only)."""
    if not member_ids:
        return []
    sql = (
        "SELECT m.*, i.channel AS i_channel, i.external_id AS i_external, i.chat_id AS i_chat"
        " FROM members m JOIN identities i ON i.member_id = m.id"
        f" WHERE m.active = 1 AND m.id IN ({','.join('?' for _ in member_ids)})"
        " AND (m.preferred_channel IS NULL OR m.preferred_channel = i.channel) ORDER BY m.id"
    )
    seen: set[int] = set()
    result = []
    for r in await tx.fetchall(sql, member_ids):
        if r["id"] in seen:
            continue
        seen.add(r["id"])
        result.append((Member.from_row(r), Identity(r["i_channel"], r["i_external"], r["id"], r["i_chat"])))
    return result


async def list_unit_leaders(tx: Tx, unit_id: int) -> list[Member]:
    rows = await tx.fetchall(
        "SELECT * FROM members WHERE unit_id = ? AND role = 'leader' AND active = 1 ORDER BY id", (unit_id,)
    )
    return [Member.from_row(r) for r in rows]


async def list_members_in_units(tx: Tx, unit_ids: list[int], *, active_only: bool = True) -> list[Member]:
    if not unit_ids:
        return []
    sql = f"SELECT * FROM members WHERE unit_id IN ({','.join('?' for _ in unit_ids)})"
    if active_only:
        sql += " AND active = 1"
    return [Member.from_row(r) for r in await tx.fetchall(sql + " ORDER BY name, id", unit_ids)]
